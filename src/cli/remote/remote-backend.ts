import { basename, join } from 'node:path';
import { stringify } from 'yaml';
import { AtomicFileWriter } from '../../core/atomic-file.js';
import { writeReportFiles } from '../../usecases/audit.js';
import { d } from '../../core/decode.js';
import { RotguardError } from '../../core/errors.js';
import { utf8Chunks } from '../../data/utf8-text.js';
import { gateThresholdsDecoder } from '../../validate/decoders.js';
import { policyGoverns } from '../../policy/policy-file.js';
import { recipeDocument } from '../../policy/retrain-recipe.js';
import type { Backend, BuildSummary, PredictionRecord } from '../backend.js';
import {
  anyObject,
  answer,
  auditReport,
  buildAnswer,
  decisionAnswer,
  ingestSummary,
  latestMonitoringAnswer,
  modelDetail,
  modelSummary,
  monitorAnswer,
  predictionTrace,
  promotion,
  validatedVersion,
} from './decoders.js';
import type { ApiClient } from './http-client.js';
import { predictRemote } from './remote-predict.js';

type Remote<K extends keyof Backend> = Awaited<ReturnType<Extract<Backend[K], (...args: never[]) => unknown>>>;

const MAX_LOOKUP = 1000;

/**
 * The commands against a rotguard server (client mode). Files named on the command line
 * are read here and sent as content; reports are written here from the server's
 * answers. The server records the identity of the token as the actor of every write.
 */
