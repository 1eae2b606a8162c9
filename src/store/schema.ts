/**
 * The metadata store's tables, as Kysely sees them. One schema for both backends
 * (embedded SQLite and PostgreSQL), so it sticks to portable types: text ids (natural
 * keys or content hashes, never auto-increment; the event log's seq is assigned by
 * appendEvent), ISO-8601 UTC timestamps as text,
 * JSON as text, double precision numbers, integers for counts and flags.
 */
import type { ColumnType, Insertable, Selectable } from 'kysely';

export interface TeamTable {
  name: string;
  created_at: string;
}

/** The shared label standard teams map their assays to. */
export interface EndpointTable {
  name: string;
  /** Unit of stored measurement values (linear scale), e.g. "ug/mL". */
  unit: string;
  /** Applied to values to make the model label: "none" | "log10". */
  transform: string;
  /** "higher_is_better" | "lower_is_better". */
  direction: string;
  /** Valid range of stored values in `unit`; null = unbounded. */
  valid_min: number | null;
  valid_max: number | null;
  description: string;
  definition_hash: string;
  created_at: string;
  created_by: string;
}

export interface ProtocolTable {
  name: string;
  endpoint: string;
  created_at: string;
}

/** One way of measuring an endpoint; a protocol change is a new version, never an edit. */
export interface ProtocolVersionTable {
  /** "<protocol>@<version>" */
  id: string;
  protocol: string;
  version: number;
  endpoint: string;
  site: string;
  vendor: string;
  /** Unit the assay reports in; converted to the endpoint's unit at ingest. */
  unit: string;
  /** JSON object of protocol parameters (pH, incubation time, cell line…). */
  parameters: string;
  definition_hash: string;
  created_at: string;
  created_by: string;
  /** Assay floor / ceiling in the endpoint's unit (linear), or null (migration 0005). */
  censor_floor: number | null;
  censor_ceiling: number | null;
}

/** One ingest of one file under one column mapping. */
export interface SourceTable {
  /** sha256 over (file sha256, mapping hash): the same file under the same mapping is one source. */
  id: string;
  file_sha256: string;
  path: string;
  format: string;
  mapping: string;
  mapping_hash: string;
  team: string;
  ingested_by: string;
  ingested_at: string;
  rows: number;
  accepted: number;
  rejected: number;
  /** Blob hash of the quarantine report (rejected rows with line and reason). */
  quarantine_blob: string | null;
}

export interface CompoundTable {
  inchikey: string;
  smiles: string;
  created_at: string;
}

/** Every team's own identifiers for a compound. */
export interface CompoundAliasTable {
  team: string;
  external_id: string;
  inchikey: string;
}

export interface MeasurementTable {
  /** sha256 over (source id, line): stable across re-ingests. */
  id: string;
  inchikey: string;
  protocol_version: string;
  endpoint: string;
  source: string;
  source_line: number;
  team: string;
  site: string;
  batch: string;
  /** In the endpoint's unit, linear scale. For censored values, the bound. */
  value: number;
  /** "=" | "<" | ">" */
  qualifier: string;
  raw_value: string;
  raw_unit: string;
  /** ISO dates (YYYY-MM-DD) or timestamps; null when the source has no dates. */
  measured_at: string | null;
  reported_at: string | null;
}

export interface SnapshotTable {
  /** sha256 of the canonical definition + the selected measurement ids and values. */
  hash: string;
  endpoint: string;
  definition: string;
  blob: string;
  measurements: number;
  compounds: number;
  created_at: string;
  created_by: string;
}

export interface FeatureSetTable {
  hash: string;
  name: string;
  definition: string;
  created_at: string;
}

export interface FeatureCacheTable {
  inchikey: string;
  feature_hash: string;
  /** JSON array in descriptor-dictionary order (null for NaN). */
  descriptors: string;
  /** Hex of the packed Morgan words. */
  fingerprint: string;
  scaffold: string;
  framework: string;
  computed_at: string;
}

/** One reproducible build: everything that determines a model, hashed. */
export interface BuildTable {
  hash: string;
  /** Canonical JSON of the resolved recipe (dataset and features by hash). */
  recipe: string;
  snapshot: string;
  feature_hash: string;
  /** Canonical JSON: package version, lockfile hash, RDKit, Node, platform. */
  environment: string;
  artifact_blob: string;
  report_blob: string;
  train_seconds: number;
  /** How often an identical build was asked for again and served from here. */
  cache_hits: number;
  saved_seconds: number;
  team: string;
  created_at: string;
  created_by: string;
}

export interface ModelVersionTable {
  /** "<model>@<version>" */
  id: string;
  model: string;
  version: number;
  endpoint: string;
  team: string;
  /** 'built' (a rotguard build) or 'imported' (e.g. ONNX trained elsewhere). */
  origin: string;
  build_hash: string | null;
  artifact_blob: string;
  report_blob: string | null;
  feature_hash: string;
  /** Canonical JSON: what inputs the model expects (feature version, columns). */
  feature_contract: string;
  /** Canonical JSON of lineage fields, with missing ones listed as missing. */
  lineage: string;
  created_at: string;
  created_by: string;
}

