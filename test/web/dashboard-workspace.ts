import type { FastifyInstance } from 'fastify';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { buildServer } from '../../src/server/app.js';
import { singleStoreProvider } from '../../src/server/store-provider.js';
import type { Store } from '../../src/store/store.js';
import { createContext } from '../../src/usecases/context.js';
import { addUser, grant } from '../../src/usecases/identity.js';
import { dashboardPlugin } from '../../src/web/dashboard.js';
import { liveWorkspace } from '../robustness/live-workspace.js';

/** The policy the fixture decides with: its thresholds must show on the model page's charts. */
export const POLICY = `policy: dash-monitoring
model: logd-rf
rules:
  - name: input_drift
    when: input.lowSimilarityShare > 0.4
    action: watch
  - name: performance_decay
    when: performance.maeRatio > 1.5
    action: retrain
maturity:
  min_new_labels: 50
  min_labels_on_new_chemistry: 20
  min_label_age_spread_days: 14
  single_protocol_version: true
`;

/** liveWorkspace's recipe as a client sends it (the registry holds @1 of it, seed 1). */
const RECIPE = {
  model: 'logd-rf',
  team: 'chem',
  endpoint: 'logd',
  dataset: { aggregate: 'mean', reported_by: '2024-01-31' },
  algorithm: 'random-forest',
  params: { nEstimators: 5 },
  split: { method: 'random', seed: 0, train: 0.7, calibration: 0.15, test: 0.15 },
  seed: 1,
};

export interface DashboardWorkspace {
  app: FastifyInstance;
  store: Store;
  /** ana: modeler and approver of team chem (built both versions); ben: approver of chem; olga: viewer of team other (sees nothing of chem). */
  tokens: { ana: string; ben: string; olga: string };
  /** A compound of the training set (its id in team chem, SMILES). */
  trained: { id: string; smiles: string };
  /** A predicted compound (request id, SMILES). */
  predicted: { id: string; smiles: string };
  call(token: string, method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; json: any; body: string; type: string }>;
}

/**
 * A small live workspace behind a server with the dashboard: model logd-rf of team chem
 * with champion @1 (built by ana, approved by ben) and @2 waiting for approval, twenty
 * predictions, one policy decision; three users with tokens. Everything after the
 * registry is done through the HTTP API, as a user of the dashboard would.
 */
export async function dashboardWorkspace(store: Store, dir: string): Promise<DashboardWorkspace> {
  await loadRDKit();
  const { unseen } = await liveWorkspace(store, dir, 'dash');
  const root = createContext(store, { actor: 'root' });
  const ana = (await addUser(root, { name: 'ana', kind: 'user', team: 'chem', role: 'modeler' })).token!;
  // ana may approve too: the four-eyes rule, not a missing role, must stop her approving her own build.
  await grant(root, { principal: 'ana', team: 'chem', role: 'approver' });
  const ben = (await addUser(root, { name: 'ben', kind: 'user', team: 'chem', role: 'approver' })).token!;
  const olga = (await addUser(root, { name: 'olga', kind: 'user', team: 'other', role: 'viewer' })).token!;
  const app = await buildServer({ stores: singleStoreProvider(store), workspace: dir, plugins: [dashboardPlugin()] });
  const call: DashboardWorkspace['call'] = async (token, method, url, body) => {
    const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { payload: body as object }) });
    const type = String(res.headers['content-type'] ?? '');
    return { status: res.statusCode, body: res.body, type, json: type.includes('json') ? res.json() : null };
  };
  try {
    return await throughTheApi(store, app, call, unseen, { ana, ben, olga });
  } catch (e) {
    await app.close();
    throw e;
  }
}

async function throughTheApi(store: Store, app: FastifyInstance, call: DashboardWorkspace['call'], unseen: string[], tokens: DashboardWorkspace['tokens']) {
  const { ana } = tokens;
  const ok = async (r: Promise<{ status: number; body: string }>) => {
    const res = await r;
    if (res.status !== 200) throw new Error(`fixture call failed: ${res.status} ${res.body}`);
    return res;
  };
  const compounds = unseen.slice(0, 20).map((smiles, i) => ({ id: `q${i}`, smiles }));
  await ok(call(ana, 'POST', '/api/v1/models/logd-rf/predictions', { compounds }));
  await ok(call(ana, 'POST', '/api/v1/models/logd-rf/decisions', { policy: POLICY }));
  await ok(call(ana, 'POST', '/api/v1/builds', { recipe: { ...RECIPE, seed: 2 }, overrideReason: 'second seed for the dashboard test' }));
  const trained = await store.db
    .selectFrom('compound_aliases')
    .innerJoin('compounds', 'compounds.inchikey', 'compound_aliases.inchikey')
    .select(['external_id', 'smiles'])
    .where('external_id', '=', 'c0')
    .executeTakeFirstOrThrow();
  return { app, store, tokens, trained: { id: trained.external_id, smiles: trained.smiles }, predicted: compounds[0]!, call };
}
