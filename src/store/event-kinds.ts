/**
 * Every kind of event the log holds, with the payload each carries: one typed map, used
 * by appendEvent (a payload of the wrong shape for its kind does not compile) and by
 * decodeEvent (a stored payload is checked against its kind and comes back typed, as a
 * union discriminated by `kind`).
 *
 * Adding a kind: add its payload here and its decoder to EVENT_PAYLOAD_DECODERS (the
 * type of EVENT_PAYLOAD_DECODERS fails the build until both agree). Changing a payload is a change of
 * the stored format: readers must still decode what older versions wrote (use
 * d.optional for a field that older events lack). The stored bytes and hashes are not
 * affected by this file: payloads are canonical JSON as before.
 *
 * Layering: the domain types in payloads (gate thresholds, build environment, decision…)
 * are imported as types, and their decoders from the owning layers' `decoders.ts`, which
 * are pure (core only), so the event log depends on no layer's I/O.
 */
import { d, decodeJson, type Decoder } from '../core/decode.js';
import { StoredDataError } from '../core/errors.js';
import type { SnapshotDefinition } from '../data/snapshots.js';
import { snapshotDefinitionDecoder } from '../data/decoders.js';
import type { WindowKind } from '../monitor/monitor.js';
import type { Decision } from '../policy/decide.js';
import { decisionDecoder } from '../policy/decoders.js';
import type { Action } from '../policy/policy-file.js';
import { buildEnvironmentDecoder, type ModelOrigin } from '../registry/decoders.js';
import type { BuildEnvironment } from '../training/environment.js';
import type { GateCheck, GateThresholds } from '../validate/gate.js';
import { gateCheckDecoder, gateThresholdsDecoder } from '../validate/decoders.js';
import type { EventRow } from './event-log.js';

/** Events that say everything in their kind, subject and reason. */
export type NoPayload = Record<string, never>;

export interface WindowRef {
  label: string;
  start: string;
  end: string;
}

export interface PromotionPayload {
  /** The version the alias pointed at before (null: none). */
  previous: string | null;
  /** The gate's hash and checks (null for challenger, which has no gate). */
  gate: string | null;
  checks: GateCheck[] | null;
  builder: string;
}

export interface EventPayloads {
  // data
  endpoint_created: {
    name: string;
    unit: string;
    transform: string;
    direction: string;
    validMin: number | null;
    validMax: number | null;
    description: string;
    definitionHash: string;
  };
  protocol_version_created: {
    id: string;
    protocol: string;
    version: number;
    endpoint: string;
    site: string;
    vendor: string;
    unit: string;
    parameters: Record<string, unknown>;
    definitionHash: string;
    previous: string | null;
  };
  source_ingested: {
    source: string;
    file: string;
    fileSha256: string;
    format: string;
    mappingHash: string;
    team: string;
    protocolVersion: string;
    endpoint: string;
    rows: number;
    accepted: number;
    rejected: number;
    newCompounds: number;
    quarantineBlob: string | null;
    /** Digest of the measurements stored (absent in events written before it was logged). */
    measurementsDigest?: string;
  };
  snapshot_created: { hash: string; endpoint: string; definition: SnapshotDefinition; measurements: number; compounds: number };
  // training
  build_trained: {
    buildHash: string;
    snapshot: string;
    featureHash: string;
    artifactBlob: string;
    reportBlob: string;
    trainSeconds: number;
    environment: BuildEnvironment;
  };
  build_cache_hit: { buildHash: string; savedSeconds: number; cacheHits: number };
  // registry
  gate_set: { endpoint: string; hash: string; gate: GateThresholds; previous: string | null };
  registered: { buildHash: string | null; origin: ModelOrigin };
  promoted_champion: PromotionPayload;
  promoted_challenger: PromotionPayload;
  promotion_refused: { code: string; message: string; gate?: string; checks?: GateCheck[] };
  // serve
  /** One per stored batch (batch 0, 1, …), committed with its rows; older workspaces logged one per request (complete, no batch). */
  predicted: { request: string; batch?: number; count: number; digest: string; complete?: boolean };
  // monitor
  monitor_run: { blob: string; asOf: string; windows: number };
  // policy
  decision: { action: Action; policy: string; policyHash: string; window: WindowRef; windowKind: WindowKind; monitorRun: string; decision: Decision };
  frozen: { policyHash: string; window: WindowRef };
  unfrozen: NoPayload;
  retrain_by_decision: NoPayload;
  retrain_override: NoPayload;
  /** A backtest workspace declares itself a replay: every later record is dated in simulated time; this is the wall time it ran at. */
  backtest_started: { wallTime: string; source: string; start: string; weeks: number; recipe: string; policy: string };
  // Compute governance (src/compute): each job event names its job; the rest is the job's
  // evidence (admission, reservation, use, watchdog samples), kept as stored.
  job_submitted: JobEventPayload;
  job_right_sized: JobEventPayload;
  job_refused: Record<string, unknown>;
  job_cache_hit: JobEventPayload;
  job_idle_warning: JobEventPayload;
  job_cancelled_idle: JobEventPayload;
  job_cancelled: JobEventPayload;
  job_task_finished: JobEventPayload;
  job_finished: JobEventPayload;
  budget_set: { team: string; month: string; amount: number; currency: string; previous: { amount: number; currency: string } | null };
  compute_settings_set: { before?: unknown; after?: unknown };
  // identity (src/identity): who may act on a server; never a token or its hash
  principal_added: { name: string; kind: string };
  role_granted: { principal: string; team: string; role: string };
  role_revoked: { principal: string; team: string; role: string };
  token_issued: { principal: string; token: string; expiresAt: string | null };
  token_revoked: { principal: string; token: string };
  team_granted: { ownerTeam: string; granteeTeam: string };
  access_denied: { principal: string; method: string; route: string; team: string | null; code: string };
  // Webhooks (issue 14, src/notify): where to (origin, and the full URL's sha256: its path or query may be a secret), never the secret.
  webhook_added: { webhook: string; origin: string; urlSha256: string; team: string | null; kinds: string[] | '*' };
  webhook_removed: { webhook: string };
}

