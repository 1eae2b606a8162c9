import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { issueToken } from '../../src/identity/principals.js';
import { allows, allowsAnywhere, ANY_TEAM } from '../../src/identity/roles.js';
import { ChemPoolHolder } from '../../src/server/chem-pool-holder.js';
import type { RouteSpec } from '../../src/server/route.js';
import { apiRoutes } from '../../src/server/routes/index.js';
import { decodeEvent } from '../../src/store/event-kinds.js';
import { readEvents } from '../../src/store/event-log.js';
import { createContext } from '../../src/usecases/context.js';
import { addUser, grant } from '../../src/usecases/identity.js';
import { addWebhook } from '../../src/usecases/webhooks.js';
import { openStore, type Store } from '../../src/store/store.js';
import { openTenantStores, type TenantStores } from '../../src/store/tenant.js';
import { tenantStoreProvider } from '../../src/server/store-provider.js';
import { forEachBackend } from '../store/backends.js';
import { call, type Caller, type Reply, TEAM_A, TEAM_B, type TeamObjects, type TwoTeams, twoTeams } from './two-teams.js';

/**
 * The authorization proof: every route of apiRoutes() × every caller (no token, each role
 * of team alpha, the organisation admin) × an object of the caller's own team and of
 * another team. The expected status is derived from the route's declared access and the
 * caller's grants, never written per row: 401 without a token, 403 without the permission
 * (in the acting team, or in the object's team for a write to another team's object), 404
 * when the object's team is not visible (the same body as an object that does not exist),
 * otherwise a success. A successful answer to a caller who cannot see team beta never
 * names beta's model, prediction or dataset.
 */

/**
 * How a route's example request relates to the target team's objects:
 * - none: no team object (lists, shared standards, administration);
 * - read: it reads an object of the target team (hidden → 404);
 * - write: it acts on an object of the target team (hidden → 404; needs the route's permission in that team → 403);
 * - select: it selects the target team's rows by naming the team (not visible → 403);
 * - named: it creates something for the team it names (must be the acting team → 403 team_mismatch).
 */
type Scope = 'none' | 'read' | 'write' | 'select' | 'named';

interface Example {
  scope: Scope;
  request(t: TeamObjects, w: TwoTeams): Promise<{ url: string; body?: unknown }> | { url: string; body?: unknown };
  /** Error codes an authorized request may still get from the use case (a state, not a right). */
  tolerate?: string[];
}

const policyOf = (model: string) =>
  `policy: p\nmodel: ${model}\nrules:\n  - { name: new_chemistry, when: input.unseenScaffoldShare > 0.3, sustained: { k: 2, n: 3 }, action: watch }\n`;
let uniq = 0;

/** The InChIKey of a prediction (its compound, measured or predicted in that prediction's team). */
const inchikeyOf = async (w: TwoTeams, prediction: string) =>
  // A made-up prediction (the "missing object" probe) gets a well-formed key nobody has.
  (await w.store.db.selectFrom('predictions').select('inchikey').where('id', '=', prediction).executeTakeFirst())?.inchikey ?? 'AAAAAAAAAAAAAA-AAAAAAAAAA-N';

/** A webhook of team alpha, made by its owner on the store (the callers act for alpha). */
const alphaWebhook = (w: TwoTeams) =>
  addWebhook(createContext(w.store, { actor: 'root', team: TEAM_A }), { url: `http://127.0.0.1:9/alpha-${++uniq}`, team: TEAM_A, kinds: '*' });