export function remoteBackend(client: ApiClient): Backend {
  const api = (path: string) => `/api/v1${path}`;
  const model = (name: string) => api(`/models/${encodeURIComponent(name)}`);

  const detail = (name: string) => client.get(model(name), modelDetail);

  const b: Backend = {
    location: client.server,
    workspace: null,
    localContext(feature) {
      throw new RotguardError(
        'not_remote',
        `${feature} runs on a workspace, not through a server (ROTGUARD_URL is set to ${client.server}): run it where the workspace is, with ROTGUARD_URL unset`,
      );
    },

    listEndpoints: async () => client.get(api('/endpoints'), d.array(answer<Remote<'listEndpoints'>[number]>({ name: d.string, unit: d.string }))),
    addEndpoint: async (def) => client.post(api('/endpoints'), def, answer<Remote<'addEndpoint'>>({ status: d.string, endpoint: anyObject })),
    listProtocols: async (endpoint) =>
      client.get(api('/protocols'), d.array(answer<Remote<'listProtocols'>[number]>({ id: d.string, endpoint: d.string, unit: d.string })), { endpoint }),
    addProtocol: async (def) => client.post(api('/protocols'), def, answer<Remote<'addProtocol'>>({ status: d.string, version: anyObject })),
    showGate: async (endpoint) => {
      // The server answers { gate: null } for an endpoint without a gate, where the use case answers null.
      const gate = answer<NonNullable<Remote<'showGate'>>>({ hash: d.string, gate: gateThresholdsDecoder, createdBy: d.string, createdAt: d.string });
      return client.get(api(`/gates/${encodeURIComponent(endpoint)}`), (v) => (isNullGate(v) ? null : gate(v)));
    },
    setGate: async (endpoint, thresholds) =>
      client.put(api(`/gates/${encodeURIComponent(endpoint)}`), thresholds, answer<Remote<'setGate'>>({ status: d.string, hash: d.string, gate: anyObject })),

    ingest: async (o) => {
      // Read strictly as UTF-8 here (a Latin-1 file is refused with its line, as locally), sent as text.
      let content = '';
      for await (const chunk of utf8Chunks(o.path)) content += chunk;
      return client.post(api('/ingest'), { mapping: o.mapping.document, file: { name: basename(o.path), content } }, ingestSummary);
    },
    createDataset: async (def) => client.post(api('/datasets'), def, answer<Remote<'createDataset'>>({ status: d.string, info: anyObject })),
    showDataset: async (ref) =>
      client.get(
        api(`/datasets/${encodeURIComponent(ref)}`),
        answer<Remote<'showDataset'>>({ info: anyObject, endpoint: anyObject, rows: d.array(anyObject) }),
      ),
    listDatasets: async (endpoint) =>
      client.get(api('/datasets'), d.array(answer<Remote<'listDatasets'>[number]>({ hash: d.string, endpoint: d.string, compounds: d.integer })), { endpoint }),
    computeFeatures: async (o) =>
      client.post(
        api('/features'),
        { snapshot: o.snapshot, name: o.name, descriptors: o.recipe.descriptors, radius: o.recipe.morgan.radius, nBits: o.recipe.morgan.nBits },
        answer<Remote<'computeFeatures'>>({ featureSet: d.string, featureHash: d.string, compounds: d.integer }),
      ),

    buildModel: async (recipe, o): Promise<BuildSummary> => {
      refuseLocalFiles(recipe.document, recipe.file);
      const r = await client.post(api('/builds'), { recipe: recipe.document, overrideReason: o.overrideReason }, buildAnswer);
      return { ...r, featureHash: r.version.featureHash, artifactBlob: r.version.artifactBlob };
    },
    listModels: async () => {
      // One row per version, as locally: the overview names the visible models, each model's page lists its versions.
      const models = await client.get(api('/models'), d.array(modelSummary));
      const versions = [];
      for (const m of [...models].sort((x, y) => x.model.localeCompare(y.model))) versions.push(...(await detail(m.model)).versions);
      return versions;
    },
    showModel: async (ref) => {
      const { name, tag } = splitRef(ref);
      const shown = await detail(name);
      if (tag === undefined || shown.latest.version.id === `${name}@${tag}`) return shown.latest;
      const v = await client.get(model(name) + `/versions/${encodeURIComponent(tag)}`, validatedVersion);
      return { ...v, events: shown.latest.events };
    },
    validateModel: async (ref) => {
      const { name, tag } = splitRef(ref);
      // A bare name is the latest version, as locally (the server's default would be the champion).
      const version = tag ?? String((await detail(name)).latest.version.version);
      return client.get(model(name) + `/versions/${encodeURIComponent(version)}`, validatedVersion);
    },
    promote: async (o) => {
      const { name, tag } = splitRef(o.ref);
      if (tag === undefined) throw new RotguardError('bad_model_ref', `promote needs NAME@VERSION, got "${o.ref}"`);
      return client.post(model(name) + '/promotions', { version: tag, alias: o.alias, reason: o.reason }, promotion);
    },

    predict: async (o) => {
      const { name, tag } = splitRef(o.modelRef);
      return predictRemote(client, o, { model: name, ref: tag ?? String((await detail(name)).latest.version.version) });
    },
    findPredictions: async (o) =>
      (await client.get(api('/predictions'), d.array(predictionRecord), { model: o.model, q: o.q, limit: Math.min(o.limit, MAX_LOOKUP) })).map(recordOf),
    prediction: async (id) => recordOf(await client.get(api(`/predictions/${encodeURIComponent(id)}`), predictionRecord)),
    trace: async (id) => client.get(api(`/predictions/${encodeURIComponent(id)}/trace`), predictionTrace),

    monitor: async (o) => client.post(model(o.model) + '/monitoring', { window: o.window, asOf: o.asOf }, monitorAnswer),
    latestMonitoring: async (name) => client.get(model(name) + '/monitoring', latestMonitoringAnswer),
    governed: async (p) => {
      if (p.policy.model !== null) return [p.policy.model];
      const models = await client.get(api('/models'), d.array(modelSummary));
      return models
        .filter((m) => m.champion !== null && policyGoverns(p.policy, m))
        .map((m) => m.model)
        .sort();
    },
    decide: async (o) =>
      (await client.post(model(o.model) + '/decisions', { policy: o.policy.text, apply: false, window: o.window, asOf: o.asOf }, decisionAnswer)).decision,
    applyPolicy: async (o) => {
      const name = o.model ?? o.policy.policy.model;
      if (!name) throw new RotguardError('usage', 'policy apply acts on one model at a time: say which with --model');
      const r = await client.post(model(name) + '/decisions', { policy: o.policy.text, apply: true, window: o.window, asOf: o.asOf }, decisionAnswer);
      let recipePath: string | null = null;
      if (r.recipe && o.recipeOut) {
        // The same file a local apply writes (policy/decisions.ts): a comment saying why, then the recipe.
        const w = new AtomicFileWriter(o.recipeOut);
        w.write(
          `# emitted by rotguard policy apply: ${r.decision.reason.split('\n')[0]}\n# policy ${r.decision.policy} ${r.decision.policyHash.slice(0, 12)}, window ${r.decision.window.label}\n` +
            stringify(recipeDocument(r.recipe)),
        );
        w.commit();
        recipePath = o.recipeOut;
      }
      return { decision: r.decision, frozen: r.frozen, recipe: r.recipe, recipePath };
    },
    unfreeze: async (o) => {
      await client.post(model(o.model) + '/unfreeze', { reason: o.reason }, anyObject);
    },

    writeAuditReport: async (o) => {
      // One audit on the server (over the teams this identity may see); both files are written here from its answer.
      const report = await client.post(api('/audit'), { maxMonitorAgeDays: o.maxMonitorAgeDays, ...(o.version ? { version: o.version } : {}) }, auditReport);
      const { html, json } = await writeReportFiles(o.outDir, report);
      const [latest] = await client.get(api('/predictions'), d.array(predictionRecord), { limit: 1 });
      return { report, html, json, samplePrediction: latest?.id ?? null };
    },

    whoami: async () => ({
      ...(await client.get(
        api('/me'),
        d.object({
          principal: d.string,
          kind: d.string,
          roles: d.array(d.object({ team: d.string, role: d.string })),
          actingTeam: d.nullable(d.string),
          visibleTeams: d.array(d.string),
        }),
      )),
      location: client.server,
    }),
    addUser: async (o) =>
      client.post(
        api('/admin/principals'),
        o,
        answer<Remote<'addUser'>>({ principal: d.string, kind: d.string, token: d.nullable(d.string), tokenId: d.nullable(d.string) }),
      ),
    grantRole: async (o) => {
      await client.post(api('/admin/roles'), o, anyObject);
    },
    principals: async () =>
      client.get(
        api('/admin/principals'),
        d.array(answer<Remote<'principals'>[number]>({ name: d.string, kind: d.string, roles: d.array(anyObject), tokens: d.array(anyObject) })),
      ),
    newToken: async (o) => {
      const t = await client.post(api('/admin/tokens'), o, d.object({ tokenId: d.string, token: d.string, expiresAt: d.nullable(d.string) }));
      return { id: t.tokenId, token: t.token, expiresAt: t.expiresAt };
    },
    revokeToken: async (id) => client.delete(api(`/admin/tokens/${encodeURIComponent(id)}`), d.object({ principal: d.string })),
    grantTeam: async (o) => {
      await client.post(api('/admin/team-grants'), o, anyObject);
    },
  };
  return b;
}

