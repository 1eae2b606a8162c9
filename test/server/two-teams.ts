import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { loadRDKit } from '../../src/chem/rdkit.js';
import type { RoleGrant } from '../../src/identity/roles.js';
import { buildServer, type ServerOptions } from '../../src/server/app.js';
import { singleStoreProvider, type StoreProvider } from '../../src/server/store-provider.js';
import type { Store } from '../../src/store/store.js';
import { createContext } from '../../src/usecases/context.js';
import { addUser, grant } from '../../src/usecases/identity.js';
import { liveWorkspace } from '../robustness/live-workspace.js';

/**
 * Two teams in one store, each with a real model (the robustness suites' small live
 * workspace), a champion, a dataset snapshot and a prediction made through the API, and
 * one principal per role in team alpha plus an organisation-wide admin. The server tests
 * (authorization matrix, secrets, self-approval) share it, built once per file.
 */

export const TEAM_A = 'alpha';
export const TEAM_B = 'beta';

/** The objects of one team that routes can point at. */
export interface TeamObjects {
  team: string;
  model: string;
  /** Version number of the champion, as a route's :ref. */
  version: string;
  prediction: string;
  dataset: string;
}

/** Who asks: a name, its token (null = no Authorization header), its grants and the X-Rotguard-Team it sends. */
export interface Caller {
  name: string;
  token: string | null;
  grants: RoleGrant[];
  team?: string;
}

export interface TwoTeams {
  store: Store;
  app: FastifyInstance;
  a: TeamObjects;
  b: TeamObjects;
  /** Structures never trained on, for prediction requests. */
  unseen: string[];
  /** No token; each role of team alpha; the organisation admin (acting for alpha). */
  callers: Caller[];
  /** Tokens by principal name, for every principal made here. */
  tokens: Map<string, string>;
  /** A principal with no role that admin routes may act on without changing any caller's rights. */
  spare: string;
}

export interface Reply {
  status: number;
  text: string;
  json: unknown;
}

/** One request through Fastify's in-process injection (no socket). */
export async function call(app: FastifyInstance, r: { method: string; url: string; token?: string | null; team?: string; body?: unknown }): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (r.token) headers.authorization = `Bearer ${r.token}`;
  if (r.team) headers['x-rotguard-team'] = r.team;
  const res = await app.inject({
    method: r.method as 'GET',
    url: r.url,
    headers,
    ...(r.body === undefined ? {} : { payload: r.body as object }),
  });
  let json: unknown = null;
  try {
    json = JSON.parse(res.body);
  } catch {
    json = null;
  }
  return { status: res.statusCode, text: res.body, json };
}

const ROLES_OF_A = ['viewer', 'scientist', 'modeler', 'approver', 'steward', 'admin'] as const;

export async function twoTeams(store: Store, dir: string, o: { logger?: ServerOptions['logger']; stores?: StoreProvider } = {}): Promise<TwoTeams> {
  await loadRDKit();
  const { unseen } = await liveWorkspace(store, dir, 'alpha', { team: TEAM_A, model: 'alpha-logd' });
  await liveWorkspace(store, dir, 'beta', { team: TEAM_B, model: 'beta-logd' });

  const root = createContext(store, { actor: 'root' });
  const tokens = new Map<string, string>();
  const add = async (name: string, team: string, role: string) => {
    const u = await addUser(root, { name, kind: 'user', team, role });
    tokens.set(name, u.token!);
  };
  const callers: Caller[] = [{ name: 'anonymous', token: null, grants: [] }];
  for (const role of ROLES_OF_A) {
    await add(`${role}-a`, TEAM_A, role);
    callers.push({ name: `${role}-a`, token: tokens.get(`${role}-a`)!, grants: [{ team: TEAM_A, role }] });
  }
  await add('org-admin', '*', 'admin');
  callers.push({ name: 'org-admin', token: tokens.get('org-admin')!, grants: [{ team: '*', role: 'admin' }], team: TEAM_A });
  await add('scientist-b', TEAM_B, 'scientist');
  // Builds and approves in alpha: the four-eyes rule, not the role, must stop a self-approval.
  await add('ana-a', TEAM_A, 'modeler');
  await grant(root, { principal: 'ana-a', team: TEAM_A, role: 'approver' });
  await add('spare', 'gamma', 'viewer');

  const app = await buildServer({ stores: o.stores ?? singleStoreProvider(store), workspace: dir, logger: o.logger ?? false });
  // Each team predicts compounds of its own: a compound predicted by beta alone is beta's to see.
  const objects = async (team: string, model: string, scientist: string, first: number): Promise<TeamObjects> => {
    const token = tokens.get(scientist)!;
    const ds = await call(app, { method: 'POST', url: '/api/v1/datasets', token, body: { endpoint: 'logd', teams: [team] } });
    assert.equal(ds.status, 200, ds.text);
    const p = await call(app, {
      method: 'POST',
      url: `/api/v1/models/${model}/predictions`,
      token,
      body: { compounds: unseen.slice(first, first + 3).map((smiles, i) => ({ id: `${team}-q${i}`, smiles })) },
    });
    assert.equal(p.status, 200, p.text);
    const body = p.json as { predictions: { id: string }[] };
    return { team, model, version: '1', prediction: body.predictions[0]!.id, dataset: (ds.json as { info: { hash: string } }).info.hash };
  };
  const a = await objects(TEAM_A, 'alpha-logd', 'scientist-a', 0);
  const b = await objects(TEAM_B, 'beta-logd', 'scientist-b', 3);
  return { store, app, a, b, unseen, callers, tokens, spare: 'spare' };
}
