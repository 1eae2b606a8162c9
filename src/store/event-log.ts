/**
 * The event log: one append-only, hash-chained record of every state change in a
 * workspace (ingests, endpoint and protocol standards, snapshots, gates, builds, registry
 * transitions, monitoring runs, policy decisions, prediction requests). The audit reads it.
 *
 * Each event has a sequence number `seq` (1, 2, 3… with no gaps) and is chained to the one
 * before it: `hash = sha256(canonicalJson({seq, prevHash, id, at, actor, kind, subject,
 * model, versionId, reason, payload}))`, where `prevHash` is the previous event's hash (64
 * zeros for the first) and `payload` is the stored canonical-JSON text. Order is `seq`,
 * never `at`: timestamps come from the settable clock (a simulation dates events in
 * simulated time) and milliseconds can tie.
 *
 * Protection is in two layers. The store refuses UPDATE and DELETE on `events` (a SQLite
 * trigger; a PostgreSQL trigger function, which also refuses TRUNCATE), so rotguard itself
 * and anyone using the store normally can only append. Someone who bypasses that (drops
 * the trigger, edits the SQLite file) is caught by `verifyEventLog`: an edited row no
 * longer matches its hash, a deleted row leaves a gap in `seq`, a moved row's hash is
 * valid only at its old position, and a row rewritten with a recomputed hash breaks the
 * link from its successor. What the chain alone cannot show is the removal of the most
 * recent events (the log simply looks shorter) or a rewrite of the whole tail from some
 * point on with every hash recomputed: both are caught only by comparing with a head hash
 * recorded earlier elsewhere (an audit report, a ticket), `expectHead`.
 *
 * Teams (migration 0010): an event carries the team it belongs to (null: a shared-standard
 * event every team may read). The hash covers `team` when it is non-null, so logs written
 * before the column existed (every team null) verify unchanged, and editing a team later
 * breaks its event's hash. On PostgreSQL the head is read through `rotguard_event_head()`, a
 * SECURITY DEFINER function: row-level security hides other teams' events from a team-scoped
 * connection, but every append must chain onto the true head of the whole log.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { nowIso } from '../core/clock.js';
import { actingTeam } from '../core/acting-team.js';
import { canonicalJson, sha256Hex } from '../core/hash.js';
import type { EventKind, EventPayloads } from './event-kinds.js';
import { EventKeyPlugin, eventMac, macMatches, type EventKey } from './event-key.js';
import type { Database, EventTable, Row } from './schema.js';

export type EventDb = Kysely<Database> | Transaction<Database>;
export type EventRow = Row<'events'>;

/** The previous hash of the first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** pg_advisory_xact_lock key that serializes appends on PostgreSQL ("rotg" in ASCII). */
export const EVENT_LOG_LOCK_KEY = 0x726f7467;

/** How many events verifyEventLog reads per query. */
export const VERIFY_PAGE_SIZE = 1000;

/** An event to append: its payload must be the one its kind carries (event-kinds.ts). */
export type NewEvent<K extends EventKind = EventKind> = {
  kind: K;
  /** What the event is about: the model name for model events, else e.g. `source:<id>`, `snapshot:<hash>`, `build:<hash>`, `endpoint:<name>`, `gate:<endpoint>`. */
  subject: string;
  actor: string;
  reason?: string;
  model?: string | null;
  versionId?: string | null;
  /**
   * The team the event belongs to; null for a shared standard (endpoint, protocol, gate)
   * that every team may read. Omitted: the model's team for a model event, else the acting
   * team in scope (core/acting-team.ts), else null.
   */
  team?: string | null;
} & PayloadOf<K>;

/** The payload field: required unless the kind carries nothing (then optional, stored as {}). Stored as canonical JSON (non-finite numbers are refused). */
// biome-ignore lint/complexity/noBannedTypes: `{}` is the test for a payload with no required field
export type PayloadOf<K extends EventKind> = {} extends EventPayloads[K] ? { payload?: EventPayloads[K] } : { payload: EventPayloads[K] };

/** Every field of an event but its own hash (and signature): what the hash covers. `team` is absent from events logged before migration 0010. */
export type HashedEventFields = Omit<EventTable, 'hash' | 'mac' | 'team'> & { team?: string | null };

