import { sql, type Kysely, type Transaction } from 'kysely';
import { nowIso } from '../core/clock.js';
import { RotguardError, type ErrorCode } from '../core/errors.js';
import { decodeJson } from '../core/decode.js';
import { canonicalJson, hashOf } from '../core/hash.js';
import type { EventKind, EventPayloads } from '../store/event-kinds.js';
import { appendEvent, latestEvent, readEvents, sqlBackendOf, type NewEvent, type PayloadOf } from '../store/event-log.js';
import type { Database, Row } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { evaluateGate, validateGate, type GateResult, type GateThresholds } from '../validate/gate.js';
import type { ValidationReport } from '../validate/report.js';
import { gateThresholdsDecoder } from '../validate/decoders.js';
import { decodeFeatureContract, decodeLineage, lineageDocument, type FeatureContract, type ModelLineage, type ModelOrigin } from './decoders.js';

/**
 * The model registry: model → numbered versions (build hash, artifact, feature contract,
 * validation report, owning team), aliases `champion` and `challenger`, per-endpoint
 * release gates, and an event for every transition (who, when, why).
 */
export type Db = Kysely<Database> | Transaction<Database>;

export const ALIASES = ['champion', 'challenger'] as const;
export type Alias = (typeof ALIASES)[number];

export interface ModelVersion {
  id: string;
  model: string;
  version: number;
  endpoint: string;
  team: string;
  origin: ModelOrigin;
  buildHash: string | null;
  artifactBlob: string;
  reportBlob: string | null;
  featureHash: string;
  featureContract: FeatureContract;
  /** Built or imported, with what each records (ModelLineage): lineage.origin === origin. */
  lineage: ModelLineage;
  createdAt: string;
  createdBy: string;
}