/** One example request per route, keyed by "METHOD url" as the route declares it. */
const EXAMPLES: Record<string, Example> = {
  'GET /api/v1/me': { scope: 'none', request: () => ({ url: '/api/v1/me' }) },
  'GET /api/v1/admin/principals': { scope: 'none', request: () => ({ url: '/api/v1/admin/principals' }) },
  'POST /api/v1/admin/principals': {
    scope: 'none',
    request: () => ({ url: '/api/v1/admin/principals', body: { name: `new-user-${++uniq}`, team: 'gamma', role: 'viewer' } }),
  },
  'POST /api/v1/admin/roles': {
    scope: 'none',
    request: (_t, w) => ({ url: '/api/v1/admin/roles', body: { principal: w.spare, team: 'gamma', role: 'scientist' } }),
  },
  'POST /api/v1/admin/tokens': { scope: 'none', request: (_t, w) => ({ url: '/api/v1/admin/tokens', body: { principal: w.spare } }) },
  'DELETE /api/v1/admin/tokens/:id': {
    scope: 'none',
    request: async (_t, w) => ({ url: `/api/v1/admin/tokens/${(await issueToken(w.store, { principal: w.spare, actor: 'root', expiresAt: null })).id}` }),
  },
  'POST /api/v1/admin/team-grants': {
    scope: 'none',
    request: () => ({ url: '/api/v1/admin/team-grants', body: { ownerTeam: 'gamma', granteeTeam: 'delta' } }),
  },
  'GET /api/v1/admin/webhooks': { scope: 'none', request: () => ({ url: '/api/v1/admin/webhooks' }) },
  'POST /api/v1/admin/webhooks': {
    scope: 'none',
    // Nothing listens there: the dispatcher (not running in these tests) would retry it.
    request: () => ({ url: '/api/v1/admin/webhooks', body: { url: `http://127.0.0.1:9/hook-${++uniq}`, kinds: '*' } }),
  },
  'DELETE /api/v1/admin/webhooks/:id': {
    scope: 'none',
    request: async (_t, w) => ({ url: `/api/v1/admin/webhooks/${(await alphaWebhook(w)).webhook.id}` }),
  },
  'GET /api/v1/admin/webhooks/:id/deliveries': {
    scope: 'none',
    request: async (_t, w) => ({ url: `/api/v1/admin/webhooks/${(await alphaWebhook(w)).webhook.id}/deliveries` }),
  },
  'GET /api/v1/compounds': { scope: 'none', request: (t, w) => ({ url: `/api/v1/compounds?q=${encodeURIComponent(w.unseen[0]!)}` }) },
  'GET /api/v1/compounds/:inchikey/depiction.svg': {
    scope: 'read',
    request: async (t, w) => ({ url: `/api/v1/compounds/${await inchikeyOf(w, t.prediction)}/depiction.svg` }),
  },
  'GET /api/v1/models/:model/page': { scope: 'read', request: (t) => ({ url: `/api/v1/models/${t.model}/page` }) },
  'POST /api/v1/models/:model/refusals': {
    scope: 'write',
    request: (t) => ({ url: `/api/v1/models/${t.model}/refusals`, body: { version: t.version, reason: 'not convinced by the calibration' } }),
  },
  // A stream of what is visible now, then it ends (seconds=0): the success answers are checked for beta's names like any other.
  'GET /api/v1/events/stream': { scope: 'none', request: () => ({ url: '/api/v1/events/stream?after=0&seconds=0' }) },
  'GET /api/v1/endpoints': { scope: 'none', request: () => ({ url: '/api/v1/endpoints' }) },
  'POST /api/v1/endpoints': {
    scope: 'none',
    // The same definition again: a no-op for whoever may write standards.
    request: () => ({ url: '/api/v1/endpoints', body: { name: 'logd', unit: 'ratio', transform: 'none', direction: 'higher_is_better' } }),
  },
  'GET /api/v1/protocols': { scope: 'none', request: () => ({ url: '/api/v1/protocols?endpoint=logd' }) },
  'POST /api/v1/protocols': {
    scope: 'none',
    request: () => ({ url: '/api/v1/protocols', body: { protocol: 'shake', endpoint: 'logd', site: 's', vendor: 'v', unit: 'ratio' } }),
  },
  'GET /api/v1/gates/:endpoint': { scope: 'none', request: () => ({ url: '/api/v1/gates/logd' }) },
  'PUT /api/v1/gates/:endpoint': { scope: 'none', request: () => ({ url: '/api/v1/gates/logd', body: { minTestSize: 5, requireSplit: 'any' } }) },
  'POST /api/v1/ingest': {
    scope: 'named',
    request: (t, w) => ({
      url: '/api/v1/ingest',
      body: {
        mapping: {
          team: t.team,
          protocol: 'shake',
          columns: { id: 'id', structure: 'smiles', value: 'logd', measured_at: 'measured', reported_at: 'reported' },
        },
        // Reported after the models' training window: an ingest never changes what a cached build selects.
        file: {
          name: `upload-${++uniq}.csv`,
          content: `id,smiles,logd,measured,reported\nn${uniq},${w.unseen[100 + (uniq % 500)]},1.5,2025-01-02,2025-01-20\n`,
        },
      },
    }),
  },
  'GET /api/v1/sources': { scope: 'none', request: () => ({ url: '/api/v1/sources' }) },
  'POST /api/v1/datasets': {
    scope: 'select',
    request: (t) => ({ url: '/api/v1/datasets', body: { endpoint: 'logd', teams: [t.team], reportedBy: '2024-01-31' } }),
  },
  'GET /api/v1/datasets': { scope: 'none', request: () => ({ url: '/api/v1/datasets' }) },
  'GET /api/v1/datasets/:hash': { scope: 'read', request: (t) => ({ url: `/api/v1/datasets/${t.dataset}` }) },
  'POST /api/v1/features': { scope: 'read', request: (t) => ({ url: '/api/v1/features', body: { snapshot: t.dataset } }) },
  'POST /api/v1/builds': {
    scope: 'named',
    // The recipe of the team's champion: a cache hit, so nothing trains and no retrain reason is needed.
    request: (t) => ({
      url: '/api/v1/builds',
      body: {
        recipe: {
          model: t.model,
          team: t.team,
          endpoint: 'logd',
          dataset: { aggregate: 'mean', reported_by: '2024-01-31', teams: [t.team] },
          algorithm: 'random-forest',
          params: { nEstimators: 5 },
          split: { method: 'random', seed: 0, train: 0.7, calibration: 0.15, test: 0.15 },
          seed: 1,
        },
      },
    }),
  },
  'GET /api/v1/models': { scope: 'none', request: () => ({ url: '/api/v1/models' }) },
  'GET /api/v1/models/:model': { scope: 'read', request: (t) => ({ url: `/api/v1/models/${t.model}` }) },
  'GET /api/v1/models/:model/versions/:ref': { scope: 'read', request: (t) => ({ url: `/api/v1/models/${t.model}/versions/${t.version}` }) },
  'POST /api/v1/models/:model/promotions': {
    scope: 'write',
    request: (t) => ({ url: `/api/v1/models/${t.model}/promotions`, body: { version: t.version, alias: 'challenger', reason: 'shadow it' } }),
  },
  'GET /api/v1/approvals': { scope: 'none', request: () => ({ url: '/api/v1/approvals' }) },
  'POST /api/v1/models/:model/predictions': {
    scope: 'write',
    request: (t, w) => ({ url: `/api/v1/models/${t.model}/predictions`, body: { compounds: [{ id: 'm1', smiles: w.unseen[50]! }] } }),
  },
  'GET /api/v1/predictions': { scope: 'none', request: () => ({ url: '/api/v1/predictions' }) },
  'GET /api/v1/predictions/:id': { scope: 'read', request: (t) => ({ url: `/api/v1/predictions/${t.prediction}` }) },
  'GET /api/v1/predictions/:id/trace': { scope: 'read', request: (t) => ({ url: `/api/v1/predictions/${t.prediction}/trace` }) },
  'POST /api/v1/models/:model/monitoring': { scope: 'write', request: (t) => ({ url: `/api/v1/models/${t.model}/monitoring`, body: {} }) },
  'GET /api/v1/models/:model/monitoring': { scope: 'read', request: (t) => ({ url: `/api/v1/models/${t.model}/monitoring` }) },
  'POST /api/v1/models/:model/decisions': {
    scope: 'write',
    request: (t) => ({ url: `/api/v1/models/${t.model}/decisions`, body: { policy: policyOf(t.model), window: 'request' } }),
  },
  'GET /api/v1/models/:model/decisions': { scope: 'read', request: (t) => ({ url: `/api/v1/models/${t.model}/decisions` }) },
  'POST /api/v1/models/:model/unfreeze': {
    scope: 'write',
    request: (t) => ({ url: `/api/v1/models/${t.model}/unfreeze`, body: { reason: 'checked' } }),
    tolerate: ['not_frozen'],
  },
  'POST /api/v1/audit': { scope: 'none', request: () => ({ url: '/api/v1/audit', body: {} }) },
  'GET /api/v1/audit/report.html': { scope: 'none', request: () => ({ url: '/api/v1/audit/report.html' }) },
  'GET /api/v1/jobs': { scope: 'none', request: () => ({ url: '/api/v1/jobs' }) },
  'GET /api/v1/budgets': { scope: 'none', request: () => ({ url: '/api/v1/budgets' }) },
  'GET /api/v1/events': { scope: 'none', request: () => ({ url: '/api/v1/events' }) },
};

