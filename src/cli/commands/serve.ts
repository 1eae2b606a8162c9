import { buildServer } from '../../server/app.js';
import { dashboardPlugin } from '../../web/dashboard.js';
import { singleStoreProvider } from '../../server/store-provider.js';
import { oidcVerifier } from '../../identity/oidc.js';
import { RotguardError, UsageError } from '../../core/errors.js';
import { integerOption, parseCommand, str, type CommandIO } from '../options.js';
import { openWorkspace } from '../workspace.js';

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
  const { workspace, store } = await openWorkspace(str(values.workspace));
  const stores = singleStoreProvider(store);
  const app = await buildServer({
    stores,
    workspace,
    oidc: issuer && audience && jwksFile ? oidcVerifier({ issuer, audience, jwksFile }) : null,
    logger: { level },
    // The dashboard at / (static pages calling this same API with the user's token).
    plugins: [dashboardPlugin()],
  });
  let stopping: Promise<void> | null = null;
  const stop = (signal: string) => {
    stopping ??= (async () => {
      app.log.info({ signal }, 'draining and stopping');
      await app.close();
      await stores.close();
    })();
    return stopping;
  };
  try {
    const address = await app.listen({ port, host: str(values.host)! });
    io.err(`rotguard serve: ${store.backend} store ${store.location}, listening on ${address}\n`);
  } catch (e) {
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
