import { RotguardError } from '../core/errors.js';
import { trace, writeAuditReport } from '../usecases/audit.js';
import type { Context } from '../usecases/context.js';
import { addUser, grant, grantTeam, newToken, principals, revokeApiToken } from '../usecases/identity.js';
import { computeFeatures, createDataset, ingest, listDatasets, showDataset } from '../usecases/data.js';
import { buildModel, listModels, promote, showModel, validateModel } from '../usecases/models.js';
import { latestMonitoring, monitor } from '../usecases/monitoring.js';
import { applyPolicy, decide, governed, unfreeze } from '../usecases/policy.js';
import { predict } from '../usecases/predict.js';
import { addEndpoint, addProtocol, listEndpoints, listProtocols, setGate, showGate } from '../usecases/standards.js';
import type { Backend, PredictionRecord } from './backend.js';

/** The commands on a local workspace: the use cases over its store, as the acting local user (ROTGUARD_USER or the OS user). */
export function localBackend(ctx: Context): Backend {
  return {
    location: ctx.workspace ?? ctx.store.location,
    workspace: ctx.workspace,
    localContext: () => ctx,

    listEndpoints: () => listEndpoints(ctx),
    addEndpoint: (def) => addEndpoint(ctx, def),
    listProtocols: (endpoint) => listProtocols(ctx, endpoint),
    addProtocol: (def) => addProtocol(ctx, def),
    showGate: (endpoint) => showGate(ctx, endpoint),
    setGate: (endpoint, thresholds) => setGate(ctx, endpoint, thresholds),

    ingest: (o) => ingest(ctx, { path: o.path, mapping: o.mapping.value, workers: o.workers, onProgress: o.onProgress }),
    createDataset: (def) => createDataset(ctx, def),
    showDataset: (ref) => showDataset(ctx, ref),
    listDatasets: (endpoint) => listDatasets(ctx, endpoint),
    computeFeatures: (o) => computeFeatures(ctx, o),

    buildModel: (recipe, o) => buildModel(ctx, recipe.value, o),
    listModels: () => listModels(ctx),
    showModel: (ref) => showModel(ctx, ref),
    validateModel: (ref) => validateModel(ctx, ref),
    promote: (o) => promote(ctx, o),

    predict: (o) => predict(ctx, o),
    findPredictions: (o) => findPredictions(ctx, o),
    prediction: async (id) => {
      const [found] = await findPredictions(ctx, { id, limit: 1 });
      if (!found) throw new RotguardError('unknown_prediction', `no prediction ${id}`);
      return found;
    },
    trace: (id) => trace(ctx, id),

    monitor: (o) => monitor(ctx, o),
    latestMonitoring: (model) => latestMonitoring(ctx, model),
    governed: (p) => governed(ctx, p.policy),
    decide: (o) => decide(ctx, { ...o, policy: o.policy.policy }),
    applyPolicy: (o) => applyPolicy(ctx, { ...o, policy: o.policy.policy }),
    unfreeze: (o) => unfreeze(ctx, o),

    writeAuditReport: (o) => writeAuditReport(ctx, o),

    whoami: async () => ({
      principal: ctx.actor,
      kind: 'local',
      roles: [],
      actingTeam: ctx.team,
      visibleTeams: [],
      location: ctx.workspace ?? ctx.store.location,
    }),
    addUser: (o) => addUser(ctx, o),
    grantRole: async (o) => {
      await grant(ctx, o);
    },
    principals: () => principals(ctx),
    newToken: (o) => newToken(ctx, o),
    revokeToken: (id) => revokeApiToken(ctx, id),
    grantTeam: async (o) => {
      await grantTeam(ctx, o);
    },
  };
}

/** Stored predictions, newest first: the same lookup the server offers (GET /api/v1/predictions), over the whole workspace. */
async function findPredictions(ctx: Context, o: { id?: string; model?: string; q?: string; limit: number }): Promise<PredictionRecord[]> {
  let q = ctx.store.db
    .selectFrom('predictions')
    .innerJoin('model_versions', 'model_versions.id', 'predictions.model_version')
    .selectAll('predictions')
    .select(['model_versions.model', 'model_versions.team']);
  if (o.id) q = q.where('predictions.id', '=', o.id);
  if (o.model) q = q.where('model_versions.model', '=', o.model);
  const text = o.q;
  if (text) q = q.where((eb) => eb.or([eb('predictions.input_id', '=', text), eb('predictions.inchikey', '=', text), eb('predictions.smiles', '=', text)]));
  const rows = await q.orderBy('predictions.requested_at', 'desc').orderBy('predictions.id').limit(o.limit).execute();
  return rows.map((r) => ({
    id: r.id,
    request: r.request,
    model: r.model,
    team: r.team,
    modelVersion: r.model_version,
    inputId: r.input_id,
    inchikey: r.inchikey,
    smiles: r.smiles,
    value: r.value,
    interval: r.interval_level === null ? null : { level: r.interval_level, lower: r.lower, upper: r.upper },
    modelFrozen: r.model_frozen === 1,
    requestedBy: r.requested_by,
    requestedAt: r.requested_at,
  }));
}