const keyOf = (r: RouteSpec) => `${r.method} ${r.url}`;
const ROUTES = apiRoutes(new ChemPoolHolder(1));

type Expected = { status: 401 | 403 | 404; why: string } | { status: 'ok'; why: string };

/**
 * What a caller must get, from the route's access and the caller's grants alone. `visible`
 * is what the acting team may read (itself and the teams that granted it).
 */
export function expectedOutcome(spec: RouteSpec, scope: Scope, c: Caller, target: TeamObjects, visible: readonly string[]): Expected {
  const a = spec.access;
  if (a.kind === 'public') return { status: 'ok', why: 'public' };
  if (!c.token) return { status: 401, why: 'no token' };
  if (a.kind === 'authenticated') return { status: 'ok', why: 'any identity' };
  if (a.kind === 'organisation')
    return allows(c.grants, ANY_TEAM, a.permission) ? { status: 'ok', why: 'organisation role' } : { status: 403, why: `no organisation ${a.permission}` };
  if (a.kind === 'shared')
    return allowsAnywhere(c.grants, a.permission) ? { status: 'ok', why: 'shared standard' } : { status: 403, why: `no ${a.permission} anywhere` };
  const acting = c.team ?? TEAM_A;
  if (!allows(c.grants, acting, a.permission)) return { status: 403, why: `no ${a.permission} in ${acting}` };
  switch (scope) {
    case 'none':
      return { status: 'ok', why: `${a.permission} in ${acting}` };
    case 'read':
      return visible.includes(target.team) ? { status: 'ok', why: `${target.team} visible` } : { status: 404, why: `${target.team} hidden` };
    case 'write':
      if (!visible.includes(target.team)) return { status: 404, why: `${target.team} hidden` };
      return allows(c.grants, target.team, a.permission)
        ? { status: 'ok', why: `${a.permission} in ${target.team}` }
        : { status: 403, why: `no ${a.permission} in ${target.team}` };
    case 'select':
      return visible.includes(target.team) ? { status: 'ok', why: `${target.team} visible` } : { status: 403, why: `selects hidden ${target.team}` };
    case 'named':
      return target.team === acting ? { status: 'ok', why: 'acting team' } : { status: 403, why: `names ${target.team}, acts for ${acting}` };
  }
}