/**
 * The hash of an event: sha256 over the canonical JSON of its fields, the previous hash and
 * its seq included. `team` is included only when non-null: every event logged before
 * teams existed has none, and keeps the hash it was chained with.
 */
export function eventHash(e: HashedEventFields): string {
  return sha256Hex(
    canonicalJson({
      seq: e.seq,
      prevHash: e.prev_hash,
      id: e.id,
      at: e.at,
      actor: e.actor,
      kind: e.kind,
      subject: e.subject,
      model: e.model,
      versionId: e.version_id,
      reason: e.reason,
      payload: e.payload,
      ...(e.team != null ? { team: e.team } : {}),
    }),
  );
}

const backends = new WeakMap<object, 'sqlite' | 'postgres'>();

/** Which SQL backend a Kysely instance (or transaction) talks to, from how it writes a parameter ($1 or ?). */
export function sqlBackendOf(db: Kysely<any>): 'sqlite' | 'postgres' {
  let b = backends.get(db);
  if (!b) {
    b = sql`${0}`.compile(db).sql.startsWith('$') ? 'postgres' : 'sqlite';
    backends.set(db, b);
  }
  return b;
}

/**
 * Appends one event at the head of the chain and returns it as stored. `db` may be the
 * store's Kysely (the append gets a transaction of its own) or the caller's transaction,
 * so the event commits with the change it records, or not at all. Appends are
 * serialized: on PostgreSQL by a transaction-scoped advisory lock taken before the head is
 * read; on SQLite by the single writer lock (a stand-alone append begins IMMEDIATE, and a
 * caller's transaction that has already written holds it). Call it last in a transaction,
 * so the lock is held briefly. Either way the primary key on seq refuses a fork.
 */
export async function appendEvent<K extends EventKind>(db: EventDb, e: NewEvent<K>): Promise<EventRow> {
  if (db.isTransaction) return appendInTransaction(db, e);
  if (sqlBackendOf(db) === 'postgres') return db.transaction().execute((trx) => appendInTransaction(trx, e));
  return db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const row = await appendInTransaction(conn, e);
      await sql`commit`.execute(conn);
      return row;
    } catch (err) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw err;
    }
  });
}

async function appendInTransaction<K extends EventKind>(db: EventDb, e: NewEvent<K>): Promise<EventRow> {
  if (!e.kind || !e.subject || !e.actor)
    throw new Error(`appendEvent: kind, subject and actor are required (got ${JSON.stringify({ kind: e.kind, subject: e.subject, actor: e.actor })})`);
  const payload = canonicalJson(e.payload ?? {});
  if (sqlBackendOf(db) === 'postgres') await sql`select pg_advisory_xact_lock(${sql.lit(EVENT_LOG_LOCK_KEY)})`.execute(db);
  const head = await readHead(db);
  const team = e.team !== undefined ? e.team : ((e.model ? await teamOfModel(db, e.model) : null) ?? actingTeam());
  const fields: EventRow = {
    seq: (head?.seq ?? 0) + 1,
    prev_hash: head?.hash ?? GENESIS_HASH,
    id: randomUUID(),
    at: nowIso(),
    actor: e.actor,
    kind: e.kind,
    subject: e.subject,
    model: e.model ?? null,
    version_id: e.versionId ?? null,
    reason: e.reason ?? '',
    payload,
    team,
    hash: '',
    mac: null,
  };
  const hash = eventHash(fields);
  const key = eventKeyOf(db);
  const row: EventRow = { ...fields, hash, mac: key ? eventMac(key, hash) : null };
  await db.insertInto('events').values(row).execute();
  return row;
}

/** The model's team, read in the caller's transaction (null for a model not registered yet, or not visible to the acting team). */
async function teamOfModel(db: EventDb, model: string): Promise<string | null> {
  const row = await db.selectFrom('model_versions').select('team').where('model', '=', model).limit(1).executeTakeFirst();
  return row?.team ?? null;
}