export interface ModelAliasTable {
  model: string;
  alias: string;
  version_id: string;
  updated_at: string;
}

/** An endpoint's release gate, shared by every team. Versioned by hash; latest wins. */
export interface GateTable {
  hash: string;
  endpoint: string;
  thresholds: string;
  created_at: string;
  created_by: string;
}

/**
 * The event log (store/event-log.ts): every state change, append-only and hash-chained.
 * Ordered by seq (1, 2, 3… without gaps), never by `at` (clock time can tie or be simulated).
 */
export interface EventTable {
  seq: number;
  /** A uuid. */
  id: string;
  at: string;
  actor: string;
  kind: string;
  /** What it is about: the model name for model events, else `source:<id>`, `snapshot:<hash>`, `build:<hash>`, `endpoint:<name>`, `gate:<endpoint>`… */
  subject: string;
  model: string | null;
  version_id: string | null;
  reason: string;
  /** Canonical JSON. */
  payload: string;
  /** The previous event's hash; 64 zeros for the first. */
  prev_hash: string;
  /** sha256 over the canonical JSON of the fields above (see eventHash). */
  hash: string;
  /** HMAC-SHA256 of `hash` under the workspace's event key (see store/event-key.ts); null for events logged before migration 0007 or without the key. */
  mac: string | null;
}

/** One served prediction with everything needed to trace and monitor it. */
export interface PredictionTable {
  id: string;
  /** Requests group the predictions of one call (one file, one API batch). */
  request: string;
  model_version: string;
  feature_hash: string;
  /** sha256 of the structure exactly as submitted. */
  input_hash: string;
  input_id: string;
  inchikey: string;
  smiles: string;
  value: number;
  uncertainty: number | null;
  interval_level: number | null;
  lower: number | null;
  upper: number | null;
  /** Applicability domain; null when the model version has no training set on record (imported). */
  max_similarity: number | null;
  nearest_inchikey: string | null;
  scaffold: string;
  scaffold_seen: number | null;
  /** 1 when a policy had frozen the model at prediction time: the value is served but flagged. */
  model_frozen: number;
  requested_by: string;
  requested_at: string;
  /** Which batch of its request (0, 1, …): each batch is committed with its own `predicted` event. Null for predictions stored before migration 0007. */
  batch: number | null;
}

/** Cached evidence of a settled monitoring window (see monitor.ts). */
export interface WindowEvidenceTable {
  /** sha256 over (evidence schema, model version, window label, its prediction ids). */
  key: string;
  model_version: string;
  window: string;
  /** Blob of the window's WindowEvidence (canonical JSON). */
  blob: string;
  /** The as-of time it was computed at, when it settled. */
  settled_as_of: string;
  created_at: string;
}

/** Compute settings (src/compute/settings.ts): one JSON value per key. */
export interface ComputeSettingTable {
  key: string;
  value: string;
  updated_at: string;
  updated_by: string;
}

/** A team's compute budget for one month (YYYY-MM), in money. */
export interface BudgetTable {
  team: string;
  month: string;
  amount: number;
  currency: string;
  set_at: string;
  set_by: string;
}

/**
 * One governed compute job (src/compute): a build, a bulk-scoring array or an external
 * training command. Reserved at submit (resources × time limit), charged with the real use
 * when it ends. A build answered from the cache is a row too (state 'cached', never
 * queued), carrying what it saved.
 */
export interface JobTable {
  id: string;
  /** 'build' | 'score' | 'external' */
  kind: string;
  team: string;
  /** Budget month, YYYY-MM (of submission). */
  month: string;
  model: string | null;
  build_hash: string | null;
  version_id: string | null;
  /** 'local' | 'slurm' | 'cache' */
  executor: string;
  partition: string | null;
  /** 'standard' | 'preemptible' */
  lane: string;
  /** queued | running | completed | failed | cancelled | cancelled_idle | timeout | cached */
  state: string;
  /** The scheduler's job id (Slurm), null for local and cached jobs. */
  external_id: string | null;
  array_size: number;
  cpus: number;
  gpus: number;
  time_limit_s: number;
  /** Canonical JSON: what the job runs (resolved recipe, command, input blob, watchdog). */
  spec: string;
  /** Canonical JSON written by the job itself (version, outputs, error), null until it ran. */
  result: string | null;
  reserved_cost: number;
  elapsed_s: number | null;
  cpu_hours: number | null;
  gpu_hours: number | null;
  charged_cost: number | null;
  saved_cpu_hours: number;
  saved_gpu_hours: number;
  saved_cost: number;
  /** Why the job looks as it does: right-sizing, lane, cancellation. */
  note: string;
  submitted_at: string;
  submitted_by: string;
  started_at: string | null;
  ended_at: string | null;
}

/** A user, service account or OpenID Connect subject known to a server (migration 0009). */
export interface PrincipalTable {
  name: string;
  /** 'user' | 'service' | 'oidc' */
  kind: string;
  created_at: string;
  created_by: string;
  disabled_at: string | null;
}