/** An object that does not exist, in the shape of a team's objects: a hidden object must answer exactly like it. */
const MISSING: TeamObjects = {
  team: TEAM_B,
  model: 'no-such-model',
  version: '1',
  prediction: 'no-such-prediction',
  dataset: 'f'.repeat(64),
};

function normalized(r: Reply, t: TeamObjects): string {
  let s = r.text;
  for (const id of [t.model, t.prediction, t.dataset]) s = s.split(id).join('<id>');
  // A compound is named by its InChIKey (the depiction route): any key is an id here.
  s = s.replace(/[A-Z]{14}-[A-Z]{10}-[A-Z]/g, '<inchikey>');
  return `${r.status} ${s}`;
}

function leaks(text: string, hidden: TeamObjects): string[] {
  return [hidden.model, hidden.prediction, hidden.dataset].filter((id) => text.includes(id));
}

interface Tally {
  rows: number;
  byStatus: Record<string, number>;
  failures: string[];
}

async function walk(w: TwoTeams, targets: TeamObjects[], visible: readonly string[], onlyScopes?: Scope[]): Promise<Tally> {
  const tally: Tally = { rows: 0, byStatus: {}, failures: [] };
  for (const spec of ROUTES) {
    const ex = EXAMPLES[keyOf(spec)];
    if (!ex) continue; // the meta-test names it
    if (onlyScopes && !onlyScopes.includes(ex.scope)) continue;
    for (const c of w.callers) {
      for (const target of ex.scope === 'none' ? [w.a] : targets) {
        const want = expectedOutcome(spec, ex.scope, c, target, visible);
        const req = await ex.request(target, w);
        const got = await call(w.app, { method: spec.method, url: req.url, token: c.token, team: c.team, body: req.body });
        const where = `${keyOf(spec)} as ${c.name} on ${target.team} (${want.why})`;
        const code = (got.json as { error?: { code?: string } } | null)?.error?.code;
        tally.rows++;
        tally.byStatus[String(got.status)] = (tally.byStatus[String(got.status)] ?? 0) + 1;
        if (want.status === 'ok') {
          const fine = (got.status >= 200 && got.status < 300) || (code !== undefined && ex.tolerate?.includes(code));
          if (!fine) tally.failures.push(`${where}: expected success, got ${got.status} ${got.text.slice(0, 300)}`);
          const leaked = visible.includes(TEAM_B) ? [] : leaks(got.text, w.b);
          if (leaked.length) tally.failures.push(`${where}: answer names hidden ${leaked.join(', ')}`);
          continue;
        }
        if (got.status !== want.status) {
          tally.failures.push(`${where}: expected ${want.status}, got ${got.status} ${got.text.slice(0, 300)}`);
          continue;
        }
        if (want.status === 401 && code !== 'unauthenticated') tally.failures.push(`${where}: 401 with code ${code}`);
        if (want.status === 403 && !['forbidden', 'team_mismatch', 'no_acting_team'].includes(code ?? ''))
          tally.failures.push(`${where}: 403 with code ${code}`);
        if (want.status === 404) {
          const missingReq = await ex.request(MISSING, w);
          const missing = await call(w.app, { method: spec.method, url: missingReq.url, token: c.token, team: c.team, body: missingReq.body });
          if (normalized(got, target) !== normalized(missing, MISSING)) {
            tally.failures.push(`${where}: a hidden object answers ${normalized(got, target)}, a missing one ${normalized(missing, MISSING)}`);
          }
        }
      }
    }
  }
  return tally;
}

