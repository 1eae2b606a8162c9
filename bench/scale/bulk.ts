/**
 * Bulk loading for bench/scale, PostgreSQL only: rows go in as one INSERT … SELECT FROM
 * unnest($1::text[], $2::float8[], …) per chunk (one array parameter per column, thousands
 * of rows per statement; COPY-like throughput without a COPY client dependency), and the
 * events that log them are chained and signed here exactly as appendEvent does it
 * (eventHash, eventMac), so the audit and `audit verify` check the synthetic history like
 * any other.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import { canonicalJson } from '../../src/core/hash.js';
import { eventMac } from '../../src/store/event-key.js';
import { EVENT_LOG_LOCK_KEY, GENESIS_HASH, eventHash, type EventRow, type HashedEventFields } from '../../src/store/event-log.js';
import type { EventPayloads } from '../../src/store/event-kinds.js';
import type { Database } from '../../src/store/schema.js';
import type { Store } from '../../src/store/store.js';

export type ColumnType = 'text' | 'float8' | 'int4';

/** Inserts rows (objects keyed by column) into `table` in chunks of `chunk` rows; columns typed for unnest. */
export async function insertUnnest(
  db: Transaction<Database>,
  table: keyof Database,
  columns: ReadonlyArray<readonly [string, ColumnType]>,
  rows: ReadonlyArray<Record<string, unknown>>,
  chunk = 5000,
): Promise<void> {
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    const arrays = columns.map(([c, t]) => sql`${part.map((r) => r[c] ?? null)}::${sql.raw(t)}[]`);
    await sql`insert into ${sql.table(table)} (${sql.join(columns.map(([c]) => sql.ref(c)))}) select * from unnest(${sql.join(arrays)})`.execute(db);
  }
}

export const PREDICTION_COLUMNS: ReadonlyArray<readonly [string, ColumnType]> = [
  ['id', 'text'],
  ['request', 'text'],
  ['model_version', 'text'],
  ['feature_hash', 'text'],
  ['input_hash', 'text'],
  ['input_id', 'text'],
  ['inchikey', 'text'],
  ['smiles', 'text'],
  ['value', 'float8'],
  ['uncertainty', 'float8'],
  ['interval_level', 'float8'],
  ['lower', 'float8'],
  ['upper', 'float8'],
  ['max_similarity', 'float8'],
  ['nearest_inchikey', 'text'],
  ['scaffold', 'text'],
  ['scaffold_seen', 'int4'],
  ['model_frozen', 'int4'],
  ['requested_by', 'text'],
  ['requested_at', 'text'],
  ['batch', 'int4'],
];

export const MEASUREMENT_COLUMNS: ReadonlyArray<readonly [string, ColumnType]> = [
  ['id', 'text'],
  ['inchikey', 'text'],
  ['protocol_version', 'text'],
  ['endpoint', 'text'],
  ['source', 'text'],
  ['source_line', 'int4'],
  ['team', 'text'],
  ['site', 'text'],
  ['batch', 'text'],
  ['value', 'float8'],
  ['qualifier', 'text'],
  ['raw_value', 'text'],
  ['raw_unit', 'text'],
  ['measured_at', 'text'],
  ['reported_at', 'text'],
];

export const EVENT_COLUMNS: ReadonlyArray<readonly [string, ColumnType]> = [
  ['seq', 'int4'],
  ['id', 'text'],
  ['at', 'text'],
  ['actor', 'text'],
  ['kind', 'text'],
  ['subject', 'text'],
  ['model', 'text'],
  ['version_id', 'text'],
  ['reason', 'text'],
  ['payload', 'text'],
  ['prev_hash', 'text'],
  ['hash', 'text'],
  ['mac', 'text'],
  ['team', 'text'],
];

export interface DraftEvent<K extends keyof EventPayloads> {
  kind: K;
  at: string;
  actor: string;
  subject: string;
  model: string | null;
  versionId: string | null;
  reason: string;
  payload: EventPayloads[K];
  /** The team the event belongs to (what appendEvent would fill in: the model's team); hashed when set. */
  team?: string | null;
}

/**
 * Appends events at the head of the chain inside `trx` (holding the event log's advisory
 * lock, as appendEvent does), hashed and signed with the store's key. Same fields, same
 * hash, same MAC as appendEvent would write; only the insert is batched.
 */
export async function appendEventsBulk(store: Store, trx: Transaction<Database>, drafts: ReadonlyArray<DraftEvent<keyof EventPayloads>>): Promise<void> {
  if (!drafts.length) return;
  await sql`select pg_advisory_xact_lock(${sql.lit(EVENT_LOG_LOCK_KEY)})`.execute(trx);
  const head = await trx.selectFrom('events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  let seq = head?.seq ?? 0;
  let prev = head?.hash ?? GENESIS_HASH;
  const rows: EventRow[] = drafts.map((d) => {
    const fields: HashedEventFields = {
      seq: ++seq,
      prev_hash: prev,
      id: randomUUID(),
      at: d.at,
      actor: d.actor,
      kind: d.kind,
      subject: d.subject,
      model: d.model,
      version_id: d.versionId,
      reason: d.reason,
      payload: canonicalJson(d.payload),
      ...(d.team ? { team: d.team } : {}),
    };
    prev = eventHash(fields);
    return { ...fields, team: d.team ?? null, hash: prev, mac: store.eventKey ? eventMac(store.eventKey, prev) : null };
  });
  await insertUnnest(trx, 'events', EVENT_COLUMNS, rows as unknown as Record<string, unknown>[], 2000);
}