/** An API token: only the sha256 of its secret is kept. */
export interface ApiTokenTable {
  id: string;
  principal: string;
  token_hash: string;
  created_at: string;
  created_by: string;
  expires_at: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
  last_used_at: string | null;
}

/** A role granted to a principal in a team ('*' = the whole organisation). */
export interface RoleGrantTable {
  principal: string;
  team: string;
  role: string;
  granted_at: string;
  granted_by: string;
}

/** The grantee team may read the owner team's team-owned objects. */
export interface TeamGrantTable {
  owner_team: string;
  grantee_team: string;
  granted_at: string;
  granted_by: string;
}

export interface Database {
  principals: PrincipalTable;
  api_tokens: ApiTokenTable;
  role_grants: RoleGrantTable;
  team_grants: TeamGrantTable;
  window_evidence: WindowEvidenceTable;
  compute_settings: ComputeSettingTable;
  budgets: BudgetTable;
  jobs: JobTable;
  predictions: PredictionTable;
  builds: BuildTable;
  model_versions: ModelVersionTable;
  model_aliases: ModelAliasTable;
  gates: GateTable;
  events: EventTable;
  teams: TeamTable;
  endpoints: EndpointTable;
  protocols: ProtocolTable;
  protocol_versions: ProtocolVersionTable;
  sources: SourceTable;
  compounds: CompoundTable;
  compound_aliases: CompoundAliasTable;
  measurements: MeasurementTable;
  snapshots: SnapshotTable;
  feature_sets: FeatureSetTable;
  feature_cache: FeatureCacheTable;
}

export type Row<T extends keyof Database> = Selectable<Database[T]>;
export type NewRow<T extends keyof Database> = Insertable<Database[T]>;
export type { ColumnType };

// ---- issue 14: tenancy (migration 0010_tenancy) ----
// Interfaces merge with the declarations above (TypeScript declaration merging), so these
// additions stay in one block.

/** The team that owns a snapshot: the acting team, else the definition's only team; null when neither named one (visible only to an unscoped administrator on PostgreSQL). */
export interface SnapshotTable {
  team: string | null;
}

/** The model version's team. */
export interface PredictionTable {
  team: string;
}

/** The model's team. */
export interface ModelAliasTable {
  team: string;
}

/** The model version's team. */
export interface WindowEvidenceTable {
  team: string;
}

/** The team an event belongs to; null for a shared-standard event (visible to every team). Hashed when non-null (see eventHash). */
export interface EventTable {
  team: string | null;
}

/** Content-addressed blobs kept in PostgreSQL (store/postgres-blob-store.ts); shared by every team. */
export interface BlobTable {
  hash: string;
  bytes: Buffer;
  size: number;
  created_at: string;
}

export interface Database {
  blobs: BlobTable;
}
// ---- end issue 14: tenancy ----

// ---- issue 14: webhooks (migration 0011_webhooks; src/notify). Merged into Database above by declaration merging.

/** A webhook: where matching events are POSTed, signed with its secret. */
export interface WebhookTable {
  id: string;
  /** As given (it may carry credentials: never printed or logged unmasked). */
  url: string;
  /** The team whose events it receives; null: organisation-wide (every event). */
  team: string | null;
  /** JSON array of event kinds, or '*'. */
  kinds: string;
  /** The signing secret, AES-256-GCM under a key derived from the workspace's event key (notify/secret-box.ts). */
  secret_enc: string;
  /** The last event seq this webhook is done with (delivered, dead-lettered or not matching). */
  cursor_seq: number;
  created_at: string;
  created_by: string;
  disabled_at: string | null;
  disabled_by: string | null;
}

/** One matching event attempted for one webhook; `id` is the X-Rotguard-Delivery header, the same on every retry. */
export interface WebhookDeliveryTable {
  id: string;
  webhook: string;
  event_seq: number;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  last_attempt_at: string | null;
  next_attempt_at: string | null;
  delivered_at: string | null;
  /** Given up after the last attempt (a dead letter): the cursor moved past it. */
  dead_at: string | null;
  created_at: string;
}

/** The dispatcher that delivers now: it renews `expires_at` while it runs; another takes over when it lapses. */
export interface WebhookLeaseTable {
  name: string;
  /** A random id per running dispatcher. */
  holder: string;
  expires_at: string;
}

export interface Database {
  webhooks: WebhookTable;
  webhook_deliveries: WebhookDeliveryTable;
  webhook_lease: WebhookLeaseTable;
}
// ---- issue 18: audit at scale ----
/**
 * A verified head of the event log (store/event-checkpoint.ts): the full verification found
 * the chain intact up to `seq`, whose hash was `hash`. `mac` is HMAC-SHA256 with the
 * workspace's event key over the other fields, so a row written with plain SQL is refused.
 */
export interface EventCheckpointTable {
  seq: number;
  hash: string;
  /** Events the verification read (1..seq, all of them). */
  events: number;
  verified_at: string;
  verified_by: string;
  mac: string;
}

export interface Database {
  event_checkpoints: EventCheckpointTable;
}
// ---- end issue 18: audit at scale ----