function isNullGate(v: unknown): boolean {
  return v !== null && typeof v === 'object' && (v as { gate?: unknown }).gate === null;
}

/** "sol-rf@3" → sol-rf and 3; "sol-rf" → sol-rf and no tag. */
function splitRef(ref: string): { name: string; tag: string | undefined } {
  const at = ref.indexOf('@');
  return at < 0 ? { name: ref, tag: undefined } : { name: ref.slice(0, at), tag: ref.slice(at + 1) };
}

/**
 * A predefined split names structure files that a local build reads next to the recipe;
 * a server cannot read this machine's files, so they are refused here rather than missed there.
 */
function refuseLocalFiles(document: unknown, file: string | undefined): void {
  const split = (document as { split?: { method?: unknown; test?: unknown; calibration?: unknown } } | null)?.split;
  if (split?.method !== 'predefined') return;
  for (const field of ['test', 'calibration'] as const) {
    if (typeof split[field] === 'string') {
      throw new RotguardError(
        'not_remote',
        `split.${field} names a file (${split[field]}), which the server cannot read: list the compounds' InChIKeys in the recipe instead, or build on the workspace`,
        { file, field: `split.${field}` },
      );
    }
  }
}

const predictionRecord = d.object({
  id: d.string,
  request: d.string,
  model: d.string,
  team: d.string,
  modelVersion: d.string,
  inputId: d.string,
  inchikey: d.string,
  smiles: d.string,
  value: d.number,
  interval: d.nullable(d.object({ level: d.number, lower: d.nullable(d.number), upper: d.nullable(d.number) })),
  modelFrozen: d.boolean,
  requestedBy: d.string,
  requestedAt: d.string,
});

function recordOf(r: ReturnType<typeof predictionRecord>): PredictionRecord {
  return {
    id: r.id,
    request: r.request,
    model: r.model,
    team: r.team,
    modelVersion: r.modelVersion,
    inputId: r.inputId,
    inchikey: r.inchikey,
    smiles: r.smiles,
    value: r.value,
    interval: r.interval,
    modelFrozen: r.modelFrozen,
    requestedBy: r.requestedBy,
    requestedAt: r.requestedAt,
  };
}
