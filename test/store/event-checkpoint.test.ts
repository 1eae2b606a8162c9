import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { sql } from 'kysely';
import { RotguardError } from '../../src/core/errors.js';
import { checkpointMac, recordCheckpoint, verifyEventRows, verifyFromCheckpoint } from '../../src/store/event-checkpoint.js';
import { appendEvent, readEvents, verifyEventLog } from '../../src/store/event-log.js';
import type { Store } from '../../src/store/store.js';
import { forEachBackend } from './backends.js';

/**
 * Checkpoints of the event log (store/event-checkpoint.ts): a later check walks the chain
 * from the latest MAC'd checkpoint to the head. A tamper after the checkpoint is found by
 * that walk; one before it only by the full walk from the start (or by re-checking the
 * event itself, when it is one the check reads); a forged, moved or stale checkpoint is
 * refused and the whole log walked instead.
 */
const T = '2026-03-02T09:00:00.000Z';

async function append(store: Store, n: number, from = 0): Promise<void> {
  for (let i = from + 1; i <= from + n; i++)
    await appendEvent(store.db, {
      kind: 'registered',
      subject: `m${i % 3}`,
      model: `m${i % 3}`,
      versionId: `m${i % 3}@${i}`,
      actor: 'ana',
      reason: `step ${i}`,
      payload: { buildHash: null, origin: 'built' },
    });
}

/** What someone with direct access to the database could do: remove the store's protection. */
async function dropProtection(store: Store): Promise<void> {
  if (store.backend === 'postgres') await sql`drop trigger events_append_only on events`.execute(store.db);
  else {
    await sql`drop trigger events_no_update`.execute(store.db);
    await sql`drop trigger events_no_delete`.execute(store.db);
  }
}

async function checkpointed(store: Store, events: number) {
  await append(store, events);
  const full = await verifyEventLog(store.db, { key: store.eventKey });
  const c = await recordCheckpoint(store.db, store.eventKey, full, { by: 'auditor', at: T, fromStart: true });
  assert.ok(c);
  return c;
}

const kinds = (problems: ReadonlyArray<{ problem: string; seq: number }>) => problems.map((p) => `${p.problem}@${p.seq}`);