/** A compute job's event: the job id and its evidence. */
export type JobEventPayload = { job: string } & Record<string, unknown>;

export type EventKind = keyof EventPayloads;

/** A stored event with its payload decoded: a union discriminated by kind. */
export type DecodedEvent = { [K in EventKind]: Omit<EventRow, 'kind' | 'payload'> & { kind: K; payload: EventPayloads[K] } }[EventKind];

const windowRef: Decoder<WindowRef> = d.object({ label: d.string, start: d.string, end: d.string });
const noPayload: Decoder<NoPayload> = d.object({});
// d.object keeps the fields it does not list, so a job event keeps all of its evidence.
const jobEvent = d.object({ job: d.string }) as Decoder<JobEventPayload>;
const promotion: Decoder<PromotionPayload> = d.object({
  previous: d.nullable(d.string),
  gate: d.nullable(d.string),
  checks: d.nullable(d.array(gateCheckDecoder)),
  builder: d.string,
});

export const EVENT_PAYLOAD_DECODERS: { readonly [K in EventKind]: Decoder<EventPayloads[K]> } = {
  endpoint_created: d.object({
    name: d.string,
    unit: d.string,
    transform: d.string,
    direction: d.string,
    validMin: d.nullable(d.number),
    validMax: d.nullable(d.number),
    description: d.string,
    definitionHash: d.string,
  }),
  protocol_version_created: d.object({
    id: d.string,
    protocol: d.string,
    version: d.integer,
    endpoint: d.string,
    site: d.string,
    vendor: d.string,
    unit: d.string,
    parameters: d.record(d.unknown),
    definitionHash: d.string,
    previous: d.nullable(d.string),
  }),
  source_ingested: d.object({
    source: d.string,
    file: d.string,
    fileSha256: d.string,
    format: d.string,
    mappingHash: d.string,
    team: d.string,
    protocolVersion: d.string,
    endpoint: d.string,
    rows: d.integer,
    accepted: d.integer,
    rejected: d.integer,
    newCompounds: d.integer,
    quarantineBlob: d.nullable(d.sha256),
    measurementsDigest: d.optional(d.string),
  }),
  snapshot_created: d.object({ hash: d.sha256, endpoint: d.string, definition: snapshotDefinitionDecoder, measurements: d.integer, compounds: d.integer }),
  build_trained: d.object({
    buildHash: d.sha256,
    snapshot: d.sha256,
    featureHash: d.string,
    artifactBlob: d.sha256,
    reportBlob: d.sha256,
    trainSeconds: d.number,
    environment: buildEnvironmentDecoder,
  }),
  build_cache_hit: d.object({ buildHash: d.sha256, savedSeconds: d.number, cacheHits: d.integer }),
  gate_set: d.object({ endpoint: d.string, hash: d.sha256, gate: gateThresholdsDecoder, previous: d.nullable(d.sha256) }),
  registered: d.object({ buildHash: d.nullable(d.sha256), origin: d.literal('built', 'imported') }),
  promoted_champion: promotion,
  promoted_challenger: promotion,
  promotion_refused: d.object({ code: d.string, message: d.string, gate: d.optional(d.string), checks: d.optional(d.array(gateCheckDecoder)) }),
  predicted: d.object({ request: d.string, batch: d.optional(d.integer), count: d.integer, digest: d.sha256, complete: d.optional(d.boolean) }),
  monitor_run: d.object({ blob: d.sha256, asOf: d.string, windows: d.integer }),
  decision: d.object({
    action: d.literal('continue', 'watch', 'freeze', 'retrain'),
    policy: d.string,
    policyHash: d.sha256,
    window: windowRef,
    windowKind: d.literal('week', 'request'),
    monitorRun: d.sha256,
    decision: decisionDecoder,
  }),
  frozen: d.object({ policyHash: d.sha256, window: windowRef }),
  unfrozen: noPayload,
  retrain_by_decision: noPayload,
  retrain_override: noPayload,
  backtest_started: d.object({ wallTime: d.string, source: d.string, start: d.string, weeks: d.integer, recipe: d.sha256, policy: d.sha256 }),
  job_submitted: jobEvent,
  job_right_sized: jobEvent,
  job_refused: d.record(d.unknown),
  job_cache_hit: jobEvent,
  job_idle_warning: jobEvent,
  job_cancelled_idle: jobEvent,
  job_cancelled: jobEvent,
  job_task_finished: jobEvent,
  job_finished: jobEvent,
  budget_set: d.object({
    team: d.string,
    month: d.string,
    amount: d.number,
    currency: d.string,
    previous: d.nullable(d.object({ amount: d.number, currency: d.string })),
  }),
  compute_settings_set: d.object({ before: d.unknown, after: d.unknown }),
  principal_added: d.object({ name: d.string, kind: d.string }),
  role_granted: d.object({ principal: d.string, team: d.string, role: d.string }),
  role_revoked: d.object({ principal: d.string, team: d.string, role: d.string }),
  token_issued: d.object({ principal: d.string, token: d.string, expiresAt: d.nullable(d.string) }),
  token_revoked: d.object({ principal: d.string, token: d.string }),
  team_granted: d.object({ ownerTeam: d.string, granteeTeam: d.string }),
  access_denied: d.object({ principal: d.string, method: d.string, route: d.string, team: d.nullable(d.string), code: d.string }),
  webhook_added: d.object({
    webhook: d.string,
    origin: d.string,
    urlSha256: d.sha256,
    team: d.nullable(d.string),
    kinds: d.oneOf('"*" or a list of event kinds', d.literal('*'), d.array(d.string)),
  }),
  webhook_removed: d.object({ webhook: d.string }),
};

