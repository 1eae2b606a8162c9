import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { maskTokens } from '../core/api-token.js';
import { categoryOf } from '../core/error-codes.js';
import { WALL_CLOCK } from '../core/clock.js';
import { RotguardError } from '../core/errors.js';
import { maskUrl } from '../core/mask-url.js';
import { packageVersion } from '../core/package-info.js';
import type { Identity } from '../identity/principals.js';
import type { OidcVerifier } from '../identity/oidc.js';
import { allows, allowsAnywhere, ANY_TEAM } from '../identity/roles.js';
import { visibleTeams } from '../identity/principals.js';
import { appendEvent } from '../store/event-log.js';
import { isStoreUnreachable } from '../store/unreachable.js';
import { createContext } from '../usecases/context.js';
import { actingTeamOf, identify } from './authenticate.js';
import { openApiDocument } from './openapi.js';
import { isRawReply } from './raw-reply.js';
import type { ApiRequest } from './request-scope.js';
import type { RouteSpec } from './route.js';
import { apiRoutes } from './routes/index.js';
import { ChemPoolHolder } from './chem-pool-holder.js';
import type { StoreProvider } from './store-provider.js';

export interface ServerOptions {
  stores: StoreProvider;
  /** The workspace folder (quarantine reports, audit reports), null on a server without one. */
  workspace: string | null;
  oidc?: OidcVerifier | null;
  /**
   * Structured JSON logs (pino): true = info on stdout; or a level and, optionally, where
   * the JSON lines go (anything with write(line), e.g. a test capturing them); false = none.
   */
  logger?: boolean | { level: string; stream?: { write(line: string): void } };
  /** Called after every successful write (a webhook dispatcher's nudge: new events may be there). */
  afterWrite?: () => void;
  /** Extra routes (the dashboard). */
  plugins?: ((app: FastifyInstance, o: ServerOptions) => Promise<void> | void)[];
}

/** The error body every route answers with: { error: { code, message, field? } }. */
export function errorBody(code: string, message: string, field?: string) {
  return { error: { code, message: maskTokens(maskUrl(message)), ...(field ? { field } : {}) } };
}

/**
 * The HTTP server over the use-case layer. Every route is declared once in routes/ (schema,
 * access, handler); this file turns declarations into Fastify routes with authentication,
 * the acting team, deny-by-default authorization and one error format.
 */
export async function buildServer(o: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(o.logger),
    // A proxy id is kept when given; otherwise Fastify numbers requests.
    requestIdHeader: 'x-request-id',
    bodyLimit: 64 * 1024 * 1024,
  });

  app.setErrorHandler((err: Error & { validation?: unknown; statusCode?: number; code?: string }, request, reply) => {
    if (err instanceof RotguardError) {
      if (err.httpStatus >= 500) request.log.error({ code: err.code }, maskTokens(err.message));
      else request.log.info({ code: err.code, status: err.httpStatus }, 'refused');
      return reply.status(err.httpStatus).send(errorBody(err.code, err.message, err.location.field));
    }
    if (err.validation) return reply.status(400).send(errorBody('usage', err.message));
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return reply.status(err.statusCode).send(errorBody('usage', err.message));
    if (isStoreUnreachable(err)) {
      request.log.error({ err: { message: maskTokens(maskUrl(err.message)), code: err.code } }, 'store unreachable');
      return reply.status(503).send(errorBody('store_unreachable', 'the store (database) cannot be reached; try again shortly'));
    }
    // PostgreSQL's own refusals: row-level security kept a team out (a route's check missed
    // it, or the row is another team's), or a unique key is held by a row this team cannot see.
    if (err.code === '42501') {
      request.log.warn({ err: { message: maskTokens(maskUrl(err.message)), code: err.code } }, 'refused by row-level security');
      return reply.status(403).send(errorBody('forbidden', "the database refused the change: it touches another team's rows"));
    }
    if (err.code === '23505') {
      request.log.info({ err: { message: maskTokens(maskUrl(err.message)), code: err.code } }, 'unique key taken');
      return reply.status(409).send(errorBody('name_taken', 'a row with this name or key exists already (perhaps another team’s); choose another name'));
    }
    request.log.error({ err: { message: maskTokens(maskUrl(err.message)), stack: err.stack } }, 'internal error');
    return reply.status(500).send(errorBody('internal', `internal error; the server log has it under request ${request.id}`));
  });
  app.setNotFoundHandler((request, reply) => reply.status(404).send(errorBody('unknown_route', `no route ${request.method} ${request.url.split('?')[0]}`)));

  app.get('/healthz', async () => {
    // Answers only when the store answers: a load balancer should not send work to a server whose database is gone.
    await o.stores.base.db.selectFrom('teams').select('name').limit(1).execute();
    return { ok: true, version: packageVersion() };
  });
  const chem = new ChemPoolHolder();
  app.addHook('onClose', async () => chem.close());
  const routes = apiRoutes(chem);
  app.get('/api/v1/openapi.json', async () => openApiDocument(routes));
  for (const spec of routes) registerRoute(app, spec, o);
  for (const plugin of o.plugins ?? []) await plugin(app, o);
  return app;
}

