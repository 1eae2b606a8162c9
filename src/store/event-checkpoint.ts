/**
 * Checkpoints of the event log: a hash chain verifies only from its start, so checking a
 * 50,000-event log costs 50,000 hashes however little of it a question depends on. A full
 * verification that finds the chain intact can record its head (seq, hash) as a checkpoint,
 * MAC'd with the workspace's event key (store/event-key.ts). A later, narrower check (the
 * per-version audit) then verifies the chain from the latest checkpoint to the head, after
 * checking that the checkpoint's MAC is this workspace's and that event `seq` still has
 * the checkpointed hash.
 *
 * What this does not see, and says so: an edit or a deletion before the checkpoint made
 * after it was recorded (the chain up to it is not walked again). The full verification
 * (`rotguard audit verify`) still walks every event from the start and finds those; the
 * per-version audit re-hashes and signature-checks the events it reads itself, so an edit
 * to one of the version's own events is found there too (verifyEventRows).
 *
 * Trust rests on the event key, as the events' own MACs do: someone who can write the
 * database but not read the key file cannot forge a checkpoint (its MAC is refused and
 * reported), nor move one (the MAC covers seq and hash). Deleting checkpoints only makes the
 * next check walk the whole log. Without a key there are no checkpoints: the log is walked whole.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { RotguardError } from '../core/errors.js';
import { canonicalJson } from '../core/hash.js';
import { macMatches, type EventKey } from './event-key.js';
import { eventHash, verifyEventLog, type EventDb, type EventLogProblem, type EventLogVerification, type EventRow } from './event-log.js';

export interface EventCheckpoint {
  seq: number;
  hash: string;
  /** Events the full verification read. */
  events: number;
  verifiedAt: string;
  verifiedBy: string;
}

/** Separates a checkpoint's MAC from an event's (which is over the bare event hash). */
const MAC_DOMAIN = 'rotguard event-log checkpoint v1\n';

export function checkpointMac(key: EventKey, c: EventCheckpoint): string {
  return createHmac('sha256', key.key)
    .update(MAC_DOMAIN + canonicalJson({ seq: c.seq, hash: c.hash, events: c.events, verifiedAt: c.verifiedAt, verifiedBy: c.verifiedBy }))
    .digest('hex');
}

function checkpointMacMatches(key: EventKey, c: EventCheckpoint, mac: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(mac)) return false;
  return timingSafeEqual(Buffer.from(checkpointMac(key, c), 'hex'), Buffer.from(mac, 'hex'));
}

/**
 * Records the head of a full, clean verification as a checkpoint (once per seq). Refuses a
 * verification that found problems, one that started from a checkpoint itself, and a
 * workspace without an event key.
 */
export async function recordCheckpoint(
  db: EventDb,
  key: EventKey | null,
  v: EventLogVerification,
  o: { by: string; at: string; fromStart: boolean },
): Promise<EventCheckpoint | null> {
  if (!key)
    throw new RotguardError(
      'no_event_key',
      'this workspace has no event key: a checkpoint is signed with it (open the workspace with a migrating command once to create .rotguard/event-key.json)',
    );
  if (!v.ok || !o.fromStart || v.headSeq === 0) return null;
  const c: EventCheckpoint = { seq: v.headSeq, hash: v.headHash, events: v.events, verifiedAt: o.at, verifiedBy: o.by };
  await db
    .insertInto('event_checkpoints')
    .values({ seq: c.seq, hash: c.hash, events: c.events, verified_at: c.verifiedAt, verified_by: c.verifiedBy, mac: checkpointMac(key, c) })
    .onConflict((oc) => oc.column('seq').doNothing())
    .execute();
  return c;
}

export interface CheckpointedVerification extends EventLogVerification {
  /** The checkpoint the walk started after; null when it walked the whole log. */
  from: EventCheckpoint | null;
  /** Why the whole log was walked, when it was. */
  wholeBecause: string | null;
}

/**
 * Verifies the log from its latest checkpoint to the head (chain, hashes, signatures), or
 * the whole log when there is no usable checkpoint. A checkpoint with a MAC this key did not
 * make, or one whose event no longer has the checkpointed hash, is reported as a problem,
 * and the whole log is walked instead.
 */
export async function verifyFromCheckpoint(db: EventDb, key: EventKey | null): Promise<CheckpointedVerification> {
  const whole = async (because: string, problems: EventLogProblem[] = []): Promise<CheckpointedVerification> => {
    const v = await verifyEventLog(db, { key });
    const all = [...problems, ...v.problems];
    return { ...v, ok: v.ok && !problems.length, problems: all, from: null, wholeBecause: because };
  };
  if (!key) return whole('the workspace has no event key, so no checkpoint can be trusted');
  const row = await db.selectFrom('event_checkpoints').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirst();
  if (!row) return whole('no checkpoint recorded (rotguard audit verify --checkpoint records one)');
  const c: EventCheckpoint = { seq: row.seq, hash: row.hash, events: row.events, verifiedAt: row.verified_at, verifiedBy: row.verified_by };
  if (!checkpointMacMatches(key, c, row.mac))
    return whole(`checkpoint at event ${c.seq} refused`, [
      {
        seq: c.seq,
        problem: 'bad_checkpoint',
        message: `the checkpoint at event ${c.seq} (verified ${c.verifiedAt} by ${c.verifiedBy}) has a MAC this workspace's event key did not make: forged or altered; it was ignored and the whole log verified`,
      },
    ]);
  const at = await db.selectFrom('events').select('hash').where('seq', '=', c.seq).executeTakeFirst();
  if (!at || at.hash !== c.hash)
    return whole(`checkpoint at event ${c.seq} no longer matches the log`, [
      {
        seq: c.seq,
        problem: 'checkpoint_mismatch',
        message: at
          ? `event ${c.seq} has hash ${at.hash.slice(0, 12)}…, but it had ${c.hash.slice(0, 12)}… when the log was verified at ${c.verifiedAt}: the log was rewritten up to it since`
          : `event ${c.seq}, verified at ${c.verifiedAt}, is no longer in the log: events were deleted since`,
      },
    ]);
  return { ...(await verifyEventLog(db, { key, from: c })), from: c, wholeBecause: null };
}

/**
 * Re-checks single events read for a question (a version's own events): each one's content
 * still hashes to its stored hash (which covers its seq and its predecessor's hash), and it
 * carries this workspace's signature where one is due. Cheap, and it finds an edit to these
 * events wherever they sit, checkpoint or not.
 */
export function verifyEventRows(rows: readonly EventRow[], key: EventKey | null): EventLogProblem[] {
  const problems: EventLogProblem[] = [];
  for (const row of rows) {
    const what = `${row.kind}, ${row.at}${row.subject ? `, ${row.subject}` : ''}`;
    if (eventHash(row) !== row.hash)
      problems.push({ seq: row.seq, problem: 'edited', message: `event ${row.seq} (${what}) was edited: its content no longer matches its hash` });
    else if (key && row.seq >= key.signedFromSeq) {
      if (!macMatches(key, row.hash, row.mac))
        problems.push({
          seq: row.seq,
          problem: row.mac ? 'bad_signature' : 'unsigned',
          message: `event ${row.seq} (${what}) does not carry this workspace's signature`,
        });
    }
  }
  return problems;
}