export function isEventKind(kind: string): kind is EventKind {
  return Object.hasOwn(EVENT_PAYLOAD_DECODERS, kind);
}

/** What a payload decoder needs of a row. */
export type EventPayloadRow = Pick<EventRow, 'seq' | 'kind' | 'payload'>;

function eventSource(row: EventPayloadRow) {
  return { kind: 'event', what: row.kind, id: String(row.seq) } as const;
}

/** A stored event with its payload checked against its kind: `switch (e.kind)` narrows the payload. */
export function decodeEvent(row: EventRow): DecodedEvent {
  if (!isEventKind(row.kind)) throw new StoredDataError(eventSource(row), `has an unknown kind "${row.kind}"`, 'kind');
  const decoder: Decoder<unknown> = EVENT_PAYLOAD_DECODERS[row.kind];
  const payload = decodeJson(row.payload, decoder, eventSource(row));
  // The decoder was chosen by row.kind, so payload is EventPayloads[row.kind]; TypeScript cannot correlate the two.
  return { ...row, payload } as DecodedEvent;
}

/** The payload of an event already selected by kind (e.g. the latest `decision`); a row of another kind is refused. */
export function decodeEventPayload<K extends EventKind>(row: EventPayloadRow, kind: K): EventPayloads[K] {
  if (row.kind !== kind) throw new StoredDataError(eventSource(row), `is a ${row.kind} event, not ${kind}`, 'kind');
  const decoder: Decoder<EventPayloads[K]> = EVENT_PAYLOAD_DECODERS[kind];
  return decodeJson(row.payload, decoder, eventSource(row));
}