/**
 * Every logger gets the same protections, whoever configures it: credentials in headers are
 * redacted should a serializer ever include them, and a token pasted into a URL (a query
 * string, a path) is masked in the request line.
 */
function loggerOptions(l: ServerOptions['logger']) {
  if (!l) return false;
  return {
    ...(l === true ? { level: 'info' } : l),
    redact: ['req.headers.authorization', 'req.headers.cookie'],
    serializers: {
      req: (r: FastifyRequest) => ({ method: r.method, url: maskTokens(maskUrl(r.url)), host: r.host, remoteAddress: r.ip, remotePort: r.socket?.remotePort }),
    },
  };
}

function registerRoute(app: FastifyInstance, spec: RouteSpec, o: ServerOptions): void {
  app.route({
    method: spec.method,
    url: spec.url,
    schema: {
      ...(spec.schema.params ? { params: spec.schema.params } : {}),
      ...(spec.schema.querystring ? { querystring: spec.schema.querystring } : {}),
      ...(spec.schema.body ? { body: spec.schema.body } : {}),
    },
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const req = await scopeRequest(request, spec, o);
      const result = await spec.handler(req).catch(async (e: unknown) => {
        // A write refused on the object's team (another team's model, a recipe naming another team) is recorded like a route refused outright.
        if (e instanceof RotguardError && categoryOf(e.code) === 'forbidden' && req.identity && request.method !== 'GET') {
          await recordDenial(o, request, req.identity, req.actingTeam, e.message, e.code);
        }
        throw e;
      });
      if (spec.method !== 'GET') o.afterWrite?.();
      if (isRawReply(result))
        return reply
          .headers(result.headers ?? {})
          .type(result.contentType)
          .send(result.body);
      if (spec.method === 'POST' && result !== undefined) reply.status(200);
      return result ?? { ok: true };
    },
  });
}

async function scopeRequest(request: FastifyRequest, spec: RouteSpec, o: ServerOptions): Promise<ApiRequest> {
  const controller = new AbortController();
  request.raw.once('close', () => controller.abort());
  const base = {
    params: (request.params ?? {}) as Record<string, string>,
    query: (request.query ?? {}) as Record<string, unknown>,
    body: request.body,
    headers: request.headers,
    signal: controller.signal,
    storeFor: (team: string) => o.stores.forTeam(team),
  };
  if (spec.access.kind === 'public') {
    return { ...base, ctx: createContext(o.stores.base, { actor: 'anonymous', workspace: o.workspace }), identity: null, actingTeam: null, visibleTeams: [] };
  }
  const identity = await identify(o.stores.base, headerOf(request, 'authorization'), o.oidc ?? null);
  const actingTeam = actingTeamOf(identity, headerOf(request, 'x-rotguard-team'));
  request.log.info({ principal: identity.principal, team: actingTeam }, 'authenticated');
  if (spec.access.kind === 'team') {
    if (!actingTeam) throw new RotguardError('no_acting_team', `${identity.principal} has roles in several teams: send the X-Rotguard-Team header`);
    if (!allows(identity.grants, actingTeam, spec.access.permission)) await deny(o, request, identity, actingTeam, spec.access.permission);
  } else if (spec.access.kind === 'shared' && !allowsAnywhere(identity.grants, spec.access.permission)) {
    await deny(o, request, identity, actingTeam, spec.access.permission);
  } else if (spec.access.kind === 'organisation' && !allows(identity.grants, ANY_TEAM, spec.access.permission)) {
    await deny(o, request, identity, actingTeam, `${spec.access.permission} for the organisation`);
  }
  const store = o.stores.forTeam(actingTeam);
  const visible = actingTeam ? await visibleTeams(store, actingTeam) : [];
  return {
    ...base,
    ctx: createContext(store, { actor: identity.principal, team: actingTeam, clock: WALL_CLOCK, workspace: o.workspace }),
    identity,
    actingTeam,
    visibleTeams: visible,
  };
}

/** A refused write is an event (who tried what, where); a refused read is only logged. */
async function deny(o: ServerOptions, request: FastifyRequest, identity: Identity, team: string | null, permission: string): Promise<never> {
  request.log.warn({ principal: identity.principal, team, permission, route: request.routeOptions.url ?? request.url }, 'forbidden');
  if (request.method !== 'GET') await recordDenial(o, request, identity, team, `needs ${permission}`, 'forbidden');
  throw new RotguardError('forbidden', `${identity.principal} has no role allowing ${permission}${team ? ` in team ${team}` : ''}`);
}

async function recordDenial(o: ServerOptions, request: FastifyRequest, identity: Identity, team: string | null, reason: string, code: string): Promise<void> {
  const route = request.routeOptions.url ?? request.url;
  // The acting team's event (its team's eyes only; row-level security lets a team write only its own).
  await appendEvent((team ? o.stores.forTeam(team) : o.stores.base).db, {
    kind: 'access_denied',
    subject: `principal:${identity.principal}`,
    actor: identity.principal,
    team,
    reason,
    payload: { principal: identity.principal, method: request.method, route, team, code },
  });
}

function headerOf(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
