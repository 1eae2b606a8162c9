import type { AuditReport } from '../../audit/report-types.js';
import type { PredictionTrace } from '../../audit/trace.js';
import { d, type Decoder } from '../../core/decode.js';
import type { IngestSummary } from '../../data/ingest.js';
import { monitorRunDecoder, windowEvidenceDecoder, type MonitorRun } from '../../monitor/decoders.js';
import { decisionDecoder } from '../../policy/decoders.js';
import type { ModelVersion, PromotionResult } from '../../registry/registry.js';
import type { Recipe } from '../../training/recipe.js';
import { gateCheckDecoder, gateThresholdsDecoder, validationReportDecoder } from '../../validate/decoders.js';
import type { showModel, validateModel } from '../../usecases/models.js';
import type { monitor } from '../../usecases/monitoring.js';

/**
 * Decoders for the server's answers. The server runs the same use cases as local mode and
 * sends their results as JSON; a client checks the fields it reads (and the nested
 * records that have their own decoders: validation reports, monitoring evidence,
 * decisions), so an answer of another shape (another server version, a proxy's page) is
 * a clear `bad_server_response` instead of a failure far from its cause.
 */

/**
 * An answer whose listed fields (each a field of T, checked at compile time) are checked;
 * the rest is kept as the server sent it, as `d.object` keeps undeclared fields.
 */
export function answer<T>(fields: { [K in keyof T]?: Decoder<unknown> }): Decoder<T> {
  const check = d.object(fields as Record<string, Decoder<unknown>>);
  return (v) => check(v) as T;
}

export const anyObject: Decoder<Record<string, unknown>> = d.record(d.unknown);

const MODEL_VERSION_FIELDS = {
  id: d.string,
  model: d.string,
  version: d.integer,
  endpoint: d.string,
  team: d.string,
  origin: d.string,
  buildHash: d.nullable(d.string),
  artifactBlob: d.string,
  featureHash: d.string,
  createdAt: d.string,
  createdBy: d.string,
};

export const modelVersion = answer<ModelVersion>(MODEL_VERSION_FIELDS);

export type ListedVersion = ModelVersion & { aliases: string[] };
export const listedVersion = answer<ListedVersion>({ ...MODEL_VERSION_FIELDS, aliases: d.array(d.string) });

/** The current gate's verdict on a version, as validateModel and showModel give it. */
type GateVerdict = NonNullable<Awaited<ReturnType<typeof validateModel>>['gate']>;
const gateResult = d.nullable(answer<GateVerdict>({ hash: d.string, thresholds: gateThresholdsDecoder, passed: d.boolean, checks: d.array(gateCheckDecoder) }));

/** GET /models/{model}/versions/{ref}: the version, its validation report and the current gate's verdict. */
export const validatedVersion = d.object({ version: modelVersion, report: validationReportDecoder, gate: gateResult });

export type ModelEvent = Awaited<ReturnType<typeof showModel>>['events'][number];

/** GET /models/{model}: the model's versions and its latest version shown with the model's events. */
export const modelDetail = d.object({
  model: d.string,
  team: d.string,
  versions: d.array(listedVersion),
  latest: d.object({
    version: modelVersion,
    report: d.nullable(validationReportDecoder),
    gate: gateResult,
    events: d.array(answer<ModelEvent>({ at: d.string, kind: d.string, actor: d.string })),
  }),
});

/** GET /models: one row per visible model. */
export const modelSummary = d.object({ model: d.string, team: d.string, endpoint: d.string, champion: d.nullable(d.string), latest: d.string });

export const promotion = answer<PromotionResult>({ version: modelVersion, alias: d.literal('champion', 'challenger'), gateHash: d.nullable(d.string) });

export const buildAnswer = d.object({
  buildHash: d.string,
  cacheHit: d.boolean,
  savedSeconds: d.number,
  trainSeconds: d.number,
  version: modelVersion,
  snapshot: d.string,
  report: validationReportDecoder,
});

export const ingestSummary = answer<IngestSummary>({
  status: d.literal('ingested', 'already_ingested'),
  source: d.string,
  file: d.string,
  accepted: d.integer,
  rows: d.integer,
  rejected: d.integer,
  rejectReasons: d.record(d.integer),
  seconds: d.number,
});

export const monitorAnswer = answer<Awaited<ReturnType<typeof monitor>>>({ windows: d.array(windowEvidenceDecoder), blob: d.string });

/** GET /models/{model}/monitoring: the latest run, or { asOf: null } when there is none yet. */
export const latestMonitoringAnswer: Decoder<MonitorRun | null> = (v) =>
  v !== null && typeof v === 'object' && (v as { asOf?: unknown }).asOf === null ? null : monitorRunDecoder(v);

export const decisionAnswer = d.object({
  decision: decisionDecoder,
  frozen: d.boolean,
  recipe: d.nullable(answer<Recipe>({ model: d.string, team: d.string })),
});

export const predictionTrace = answer<PredictionTrace>({
  prediction: d.object({ id: d.string, request: d.string, inputId: d.string, value: d.number }),
  version: d.object({ id: d.string }),
  broken: d.array(d.unknown),
});

export const auditReport = answer<AuditReport>({
  format: d.literal(1),
  summary: d.object({ controlsPassed: d.integer, controlsFailed: d.integer }),
  eventLog: d.object({ ok: d.boolean, events: d.integer, problems: d.array(d.string), headHash: d.nullable(d.string) }),
  models: d.array(d.object({ version: d.string, aliases: d.array(d.string), controls: d.array(d.object({ status: d.string, title: d.string })) })),
  timelines: d.array(d.unknown),
  decisions: d.array(d.unknown),
  transitions: d.array(d.unknown),
});

/** A prediction as the API shows it (server/routes/predictions.ts predictionView), with its place in the request. */
export interface ApiPrediction {
  id: string;
  request: string;
  inputId: string;
  smiles: string;
  inchikey: string;
  value: number;
  uncertainty: number | null;
  interval: { level: number; lower: number | null; upper: number | null } | null;
  domain: { maxSimilarity: number | null; nearestTrainingCompound: string | null; scaffoldSeen: boolean | null; inDomain: boolean | null };
  modelFrozen: boolean;
  requestedBy: string;
  requestedAt: string;
  /** Position of the compound in the request (servers that send it). */
  index?: number | null;
}

const nullableNumber = d.nullable(d.number);

export const apiPrediction = answer<ApiPrediction>({
  id: d.string,
  request: d.string,
  inputId: d.string,
  smiles: d.string,
  inchikey: d.string,
  value: d.number,
  uncertainty: nullableNumber,
  interval: d.nullable(d.object({ level: d.number, lower: nullableNumber, upper: nullableNumber })),
  domain: d.object({
    maxSimilarity: nullableNumber,
    nearestTrainingCompound: d.nullable(d.string),
    scaffoldSeen: d.nullable(d.boolean),
    inDomain: d.nullable(d.boolean),
  }),
  modelFrozen: d.boolean,
  requestedBy: d.string,
  index: d.optional(d.nullable(d.integer)),
});

/** A compound the server could not predict, with its place in the request. */
export interface ApiReject {
  index: number | null;
  id: string;
  code: string;
  reason: string;
}

export const predictAnswer = d.object({
  request: d.string,
  model: d.string,
  featureHash: d.string,
  modelFrozen: d.boolean,
  rows: d.integer,
  predicted: d.integer,
  rejected: d.integer,
  rejectReasons: d.record(d.integer),
  predictions: d.array(apiPrediction),
  rejects: d.optional(d.array(d.object({ index: d.nullable(d.integer), id: d.string, code: d.string, reason: d.string }))),
});
