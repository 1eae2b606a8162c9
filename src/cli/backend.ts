import type { WrittenReport } from '../usecases/audit.js';
import type { PredictionTrace } from '../audit/trace.js';
import type { EndpointDefinition } from '../data/endpoints.js';
import type { IngestMapping } from '../data/mapping.js';
import type { ProtocolDefinition } from '../data/protocols.js';
import type { SnapshotDefinition } from '../data/snapshots.js';
import type { WindowKind } from '../monitor/monitor.js';
import type { Decision } from '../policy/decide.js';
import type { Applied } from '../policy/decisions.js';
import type { Policy } from '../policy/policy-file.js';
import type { Alias, PromotionResult } from '../registry/registry.js';
import type { PredictSummary } from '../serve/predict.js';
import type { BuildProgress, BuildResult } from '../training/build.js';
import type { Recipe } from '../training/recipe.js';
import type { Context } from '../usecases/context.js';
import type { computeFeatures, createDataset, ingest, listDatasets, showDataset } from '../usecases/data.js';
import type { listModels, showModel, validateModel } from '../usecases/models.js';
import type { latestMonitoring, monitor } from '../usecases/monitoring.js';
import type { addUser, principals } from '../usecases/identity.js';
import type { addEndpoint, addProtocol, listEndpoints, listProtocols, setGate, showGate } from '../usecases/standards.js';

type Result<F extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<F>>;

/** A file read by the CLI, with the document it was parsed from (a server validates the document itself). */
export interface Parsed<T> {
  value: T;
  document: unknown;
  file?: string;
}

/** A policy read by the CLI: parsed and checked here, sent as its text to a server. */
export interface PolicyInput {
  policy: Policy;
  text: string;
}

/** A prediction record as `predictions list/show` print it. */
export interface PredictionRecord {
  id: string;
  request: string;
  model: string;
  team: string;
  modelVersion: string;
  inputId: string;
  inchikey: string;
  smiles: string;
  value: number;
  interval: { level: number; lower: number | null; upper: number | null } | null;
  modelFrozen: boolean;
  requestedBy: string;
  requestedAt: string;
}

/** Who a command acts as, and where. */
export interface Identity {
  principal: string;
  /** user, service or oidc on a server; local on a workspace (ROTGUARD_USER or the OS user, no roles checked). */
  kind: string;
  roles: { team: string; role: string }[];
  actingTeam: string | null;
  visibleTeams: string[];
  location: string;
}

export type BuildSummary = Pick<
  BuildResult,
  'buildHash' | 'cacheHit' | 'savedSeconds' | 'trainSeconds' | 'version' | 'snapshot' | 'featureHash' | 'artifactBlob' | 'report'
>;

/**
 * What the CLI's commands do, on a local workspace (the use cases over its store) or on a
 * server (its HTTP API, with the identity of ROTGUARD_TOKEN). Commands parse flags, call
 * one of these, and print; they do not know which one they got. `withBackend`
 * (backend-choice.ts) is the one place that chooses.
 */
export interface Backend {
  /** Where the command acts, for messages: the workspace folder or the server's URL. */
  readonly location: string;
  /** The workspace folder (default output folder of reports); null on a server. */
  readonly workspace: string | null;
  /**
   * The local context for what only runs on a workspace (models import, datasets diff,
   * predictions export, audit verify, builds on the compute executors); a server refuses
   * with `not_remote`, naming the feature.
   */
  localContext(feature: string): Context;

  listEndpoints(): Promise<Result<typeof listEndpoints>>;
  addEndpoint(def: EndpointDefinition): Promise<Result<typeof addEndpoint>>;
  listProtocols(endpoint?: string): Promise<Result<typeof listProtocols>>;
  addProtocol(def: ProtocolDefinition): Promise<Result<typeof addProtocol>>;
  showGate(endpoint: string): Promise<Result<typeof showGate>>;
  setGate(endpoint: string, thresholds: Record<string, unknown>): Promise<Result<typeof setGate>>;

  ingest(o: {
    path: string;
    mapping: Parsed<IngestMapping>;
    workers?: number;
    onProgress?: (p: { bytesRead: number; bytesTotal: number; rows: number }) => void;
  }): Promise<Result<typeof ingest>>;
  createDataset(def: SnapshotDefinition): Promise<Result<typeof createDataset>>;
  showDataset(ref: string): Promise<Result<typeof showDataset>>;
  listDatasets(endpoint?: string): Promise<Result<typeof listDatasets>>;
  computeFeatures(o: Parameters<typeof computeFeatures>[1]): Promise<Result<typeof computeFeatures>>;

  buildModel(recipe: Parsed<Recipe>, o: { overrideReason?: string; onProgress?: (p: BuildProgress) => void }): Promise<BuildSummary>;
  listModels(): Promise<Result<typeof listModels>>;
  showModel(ref: string): Promise<Result<typeof showModel>>;
  validateModel(ref: string): Promise<Result<typeof validateModel>>;
  promote(o: { ref: string; alias: Alias; reason: string }): Promise<PromotionResult>;

  predict(o: {
    modelRef: string;
    input: string;
    out: string;
    rejects?: string;
    level: number;
    workers?: number;
    smilesColumn?: string;
    idColumn?: string;
    onProgress?: (p: { rows: number; fraction: number }) => void;
  }): Promise<PredictSummary>;
  findPredictions(o: { model?: string; q?: string; limit: number }): Promise<PredictionRecord[]>;
  prediction(id: string): Promise<PredictionRecord>;
  trace(id: string): Promise<PredictionTrace>;

  monitor(o: { model: string; window: WindowKind; asOf?: string }): Promise<Result<typeof monitor>>;
  latestMonitoring(model: string): Promise<Result<typeof latestMonitoring>>;
  governed(policy: PolicyInput): Promise<string[]>;
  decide(o: { policy: PolicyInput; model: string; window?: WindowKind; asOf?: string }): Promise<Decision>;
  applyPolicy(o: { policy: PolicyInput; model?: string; window?: WindowKind; asOf?: string; recipeOut?: string }): Promise<Applied>;
  unfreeze(o: { model: string; reason: string }): Promise<void>;

  writeAuditReport(o: { outDir: string; maxMonitorAgeDays: number; version?: string }): Promise<WrittenReport>;

  whoami(): Promise<Identity>;

  // Identity administration (admin role on a server; whoever opens the store locally).
  addUser(o: Parameters<typeof addUser>[1]): Promise<Result<typeof addUser>>;
  grantRole(o: { principal: string; team: string; role: string }): Promise<void>;
  principals(): Promise<Result<typeof principals>>;
  newToken(o: { principal: string; expiresDays?: number }): Promise<{ id: string; token: string; expiresAt: string | null }>;
  revokeToken(id: string): Promise<{ principal: string }>;
  grantTeam(o: { ownerTeam: string; granteeTeam: string }): Promise<void>;
}