/**
 * The head of the whole log. On PostgreSQL through `rotguard_event_head()` (migration
 * 0010, SECURITY DEFINER): a team-scoped connection cannot see other teams' events, yet
 * must chain onto the last of them.
 */
async function readHead(db: EventDb): Promise<{ seq: number; hash: string } | undefined> {
  if (sqlBackendOf(db) === 'postgres') {
    const { rows } = await sql<{ seq: number; hash: string }>`select seq, hash from rotguard_event_head()`.execute(db);
    return rows[0];
  }
  return db.selectFrom('events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
}

/** The event key a store was opened with (carried by a plugin into its transactions), if any. */
export function eventKeyOf(db: EventDb): EventKey | null {
  const plugin = db.getExecutor().plugins.find((p) => p instanceof EventKeyPlugin) as EventKeyPlugin | undefined;
  return plugin?.eventKey ?? null;
}

// ---------------------------------------------------------------- reading

export interface EventFilter {
  model?: string;
  subject?: string;
  /** One kind or any of several. */
  kind?: EventKind | EventKind[];
  /** Only events after this seq (for paging). */
  afterSeq?: number;
  limit?: number;
  /** Highest seq first (default: lowest first). */
  newestFirst?: boolean;
}

/** Events matching a filter, ordered by seq. */
export async function readEvents(db: EventDb, f: EventFilter = {}): Promise<EventRow[]> {
  let q = db.selectFrom('events').selectAll();
  if (f.model !== undefined) q = q.where('model', '=', f.model);
  if (f.subject !== undefined) q = q.where('subject', '=', f.subject);
  if (typeof f.kind === 'string') q = q.where('kind', '=', f.kind);
  else if (f.kind) {
    if (!f.kind.length) return [];
    q = q.where('kind', 'in', f.kind);
  }
  if (f.afterSeq !== undefined) q = q.where('seq', '>', f.afterSeq);
  q = q.orderBy('seq', f.newestFirst ? 'desc' : 'asc');
  if (f.limit !== undefined) q = q.limit(f.limit);
  return q.execute();
}

/** The latest (highest seq) event matching a filter, e.g. a model's latest decision. */
export async function latestEvent(db: EventDb, f: Omit<EventFilter, 'newestFirst' | 'limit'>): Promise<EventRow | undefined> {
  return (await readEvents(db, { ...f, newestFirst: true, limit: 1 }))[0];
}

/** The current head: the last event's seq and hash (0 and 64 zeros for an empty log). */
export async function eventLogHead(db: EventDb): Promise<{ seq: number; hash: string }> {
  return (await readHead(db)) ?? { seq: 0, hash: GENESIS_HASH };
}

// ---------------------------------------------------------------- verification

export type EventLogProblemKind =
  | 'edited'
  | 'missing'
  | 'reordered'
  | 'broken_link'
  | 'head_mismatch'
  | 'unsigned'
  | 'bad_signature'
  // A checkpoint (store/event-checkpoint.ts) not made with this workspace's key, or one the log no longer matches.
  | 'bad_checkpoint'
  | 'checkpoint_mismatch';

export interface EventLogProblem {
  seq: number;
  problem: EventLogProblemKind;
  message: string;
}

export interface EventLogVerification {
  /** No problem found. Note that the removal of the most recent events is found only with expectHead. */
  ok: boolean;
  /** Events read. */
  events: number;
  /** The last event's seq and hash (0 and 64 zeros for an empty log): record the hash to check the log against later. */
  headSeq: number;
  headHash: string;
  /** Whether expectHead was found in the log (null when none was given). */
  expectedHeadFound: boolean | null;
  /** Signatures checked with the workspace's event key (null: no key given); `legacy` events predate the key. */
  signatures: { checked: number; legacy: number } | null;
  problems: EventLogProblem[];
}

/** Content-invalid rows kept for classification (edited vs. moved); beyond this they are reported as edited. */
const MAX_SUSPECTS = 1000;
/** Hash computations spent classifying suspects, at most. */
const MAX_CLASSIFY_HASHES = 2_000_000;

interface Seen {
  seq: number;
  hash: string;
  what: string;
}

/**
 * Walks the whole log in seq order, a page at a time, and reports every break of the chain:
 *
 * - `edited`: a row's content no longer matches its stored hash;
 * - `missing`: a gap in seq (rows deleted);
 * - `reordered`: a row whose content and hash are intact but which sits at another seq
 *   than the one it was chained at (e.g. two rows' seq swapped);
 * - `broken_link`: a row with intact content whose previous-hash does not match the row
 *   before it, which then was replaced or rewritten with a recomputed hash;
 * - `head_mismatch`: `expectHead` (a head hash recorded earlier) is not in the log: events
 *   after it were removed, or the log was rewritten from some point on. Without
 *   `expectHead`, removing the most recent events is undetectable: the log just ends sooner.
 */
export async function verifyEventLog(
  db: EventDb,
  options: {
    expectHead?: string;
    key?: EventKey | null;
    /**
     * Start after this event, taken as verified (a checkpoint, store/event-checkpoint.ts):
     * the walk checks seq from.seq+1 to the head, the first of them chained to from.hash.
     * The caller must have checked that event `from.seq` still has hash `from.hash`.
     */
    from?: { seq: number; hash: string };
  } = {},
): Promise<EventLogVerification> {
  const key = options.key ?? null;
  const signatures = key ? { checked: 0, legacy: 0 } : null;
  const expectHead = options.expectHead?.trim().toLowerCase();
  const from = options.from;
  let events = 0;
  let prev: Seen | null = from ? { seq: from.seq, hash: from.hash, what: 'the verified checkpoint' } : null;
  let expectedHeadFound = expectHead === undefined ? null : expectHead === GENESIS_HASH || expectHead === from?.hash;
  const suspects: EventRow[] = [];
  const problems: EventLogProblem[] = [];
  const gaps: Array<{ from: number; to: number; before: Seen | null; after: Seen }> = [];
  const links: Array<{ row: Seen; prevHash: string; before: Seen | null }> = [];

  for (let after: number | null = from ? from.seq : null; ; ) {
    let q = db.selectFrom('events').selectAll();
    if (after !== null) q = q.where('seq', '>', after);
    const page = await q.orderBy('seq').limit(VERIFY_PAGE_SIZE).execute();
    if (!page.length) break;
    for (const row of page) {
      events++;
      const seen: Seen = { seq: row.seq, hash: row.hash, what: describe(row) };
      const expectedSeq = prev ? prev.seq + 1 : 1;
      const gap = row.seq > expectedSeq;
      if (gap) gaps.push({ from: expectedSeq, to: row.seq - 1, before: prev, after: seen });
      if (eventHash(row) !== row.hash || row.seq < expectedSeq) {
        if (suspects.length < MAX_SUSPECTS) suspects.push(row);
        else problems.push({ seq: row.seq, problem: 'edited', message: editedMessage(seen) });
      }
      if (!gap && row.prev_hash !== (prev ? prev.hash : GENESIS_HASH)) links.push({ row: seen, prevHash: row.prev_hash, before: prev });
      if (expectHead !== undefined && row.hash === expectHead) expectedHeadFound = true;
      if (key && signatures) {
        // A row appended with plain SQL can be chained correctly, but cannot be signed without the key.
        if (row.seq < key.signedFromSeq && !row.mac) signatures.legacy++;
        else if (!row.mac)
          problems.push({
            seq: row.seq,
            problem: 'unsigned',
            message: `event ${row.seq} (${seen.what}) carries no signature: it was not appended by rotguard with this workspace's event key (forged with SQL, or written by a client without the key)`,
          });
        else if (!macMatches(key, row.hash, row.mac))
          problems.push({
            seq: row.seq,
            problem: 'bad_signature',
            message: `event ${row.seq} (${seen.what}) has a signature that this workspace's event key did not make: forged, or signed by another workspace's key`,
          });
        else signatures.checked++;
      }
      prev = seen;
    }
    after = page.at(-1)!.seq;
  }

  const headSeq = prev ? prev.seq : 0;
  const headHash = prev ? prev.hash : GENESIS_HASH;

  // A suspect row whose hash is valid at another position was moved there from that
  // position. Candidates: the suspect positions, the gaps, and just past the head.
  const candidates = new Set<number>();
  for (const s of suspects) candidates.add(s.seq);
  for (const g of gaps) for (let s = g.from; s <= g.to && candidates.size < 4 * MAX_SUSPECTS; s++) candidates.add(s);
  candidates.add(headSeq + 1);
  candidates.add(headSeq + 2);
  const moved = new Map<number, number>(); // current seq → the seq it was chained at
  let budget = MAX_CLASSIFY_HASHES;
  for (const row of suspects) {
    let original: number | null = null;
    for (const s of candidates) {
      if (s === row.seq) continue;
      if (budget-- <= 0) break;
      if (eventHash({ ...row, seq: s }) === row.hash) {
        original = s;
        break;
      }
    }
    const what = describe(row);
    if (original === null) {
      problems.push({ seq: row.seq, problem: 'edited', message: editedMessage({ seq: row.seq, hash: row.hash, what }) });
      continue;
    }
    moved.set(row.seq, original);
    problems.push({
      seq: row.seq,
      problem: 'reordered',
      message: `event ${row.seq} (${what}) is out of order: it was recorded as event ${original}; its content is intact but its sequence number was changed`,
    });
  }

  // Gaps, except the positions rows were moved away from (reported as reordered above).
  const movedFrom = new Set(moved.values());
  for (const g of gaps) {
    const from = g.before ? `event ${g.before.seq}` : 'the start of the log';
    let start: number | null = null;
    const flush = (end: number) => {
      if (start === null) return;
      const n = end - start + 1;
      problems.push({
        seq: start,
        problem: 'missing',
        message:
          n === 1
            ? `event ${start} is missing: the log jumps from ${from} to event ${g.after.seq} (a row was deleted)`
            : `events ${start}–${end} are missing (${n} rows deleted): the log jumps from ${from} to event ${g.after.seq}`,
      });
      start = null;
    };
    if (g.to - g.from > 4 * MAX_SUSPECTS) {
      start = g.from; // too long to have been a move: all deleted
    } else {
      for (let s = g.from; s <= g.to; s++) {
        if (movedFrom.has(s)) flush(s - 1);
        else if (start === null) start = s;
      }
    }
    flush(g.to);
  }

  // Broken links not explained by a moved row on either side.
  for (const { row, prevHash, before } of links) {
    if (moved.has(row.seq) || (before && moved.has(before.seq))) continue;
    problems.push({
      seq: row.seq,
      problem: 'broken_link',
      message: before
        ? `event ${row.seq} (${row.what}) is not chained to event ${before.seq} (${before.what}): it was chained after an event with hash ${prevHash.slice(0, 12)}…, but event ${before.seq} has hash ${before.hash.slice(0, 12)}…; event ${before.seq} was replaced or rewritten with a recomputed hash`
        : `event ${row.seq} (${row.what}) is the first event but is chained after an event with hash ${prevHash.slice(0, 12)}… instead of the genesis (64 zeros): the events before it were removed and the log renumbered, or it was rewritten`,
    });
  }

  if (expectHead !== undefined && !expectedHeadFound) {
    problems.push({
      seq: headSeq,
      problem: 'head_mismatch',
      message: `the expected head ${expectHead.slice(0, 16)}… is not in the event log (its head is now event ${headSeq}, ${headHash.slice(0, 16)}…): events recorded after it were removed (the log was truncated), or the log was rewritten`,
    });
  }
  const order: Record<EventLogProblemKind, number> = {
    missing: 0,
    reordered: 1,
    edited: 2,
    broken_link: 3,
    unsigned: 4,
    bad_signature: 5,
    head_mismatch: 6,
    bad_checkpoint: 7,
    checkpoint_mismatch: 8,
  };
  problems.sort((a, b) => a.seq - b.seq || order[a.problem] - order[b.problem]);
  return { ok: problems.length === 0, events, headSeq, headHash, expectedHeadFound, signatures, problems };
}

function describe(row: EventRow): string {
  return `${row.kind}, ${row.at}${row.subject ? `, ${row.subject}` : ''}`;
}

function editedMessage(row: Seen): string {
  return `event ${row.seq} (${row.what}) was edited: its content no longer matches its hash`;
}
