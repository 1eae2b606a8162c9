import { buildServer } from '../../server/app.js';
import { tenantStoreProvider } from '../../server/store-provider.js';
import { openTenantStores } from '../../store/tenant.js';
import { startWebhookDispatcher } from '../../notify/dispatcher.js';
import { dashboardPlugin } from '../../web/dashboard.js';
import { oidcVerifier } from '../../identity/oidc.js';
import { RotguardError, UsageError } from '../../core/errors.js';
import { integerOption, parseCommand, str, type CommandIO } from '../options.js';
import { blobDir, databaseUrl, findWorkspace } from '../workspace.js';

export const serveHelp = `Usage: rotguard serve [--port 8080] [--host 127.0.0.1] [--workspace DIR]
                     [--oidc-issuer URL --oidc-audience AUD --oidc-jwks FILE] [--log-level info]

Serves the dashboard (/), the JSON API (/api/v1, OpenAPI at /api/v1/openapi.json, /healthz) over the
workspace's store: the embedded store for a lab, or PostgreSQL (ROTGUARD_DATABASE_URL) for
an organisation. Every request authenticates with "Authorization: Bearer <token>" (a token
from "rotguard users add", or an OpenID Connect JWT when --oidc-* are given: keys are read
from the JWKS file, never fetched). Logs are JSON lines on stdout; SIGINT/SIGTERM drain
open requests, then stop.

Environment: ROTGUARD_OIDC_ISSUER, ROTGUARD_OIDC_AUDIENCE, ROTGUARD_OIDC_JWKS stand for the flags.
`;

export async function serveCommand(args: string[], io: CommandIO): Promise<number> {
  const { values } = parseCommand(args, {
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    'oidc-issuer': { type: 'string' },
    'oidc-audience': { type: 'string' },
    'oidc-jwks': { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
  });
  if (values.help) return (io.out(serveHelp), 0);
  const port = integerOption('--port', str(values.port) ?? process.env.PORT, 8080, 0, 65535);
  const issuer = str(values['oidc-issuer']) ?? process.env.ROTGUARD_OIDC_ISSUER;
  const audience = str(values['oidc-audience']) ?? process.env.ROTGUARD_OIDC_AUDIENCE;
  const jwksFile = str(values['oidc-jwks']) ?? process.env.ROTGUARD_OIDC_JWKS;
  if ((issuer || audience || jwksFile) && !(issuer && audience && jwksFile)) {
    throw new UsageError('OpenID Connect needs all three of --oidc-issuer, --oidc-audience and --oidc-jwks');
  }
  const level = str(values['log-level'])!;
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) throw new UsageError(`--log-level: unknown level "${level}"`);
  // One store per team over one pool: on PostgreSQL every request's connections carry its
  // team, so row-level security scopes what the server's database role can see.
  const workspace = findWorkspace(str(values.workspace));
  const tenants = await openTenantStores({ workspace, databaseUrl: databaseUrl(), blobDir: blobDir() });
  const stores = tenantStoreProvider(tenants);
  const store = tenants.base;
  let nudge = () => {};
  const app = await buildServer({
    stores,
    workspace,
    afterWrite: () => nudge(),
    oidc: issuer && audience && jwksFile ? oidcVerifier({ issuer, audience, jwksFile }) : null,
    logger: { level },
    // The dashboard at / (static pages calling this same API with the user's token).
    plugins: [dashboardPlugin()],
  }).catch(async (e: unknown) => {
    await stores.close();
    throw e;
  });
  // Webhooks follow the event log from the server: a cursor per webhook, in the database.
  const stopDispatcher = new AbortController();
  const dispatcher = startWebhookDispatcher(tenants.base, {
    signal: stopDispatcher.signal,
    log: { info: (m: string) => app.log.info(m), warn: (m: string) => app.log.warn(m) },
    storeForTeam: (t) => tenants.forTeam(t),
  });
  nudge = () => dispatcher.notify();
  let stopping: Promise<void> | null = null;
  const stop = (signal: string) => {
    stopping ??= (async () => {
      app.log.info({ signal }, 'draining and stopping');
      await app.close();
      stopDispatcher.abort();
      await dispatcher.stopped;
      await stores.close();
    })();
    return stopping;
  };
  try {
    const address = await app.listen({ port, host: str(values.host)! });
    io.err(`rotguard serve: ${store.backend} store ${store.location}, listening on ${address}\n`);
  } catch (e) {
    stopDispatcher.abort();
    await dispatcher.stopped;
    await stores.close();
    const code = (e as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new RotguardError('usage', `port ${port} is in use; pass --port`);
    throw e;
  }
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  await stop(signal);
  return 0;
}