export function versionFromRow(r: Row<'model_versions'>): ModelVersion {
  const lineage = decodeLineage(r.lineage, r.origin, r.id);
  return {
    id: r.id,
    model: r.model,
    version: r.version,
    endpoint: r.endpoint,
    team: r.team,
    origin: lineage.origin,
    buildHash: r.build_hash,
    artifactBlob: r.artifact_blob,
    reportBlob: r.report_blob,
    featureHash: r.feature_hash,
    featureContract: decodeFeatureContract(r.feature_contract, lineage.origin, r.id),
    lineage,
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

/**
 * Appends a model event to the event log (inside the caller's transaction when db is one).
 * Its subject is the model: the model's own history (modelEvents) is the
 * events whose subject is the model.
 */
export async function recordEvent<K extends EventKind>(
  db: Db,
  e: { kind: K; model: string; versionId: string | null; actor: string; reason: string } & PayloadOf<K>,
): Promise<void> {
  // The same fields plus the subject; TypeScript cannot see through the generic payload type (PayloadOf<K>) here.
  await appendEvent(db, { ...e, subject: e.model } as NewEvent<K>);
}

/** Adds version N+1 of a model (inside the caller's transaction). */
export async function registerVersion(db: Db, v: Omit<ModelVersion, 'id' | 'version' | 'createdAt' | 'origin'>, reason: string): Promise<ModelVersion> {
  const other = await db.selectFrom('model_versions').select(['endpoint', 'team']).where('model', '=', v.model).executeTakeFirst();
  if (other && other.endpoint !== v.endpoint) {
    throw new RotguardError('endpoint_mismatch', `model ${v.model} predicts ${other.endpoint}, not ${v.endpoint}; choose another model name`, {
      field: 'model',
    });
  }
  const last = await db.selectFrom('model_versions').select('version').where('model', '=', v.model).orderBy('version', 'desc').executeTakeFirst();
  const version = (last?.version ?? 0) + 1;
  const row = {
    id: `${v.model}@${version}`,
    model: v.model,
    version,
    endpoint: v.endpoint,
    team: v.team,
    origin: v.lineage.origin,
    build_hash: v.buildHash,
    artifact_blob: v.artifactBlob,
    report_blob: v.reportBlob,
    feature_hash: v.featureHash,
    feature_contract: canonicalJson(v.featureContract),
    lineage: canonicalJson(lineageDocument(v.lineage)),
    created_at: nowIso(),
    created_by: v.createdBy,
  };
  await db.insertInto('model_versions').values(row).execute();
  await recordEvent(db, {
    kind: 'registered',
    model: v.model,
    versionId: row.id,
    actor: v.createdBy,
    reason,
    payload: { buildHash: v.buildHash, origin: v.lineage.origin },
  });
  return versionFromRow(row);
}

/** "name@champion", "name@challenger", "name@3" or "name" (latest version). */
export async function resolveModel(db: Db, ref: string): Promise<ModelVersion> {
  const [model, tag] = ref.split('@') as [string, string | undefined];
  let row: Row<'model_versions'> | undefined;
  if (tag && (ALIASES as readonly string[]).includes(tag)) {
    const alias = await db.selectFrom('model_aliases').select('version_id').where('model', '=', model).where('alias', '=', tag).executeTakeFirst();
    if (!alias) throw new RotguardError('no_alias', `model ${model} has no ${tag} yet`);
    row = await db.selectFrom('model_versions').selectAll().where('id', '=', alias.version_id).executeTakeFirst();
  } else if (tag !== undefined) {
    const n = Number(tag);
    if (!Number.isInteger(n)) throw new RotguardError('bad_model_ref', `"${ref}": expected NAME, NAME@VERSION, NAME@champion or NAME@challenger`);
    row = await db.selectFrom('model_versions').selectAll().where('model', '=', model).where('version', '=', n).executeTakeFirst();
  } else {
    row = await db.selectFrom('model_versions').selectAll().where('model', '=', model).orderBy('version', 'desc').executeTakeFirst();
  }
  if (!row) throw new RotguardError('unknown_model', `no model version ${ref}; see "rotguard models list"`);
  return versionFromRow(row);
}

export async function listModels(store: Store) {
  const versions = (await store.db.selectFrom('model_versions').selectAll().orderBy('model').orderBy('version').execute()).map(versionFromRow);
  const aliases = await store.db.selectFrom('model_aliases').selectAll().execute();
  return versions.map((v) => ({ ...v, aliases: aliases.filter((a) => a.version_id === v.id).map((a) => a.alias) }));
}

/** A model's registry history (registration, promotions and refusals, decisions, freezes, monitoring runs), oldest first. */
export async function modelEvents(
  store: Store,
  model: string,
): Promise<
  Array<{ seq: number; id: string; at: string; actor: string; kind: string; model: string; version_id: string | null; reason: string; payload: string }>
> {
  return (await readEvents(store.db, { model, subject: model })).map((e) => ({
    seq: e.seq,
    id: e.id,
    at: e.at,
    actor: e.actor,
    kind: e.kind,
    model,
    version_id: e.version_id,
    reason: e.reason,
    payload: e.payload,
  }));
}

// ---------------------------------------------------------------- gates

export async function setGate(
  store: Store,
  endpoint: string,
  thresholds: unknown,
  actor: string,
): Promise<{ status: 'created' | 'unchanged'; hash: string; gate: GateThresholds }> {
  const gate = validateGate(thresholds);
  const ep = await store.db.selectFrom('endpoints').select('name').where('name', '=', endpoint).executeTakeFirst();
  if (!ep) throw new RotguardError('unknown_endpoint', `no endpoint named "${endpoint}"`, { field: 'endpoint' });
  const current = await currentGate(store.db, endpoint);
  const hash = hashOf({ endpoint, gate });
  if (current && current.hash === hash) return { status: 'unchanged', hash, gate };
  await store.db.transaction().execute(async (trx) => {
    // Going back to an earlier gate (A → B → A) makes A current again: its row is re-dated,
    // and the event log keeps every time it was set.
    await trx
      .insertInto('gates')
      .values({ hash, endpoint, thresholds: canonicalJson(gate), created_at: nowIso(), created_by: actor })
      .onConflict((oc) => oc.column('hash').doUpdateSet({ created_at: nowIso(), created_by: actor }))
      .execute();
    await appendEvent(trx, {
      kind: 'gate_set',
      team: null, // a shared standard: every team reads it
      subject: `gate:${endpoint}`,
      actor,
      reason: `release gate for ${endpoint}`,
      payload: { endpoint, hash, gate, previous: current?.hash ?? null },
    });
  });
  return { status: 'created', hash, gate };
}

export async function currentGate(db: Db, endpoint: string): Promise<{ hash: string; gate: GateThresholds; createdAt: string; createdBy: string } | null> {
  const row = await db.selectFrom('gates').selectAll().where('endpoint', '=', endpoint).orderBy('created_at', 'desc').executeTakeFirst();
  return row
    ? {
        hash: row.hash,
        gate: decodeJson(row.thresholds, gateThresholdsDecoder, { kind: 'row', what: `${endpoint} release gate`, id: `gates ${row.hash}` }),
        createdAt: row.created_at,
        createdBy: row.created_by,
      }
    : null;
}

/** Whether a policy froze the model: a freeze event not followed by an unfreeze. */
export async function frozenState(db: Db, model: string): Promise<{ frozen: boolean; reason: string | null }> {
  const e = await latestEvent(db, { model, kind: ['frozen', 'unfrozen'] });
  return { frozen: e?.kind === 'frozen', reason: e?.kind === 'frozen' ? e.reason : null };
}

// ---------------------------------------------------------------- promotion

export interface PromotionResult {
  version: ModelVersion;
  alias: Alias;
  gate: GateResult | null;
  gateHash: string | null;
}

/**
 * Takes the model's write lock for the rest of the transaction, so that rules checked
 * inside it (gate, freeze, second approver, retrain basis) still hold when it writes.
 * PostgreSQL: a transaction-scoped advisory lock per model name. SQLite has no row locks:
 * a write statement that changes nothing takes the database's write lock at once.
 */
export async function lockModel(trx: Transaction<Database>, model: string): Promise<void> {
  if (sqlBackendOf(trx) === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${'rotguard-model:' + model}))`.execute(trx);
  else await sql`delete from model_aliases where 0`.execute(trx);
}

/** Runs fn in one transaction holding the model's lock (see lockModel). */
export function withModelLock<T>(store: Store, model: string, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return store.db.transaction().execute(async (trx) => {
    await lockModel(trx, model);
    return fn(trx);
  });
}

/** Records a freeze (inside the caller's locked transaction): promotions are refused until an unfreeze. */
export async function recordFreeze(
  trx: Transaction<Database>,
  f: { model: string; versionId: string | null; actor: string; reason: string; payload: EventPayloads['frozen'] },
): Promise<void> {
  await recordEvent(trx, { kind: 'frozen', model: f.model, versionId: f.versionId, actor: f.actor, reason: f.reason, payload: f.payload });
}

/** Lifts a freeze; refused when the model is not frozen. Checked and written under the model's lock. */
export async function unfreeze(store: Store, o: { model: string; actor: string; reason: string }): Promise<void> {
  if (!o.reason.trim()) throw new RotguardError('reason_required', 'say why (--reason): an unfreeze is recorded with its reason');
  await withModelLock(store, o.model, async (trx) => {
    const state = await frozenState(trx, o.model);
    if (!state.frozen) throw new RotguardError('not_frozen', `${o.model} is not frozen`);
    await recordEvent(trx, { kind: 'unfrozen', model: o.model, versionId: null, actor: o.actor, reason: o.reason });
  });
}

/**
 * Points an alias at a version. Champion needs the endpoint's gate to pass on the
 * version's validation report and an approver other than the person who built it.
 * Every check runs inside the transaction that writes the alias, under the model's lock:
 * a freeze or a new gate recorded meanwhile cannot slip between the check and the write.
 * Refusals are recorded as events too (committed, then thrown): the audit sees attempts,
 * not just successes.
 */
export async function promote(
  store: Store,
  options: { ref: string; alias: Alias; actor: string; reason: string; readReport: (blob: string) => Promise<ValidationReport> },
): Promise<PromotionResult> {
  if (!(ALIASES as readonly string[]).includes(options.alias)) throw new RotguardError('bad_alias', `alias must be ${ALIASES.join(' or ')}`);
  if (!options.reason.trim()) throw new RotguardError('reason_required', 'say why (--reason): every transition is recorded with its reason');
  const model = options.ref.split('@')[0]!;
  type Refusal = { code: ErrorCode; message: string };
  const outcome = await withModelLock(store, model, async (trx): Promise<PromotionResult | Refusal> => {
    const version = await resolveModel(trx, options.ref);
    let gateResult: GateResult | null = null;
    let gateHash: string | null = null;
    const refuse = async (code: ErrorCode, message: string, payload: object): Promise<Refusal> => {
      await recordEvent(trx, {
        kind: 'promotion_refused',
        model: version.model,
        versionId: version.id,
        actor: options.actor,
        reason: options.reason,
        payload: { code, message, ...payload },
      });
      return { code, message };
    };
    if (options.alias === 'champion') {
      const frozen = await frozenState(trx, version.model);
      if (frozen.frozen) return refuse('frozen', `${version.model} is frozen by policy (${frozen.reason}); no promotion until it is unfrozen`, {});
      const gate = await currentGate(trx, version.endpoint);
      if (!gate)
        return refuse(
          'no_gate',
          `endpoint ${version.endpoint} has no release gate; set one with "rotguard gate set ${version.endpoint} …" before promoting to champion`,
          {},
        );
      gateHash = gate.hash;
      if (!version.reportBlob) return refuse('no_validation', `${version.id} has no validation report; it cannot pass the gate`, { gate: gateHash });
      gateResult = evaluateGate(await options.readReport(version.reportBlob), gate.gate);
      if (!gateResult.passed) {
        const failed = gateResult.checks
          .filter((c) => !c.passed)
          .map((c) => `${c.check} ${c.value ?? 'missing'} (needs ${c.threshold})`)
          .join('; ');
        return refuse('gate_failed', `${version.id} does not pass the ${version.endpoint} release gate: ${failed}`, {
          gate: gateHash,
          checks: gateResult.checks,
        });
      }
      if (options.actor === version.createdBy) {
        return refuse(
          'approver_is_builder',
          `${options.actor} built ${version.id}; promotion to champion needs a second person to approve (run it as another user, e.g. ROTGUARD_USER=…)`,
          { gate: gateHash },
        );
      }
    }
    const previous = await trx
      .selectFrom('model_aliases')
      .select('version_id')
      .where('model', '=', version.model)
      .where('alias', '=', options.alias)
      .executeTakeFirst();
    await trx.deleteFrom('model_aliases').where('model', '=', version.model).where('alias', '=', options.alias).execute();
    await trx
      .insertInto('model_aliases')
      .values({ model: version.model, alias: options.alias, version_id: version.id, team: version.team, updated_at: nowIso() })
      .execute();
    await recordEvent(trx, {
      kind: `promoted_${options.alias}`,
      model: version.model,
      versionId: version.id,
      actor: options.actor,
      reason: options.reason,
      payload: { previous: previous?.version_id ?? null, gate: gateHash, checks: gateResult?.checks ?? null, builder: version.createdBy },
    });
    return { version, alias: options.alias, gate: gateResult, gateHash };
  });
  if ('code' in outcome) throw new RotguardError(outcome.code, outcome.message);
  return outcome;
}