forEachBackend('event log checkpoints', (b) => {
  it('verifies from the latest checkpoint to the head, walking only the events after it', async () => {
    const store = await b.openFresh();
    const none = await verifyFromCheckpoint(store.db, store.eventKey);
    assert.equal(none.from, null);
    assert.match(none.wholeBecause!, /no checkpoint recorded/);
    const c = await checkpointed(store, 12);
    assert.deepEqual({ seq: c.seq, events: c.events }, { seq: 12, events: 12 });
    // Recorded once per seq: a second clean run at the same head keeps the first.
    await recordCheckpoint(store.db, store.eventKey, await verifyEventLog(store.db, { key: store.eventKey }), { by: 'bob', at: T, fromStart: true });
    assert.deepEqual(
      (await store.db.selectFrom('event_checkpoints').select(['seq', 'verified_by']).execute()).map((r) => [r.seq, r.verified_by]),
      [[12, 'auditor']],
    );
    await append(store, 5, 12);
    const tail = await verifyFromCheckpoint(store.db, store.eventKey);
    assert.equal(tail.ok, true);
    assert.equal(tail.from?.seq, 12);
    assert.equal(tail.events, 5, 'events 13–17 only');
    assert.equal(tail.signatures?.checked, 5);
    const whole = await verifyEventLog(store.db, { key: store.eventKey });
    assert.deepEqual([tail.headSeq, tail.headHash], [whole.headSeq, whole.headHash]);
  });

  it('finds a tamper after the checkpoint; one before it is found by the full walk and by re-checking that event', async () => {
    const store = await b.openFresh();
    await checkpointed(store, 10);
    await append(store, 4, 10);
    await dropProtection(store);
    await store.db.updateTable('events').set({ reason: 'edited after' }).where('seq', '=', 12).execute();
    const after = await verifyFromCheckpoint(store.db, store.eventKey);
    assert.equal(after.ok, false);
    assert.deepEqual(kinds(after.problems), ['edited@12']);
    await store.db.updateTable('events').set({ reason: 'step 12' }).where('seq', '=', 12).execute();
    assert.equal((await verifyFromCheckpoint(store.db, store.eventKey)).ok, true);

    await store.db.updateTable('events').set({ reason: 'edited before' }).where('seq', '=', 4).execute();
    // The walk from the checkpoint does not revisit event 4 (said in what it reports: from.seq)…
    const fromCheckpoint = await verifyFromCheckpoint(store.db, store.eventKey);
    assert.equal(fromCheckpoint.ok, true);
    assert.equal(fromCheckpoint.from?.seq, 10);
    // …the full walk from the start does…
    const full = await verifyEventLog(store.db, { key: store.eventKey });
    assert.deepEqual(kinds(full.problems), ['edited@4']);
    // …and so does re-checking the event, for a check that reads it.
    const rows = await readEvents(store.db, { model: 'm1' });
    assert.ok(rows.some((r) => r.seq === 4));
    assert.deepEqual(kinds(verifyEventRows(rows, store.eventKey)), ['edited@4']);
    // A clean full walk is needed for a checkpoint: none is recorded from this one.
    assert.equal(await recordCheckpoint(store.db, store.eventKey, full, { by: 'auditor', at: T, fromStart: true }), null);
  });

  it('refuses a forged checkpoint (bad MAC), a moved one, and one the log no longer matches, and walks the whole log', async () => {
    const store = await b.openFresh();
    const c = await checkpointed(store, 8);
    await append(store, 4, 8);
    const head = await verifyEventLog(store.db, { key: store.eventKey });
    // Forged: a checkpoint at the head, MAC'd with another key (or made up).
    const forged = { seq: head.headSeq, hash: head.headHash, events: head.events, verifiedAt: T, verifiedBy: 'mallory' };
    const otherKey = { key: randomBytes(32), signedFromSeq: 1 };
    await store.db
      .insertInto('event_checkpoints')
      .values({ seq: forged.seq, hash: forged.hash, events: forged.events, verified_at: T, verified_by: 'mallory', mac: checkpointMac(otherKey, forged) })
      .execute();
    const refused = await verifyFromCheckpoint(store.db, store.eventKey);
    assert.equal(refused.ok, false);
    assert.equal(refused.from, null);
    assert.equal(refused.events, 12, 'the whole log walked instead');
    assert.deepEqual(kinds(refused.problems), ['bad_checkpoint@12']);
    assert.match(refused.problems[0]!.message, /MAC this workspace's event key did not make/);
    await store.db.deleteFrom('event_checkpoints').where('seq', '=', 12).execute();

    // Moved: the genuine checkpoint's MAC on a later seq and hash.
    const genuine = await store.db.selectFrom('event_checkpoints').selectAll().where('seq', '=', c.seq).executeTakeFirstOrThrow();
    await store.db
      .insertInto('event_checkpoints')
      .values({ ...genuine, seq: head.headSeq, hash: head.headHash })
      .execute();
    assert.deepEqual(kinds((await verifyFromCheckpoint(store.db, store.eventKey)).problems), ['bad_checkpoint@12']);
    await store.db.deleteFrom('event_checkpoints').where('seq', '=', 12).execute();
    assert.equal((await verifyFromCheckpoint(store.db, store.eventKey)).from?.seq, 8);

    // Stale: the log rewritten up to the checkpoint (event 8 replaced, hash recomputed or not).
    await dropProtection(store);
    await store.db
      .updateTable('events')
      .set({ hash: 'f'.repeat(64) })
      .where('seq', '=', 8)
      .execute();
    const stale = await verifyFromCheckpoint(store.db, store.eventKey);
    assert.equal(stale.ok, false);
    assert.equal(stale.from, null);
    assert.ok(kinds(stale.problems).includes('checkpoint_mismatch@8'), kinds(stale.problems).join());
  });

  it('needs the event key: without one there is no checkpoint, and the whole log is walked', async () => {
    const store = await b.openFresh();
    await checkpointed(store, 3);
    const keyless = await verifyFromCheckpoint(store.db, null);
    assert.equal(keyless.from, null);
    assert.equal(keyless.events, 3);
    assert.match(keyless.wholeBecause!, /no event key/);
    await assert.rejects(
      recordCheckpoint(store.db, null, await verifyEventLog(store.db), { by: 'auditor', at: T, fromStart: true }),
      (e) => e instanceof RotguardError && e.code === 'no_event_key',
    );
  });
});