forEachBackend('authorization matrix', (b) => {
  let dir: string;
  let store: Store;
  let w: TwoTeams;

  let tenants: TenantStores | null = null;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rotguard-authz-'));
    const location = await b.freshLocation();
    store = await openStore({ ...location, migrate: true });
    // On PostgreSQL the server runs as it does in production: each team's connections carry
    // its name, so row-level security applies under the application's own checks.
    tenants = location.databaseUrl ? await openTenantStores({ workspace: location.workspace, databaseUrl: location.databaseUrl }) : null;
    w = await twoTeams(store, dir, { stores: tenants ? tenantStoreProvider(tenants) : undefined });
  });
  after(async () => {
    await w?.app.close();
    await tenants?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every route of apiRoutes() has an example request, and every example a route', () => {
    const declared = ROUTES.map(keyOf);
    assert.deepEqual(
      declared.filter((k) => !EXAMPLES[k]),
      [],
      'routes without an example request: add them to EXAMPLES in test/server/authorization.test.ts',
    );
    assert.deepEqual(
      Object.keys(EXAMPLES).filter((k) => !declared.includes(k)),
      [],
      'examples of routes that no longer exist',
    );
  });

  it('every route × caller × own/other team answers 401, 403, 404 or success exactly as its declared access says', async (t) => {
    const tally = await walk(w, [w.a, w.b], [TEAM_A]);
    t.diagnostic(`${tally.rows} requests over ${ROUTES.length} routes × ${w.callers.length} callers: ${JSON.stringify(tally.byStatus)}`);
    assert.deepEqual(tally.failures, [], tally.failures.join('\n'));
    // Every outcome was exercised: the matrix is not all successes or all refusals.
    for (const s of ['200', '401', '403', '404']) assert.ok((tally.byStatus[s] ?? 0) > 0, `no ${s} in ${JSON.stringify(tally.byStatus)}`);
    assert.ok(tally.rows >= ROUTES.length * w.callers.length, `${tally.rows} rows`);
    // A write refused for want of a role is an event naming the authenticated identity and the route.
    const denied = (await readEvents(store.db, { kind: ['access_denied'] })).map((e) => decodeEvent(e));
    const promotion = denied.find((e) => e.actor === 'viewer-a' && e.kind === 'access_denied' && e.payload.route === '/api/v1/models/:model/promotions');
    assert.ok(promotion, 'a viewer trying to promote is in the event log');
    assert.ok(!denied.some((e) => e.actor === 'anonymous'), 'unauthenticated requests are refused before anyone is named');
  });

  it('an empty team list in a dataset or a recipe selects only visible teams, never every team', async () => {
    const modeler = w.tokens.get('modeler-a')!;
    const ds = await call(w.app, { method: 'POST', url: '/api/v1/datasets', token: modeler, body: { endpoint: 'logd', teams: [], reportedBy: '2024-01-31' } });
    assert.equal(ds.status, 200, ds.text);
    const info = (ds.json as { info: { hash: string; measurements: number; definition: { teams?: string[] } } }).info;
    assert.deepEqual(info.definition.teams, [TEAM_A]);
    assert.equal(info.measurements, 130, "alpha's 130 labels, none of beta's");
    const built = await call(w.app, {
      method: 'POST',
      url: '/api/v1/builds',
      token: modeler,
      body: {
        recipe: {
          model: 'alpha-empty-teams',
          team: TEAM_A,
          endpoint: 'logd',
          dataset: { aggregate: 'mean', reported_by: '2024-01-31', teams: [] },
          algorithm: 'random-forest',
          params: { nEstimators: 3 },
          split: { method: 'random', seed: 0, train: 0.7, calibration: 0.15, test: 0.15 },
          seed: 1,
        },
      },
    });
    assert.equal(built.status, 200, built.text);
    const snapshot = (built.json as { snapshot: string }).snapshot;
    const shown = await call(w.app, { method: 'GET', url: `/api/v1/datasets/${snapshot}`, token: modeler });
    assert.equal(shown.status, 200, `the build's snapshot names alpha, so alpha sees it: ${shown.text.slice(0, 200)}`);
    const def = (shown.json as { info: { measurements: number; definition: { teams?: string[] } } }).info;
    assert.deepEqual(def.definition.teams, [TEAM_A]);
    assert.equal(def.measurements, 130);
  });

  it('a read grant from beta makes beta objects readable by alpha, while writes to them stay 403', async (t) => {
    const admin = w.tokens.get('org-admin')!;
    const g = await call(w.app, {
      method: 'POST',
      url: '/api/v1/admin/team-grants',
      token: admin,
      team: TEAM_A,
      body: { ownerTeam: TEAM_B, granteeTeam: TEAM_A },
    });
    assert.equal(g.status, 200, g.text);
    const tally = await walk(w, [w.b], [TEAM_A, TEAM_B], ['read', 'write', 'select']);
    t.diagnostic(`${tally.rows} requests on beta's objects after the grant: ${JSON.stringify(tally.byStatus)}`);
    assert.deepEqual(tally.failures, [], tally.failures.join('\n'));
    // Concretely: alpha's viewer reads beta's prediction; alpha's approver cannot promote beta's model.
    const viewer = w.tokens.get('viewer-a')!;
    assert.equal((await call(w.app, { method: 'GET', url: `/api/v1/predictions/${w.b.prediction}`, token: viewer })).status, 200);
    const approver = w.tokens.get('approver-a')!;
    const refused = await call(w.app, {
      method: 'POST',
      url: `/api/v1/models/${w.b.model}/promotions`,
      token: approver,
      body: { version: '1', alias: 'challenger', reason: 'not mine' },
    });
    assert.equal(refused.status, 403, refused.text);
    assert.equal((refused.json as { error: { code: string } }).error.code, 'forbidden');
    const logged = (await readEvents(store.db, { kind: ['access_denied'], newestFirst: true, limit: 1 })).map((e) => decodeEvent(e))[0];
    assert.ok(
      logged?.kind === 'access_denied' && logged.actor === 'approver-a' && logged.payload.route === '/api/v1/models/:model/promotions',
      "the refusal on beta's model is an event",
    );
    const models = (await call(w.app, { method: 'GET', url: '/api/v1/models', token: viewer })).json as { model: string; team: string }[];
    assert.ok(models.some((m) => m.model === w.b.model) && models.some((m) => m.model === w.a.model), JSON.stringify(models));
    assert.deepEqual([...new Set(models.map((m) => m.team))].sort(), [TEAM_A, TEAM_B]);
  });

  it('the acting team: a principal of two teams must name one (403 no_acting_team), and cannot name a team it has no role in, nor the organisation * (403)', async () => {
    const root = createContext(store, { actor: 'root' });
    const both = (await addUser(root, { name: 'two-teams', kind: 'user', team: TEAM_A, role: 'viewer' })).token!;
    await grant(root, { principal: 'two-teams', team: TEAM_B, role: 'viewer' });
    const unnamed = await call(w.app, { method: 'GET', url: '/api/v1/models', token: both });
    assert.equal(unnamed.status, 403, unnamed.text);
    assert.equal((unnamed.json as { error: { code: string } }).error.code, 'no_acting_team');
    const named = await call(w.app, { method: 'GET', url: `/api/v1/models/${w.b.model}`, token: both, team: TEAM_B });
    assert.equal(named.status, 200, named.text);
    const me = await call(w.app, { method: 'GET', url: '/api/v1/me', token: both, team: TEAM_B });
    assert.deepEqual((me.json as { actingTeam: string }).actingTeam, TEAM_B);
    const organisation = await call(w.app, { method: 'GET', url: '/api/v1/models', token: w.tokens.get('org-admin')!, team: '*' });
    assert.equal(organisation.status, 403, `"*" is no team to act for: ${organisation.text}`);
    const foreign = await call(w.app, { method: 'GET', url: '/api/v1/models', token: w.tokens.get('viewer-a')!, team: TEAM_B });
    assert.equal(foreign.status, 403, foreign.text);
    assert.equal((foreign.json as { error: { code: string } }).error.code, 'forbidden');
  });

  it('a self-approval through the API is refused (403 approver_is_builder) and logged with the authenticated identity', async () => {
    const ana = w.tokens.get('ana-a')!;
    const built = await call(w.app, {
      method: 'POST',
      url: '/api/v1/builds',
      token: ana,
      body: {
        recipe: {
          model: w.a.model,
          team: TEAM_A,
          endpoint: 'logd',
          dataset: { aggregate: 'mean', reported_by: '2024-01-31', teams: [TEAM_A] },
          algorithm: 'random-forest',
          params: { nEstimators: 5 },
          split: { method: 'random', seed: 0, train: 0.7, calibration: 0.15, test: 0.15 },
          seed: 7,
        },
        overrideReason: 'a second seed to compare',
      },
    });
    assert.equal(built.status, 200, built.text);
    const version = (built.json as { version: { id: string; createdBy: string } }).version;
    assert.equal(version.createdBy, 'ana-a', 'the builder is the authenticated identity, not a declared user');
    const self = await call(w.app, {
      method: 'POST',
      url: `/api/v1/models/${w.a.model}/promotions`,
      token: ana,
      body: { version: version.id, alias: 'champion', reason: 'looks good to me' },
    });
    assert.equal(self.status, 403, self.text);
    assert.equal((self.json as { error: { code: string } }).error.code, 'approver_is_builder');
    const refusals = (await readEvents(store.db, { model: w.a.model, kind: ['promotion_refused'] })).filter((e) => e.version_id === version.id);
    assert.equal(refusals.length, 1);
    assert.equal(refusals[0]!.actor, 'ana-a');
    // Another approver of the team may promote it.
    const other = await call(w.app, {
      method: 'POST',
      url: `/api/v1/models/${w.a.model}/promotions`,
      token: w.tokens.get('approver-a')!,
      body: { version: version.id, alias: 'champion', reason: 'second pair of eyes' },
    });
    assert.equal(other.status, 200, other.text);
    const promoted = await readEvents(store.db, { model: w.a.model, kind: ['promoted_champion'] });
    assert.equal(promoted.at(-1)!.actor, 'approver-a');
  });
});
