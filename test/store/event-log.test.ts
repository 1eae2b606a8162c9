import assert from 'node:assert/strict';
import { it } from 'node:test';
import Sqlite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { withClock } from '../../src/core/clock.js';
import { modelEvents, recordEvent } from '../../src/registry/registry.js';
import {
  appendEvent,
  eventHash,
  eventLogHead,
  GENESIS_HASH,
  latestEvent,
  readEvents,
  verifyEventLog,
  type EventLogProblem,
} from '../../src/store/event-log.js';
import { migrationProvider } from '../../src/store/migrations.js';
import { openStore, STORE_FILE, type Store } from '../../src/store/store.js';
import { forEachBackend, type StoreLocation } from './backends.js';

/** n events on two models and two other subjects, all at the same (simulated) millisecond. */
async function seed(store: Store, n = 6): Promise<void> {
  await withClock('2026-03-02T09:00:00.000Z', async () => {
    for (let i = 1; i <= n; i++) {
      await appendEvent(store.db, {
        kind: i % 3 === 0 ? 'promoted_champion' : 'registered',
        subject: i % 2 ? 'sol-rf' : `snapshot:${String(i).repeat(8)}`,
        model: i % 2 ? 'sol-rf' : null,
        versionId: i % 2 ? `sol-rf@${i}` : null,
        actor: 'ana',
        reason: `step ${i}`,
        payload: { previous: null, gate: `${i}`.repeat(64), checks: [{ passed: true, check: 'minTestSize', value: i, threshold: 1 }], builder: 'ben' },
      });
    }
  });
}

/** What someone with direct access to the database could do: remove the store's protection. */
async function dropProtection(store: Store): Promise<void> {
  if (store.backend === 'postgres') {
    await sql`drop trigger events_append_only on events`.execute(store.db);
  } else {
    await sql`drop trigger events_no_update`.execute(store.db);
    await sql`drop trigger events_no_delete`.execute(store.db);
  }
}

const kinds = (problems: EventLogProblem[]) => problems.map((p) => `${p.problem}@${p.seq}`);

forEachBackend('event log', (b) => {
  it('chains events in seq order from the genesis, whatever their timestamps, and verifies', async () => {
    const store = await b.openFresh();
    assert.deepEqual(await verifyEventLog(store.db), {
      ok: true,
      events: 0,
      headSeq: 0,
      headHash: GENESIS_HASH,
      expectedHeadFound: null,
      signatures: null,
      problems: [],
    });
    await seed(store);
    // Inside a caller's transaction too (the event commits with the change it records).
    await store.db.transaction().execute(async (trx) => {
      await trx.insertInto('teams').values({ name: 'dmpk', created_at: '2026-03-02T09:00:00.000Z' }).execute();
      await appendEvent(trx, { kind: 'retrain_override', subject: 'team:dmpk', actor: 'ana' });
    });
    // Rolled back with its transaction: no event, no gap.
    await assert.rejects(
      store.db.transaction().execute(async (trx) => {
        await appendEvent(trx, { kind: 'unfrozen', subject: 'x', actor: 'ana' });
        throw new Error('boom');
      }),
      /boom/,
    );
    const all = await readEvents(store.db);
    assert.deepEqual(
      all.map((e) => e.seq),
      [1, 2, 3, 4, 5, 6, 7],
    );
    assert.equal(all[0]!.prev_hash, GENESIS_HASH);
    for (const [i, e] of all.entries()) {
      assert.equal(e.hash, eventHash(e));
      if (i) assert.equal(e.prev_hash, all[i - 1]!.hash);
    }
    assert.equal(
      all[1]!.payload,
      `{"builder":"ben","checks":[{"check":"minTestSize","passed":true,"threshold":1,"value":2}],"gate":"${'2'.repeat(64)}","previous":null}`,
      'canonical JSON',
    );
    const v = await verifyEventLog(store.db);
    assert.deepEqual(
      { ...v, problems: kinds(v.problems) },
      { ok: true, events: 7, headSeq: 7, headHash: all[6]!.hash, expectedHeadFound: null, signatures: null, problems: [] },
    );
    assert.deepEqual(await eventLogHead(store.db), { seq: 7, hash: all[6]!.hash });
    assert.equal((await verifyEventLog(store.db, { expectHead: all[3]!.hash.toUpperCase() })).expectedHeadFound, true);

    // Readers: by model, by kind, latest of a kind (highest seq, though every `at` ties).
    assert.deepEqual(
      (await readEvents(store.db, { model: 'sol-rf' })).map((e) => e.seq),
      [1, 3, 5],
    );
    assert.deepEqual(
      (await readEvents(store.db, { kind: ['promoted_champion', 'retrain_override'] })).map((e) => e.seq),
      [3, 6, 7],
    );
    assert.equal((await latestEvent(store.db, { model: 'sol-rf', kind: 'registered' }))!.seq, 5);
    assert.equal((await readEvents(store.db, { afterSeq: 5, limit: 1 }))[0]!.seq, 6);
  });

  it('keeps a model history apart from other events about the model (recordEvent / modelEvents)', async () => {
    const store = await b.openFresh();
    await recordEvent(store.db, {
      kind: 'registered',
      model: 'sol-rf',
      versionId: 'sol-rf@1',
      actor: 'ana',
      reason: 'built',
      payload: { buildHash: null, origin: 'imported' },
    });
    await appendEvent(store.db, {
      kind: 'predicted',
      subject: 'request:r1',
      model: 'sol-rf',
      versionId: 'sol-rf@1',
      actor: 'carl',
      payload: { request: 'r1', count: 3, digest: '0'.repeat(64), complete: true },
    });
    await recordEvent(store.db, {
      kind: 'promoted_champion',
      model: 'sol-rf',
      versionId: 'sol-rf@1',
      actor: 'ben',
      reason: 'ok',
      payload: { previous: null, gate: null, checks: null, builder: 'ana' },
    });
    const history = await modelEvents(store, 'sol-rf');
    assert.deepEqual(
      history.map((e) => [e.seq, e.kind]),
      [
        [1, 'registered'],
        [3, 'promoted_champion'],
      ],
    );
    assert.equal((await latestEvent(store.db, { model: 'sol-rf', kind: 'predicted' }))!.subject, 'request:r1');
  });

  it('serializes concurrent appenders: no fork, no gap', async () => {
    const location = await b.freshLocation();
    const one = await openStore({ ...location, migrate: true });
    // PostgreSQL: a second pool on the same database appends at the same time (the advisory
    // lock serializes them). SQLite: one connection per process, so other processes (below).
    const two = b.backend === 'postgres' ? await openStore({ ...location }) : one;
    try {
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          i % 3 === 0
            ? (i % 2 ? one : two).db.transaction().execute((trx) => appendEvent(trx, { kind: 'unfrozen', subject: `n:${i}`, actor: 'ana' }))
            : appendEvent((i % 2 ? one : two).db, { kind: 'retrain_override', subject: `n:${i}`, actor: 'ana', reason: `${i}` }),
        ),
      );
      if (b.backend === 'sqlite') {
        const module = new URL('../../src/store/event-log.js', import.meta.url).href;
        const store = new URL('../../src/store/store.js', import.meta.url).href;
        const child = `import { appendEvent } from ${JSON.stringify(module)}; import { openStore } from ${JSON.stringify(store)};
          const s = await openStore({ workspace: ${JSON.stringify(location.workspace)} });
          for (let i = 0; i < 15; i++) await appendEvent(s.db, { kind: 'proc', subject: 'p:' + process.pid, actor: 'ana', payload: { i } });
          await s.close();`;
        const runs = Array.from(
          { length: 3 },
          () =>
            new Promise<number | null>((resolve) => {
              spawn(process.execPath, ['--input-type=module', '-e', child], { stdio: 'inherit' }).on('exit', resolve);
            }),
        );
        assert.deepEqual(await Promise.all(runs), [0, 0, 0]);
      }
      const v = await verifyEventLog(one.db);
      const n = b.backend === 'sqlite' ? 75 : 30;
      assert.deepEqual([v.ok, v.events, v.headSeq], [true, n, n], JSON.stringify(v.problems));
    } finally {
      await one.close();
      if (two !== one) await two.close();
    }
  });

  it('refuses UPDATE and DELETE on the event log', async () => {
    const store = await b.openFresh();
    await seed(store, 3);
    await assert.rejects(store.db.updateTable('events').set({ reason: 'nothing happened' }).where('seq', '=', 2).execute(), /append-only/);
    await assert.rejects(store.db.deleteFrom('events').where('seq', '=', 3).execute(), /append-only/);
    if (b.backend === 'postgres') await assert.rejects(sql`truncate events`.execute(store.db), /append-only/);
    assert.equal((await verifyEventLog(store.db)).events, 3);
    assert.ok((await verifyEventLog(store.db)).ok);
  });

  it('finds an edited event, naming it', async () => {
    const store = await b.openFresh();
    await seed(store);
    await dropProtection(store);
    await store.db.updateTable('events').set({ payload: '{"i":3,"nested":{"a":[3,null],"b":2}}' }).where('seq', '=', 3).execute();
    const v = await verifyEventLog(store.db);
    assert.equal(v.ok, false);
    assert.deepEqual(kinds(v.problems), ['edited@3']);
    assert.match(
      v.problems[0]!.message,
      /^event 3 \(promoted_champion, 2026-03-02T09:00:00\.000Z, sol-rf\) was edited: its content no longer matches its hash$/,
    );
  });

  it('finds an event rewritten with a recomputed hash by the broken link after it', async () => {
    const store = await b.openFresh();
    await seed(store);
    await dropProtection(store);
    const row = (await readEvents(store.db, { afterSeq: 3, limit: 1 }))[0]!;
    const forged = { ...row, actor: 'mallory' };
    await store.db
      .updateTable('events')
      .set({ actor: 'mallory', hash: eventHash(forged) })
      .where('seq', '=', 4)
      .execute();
    const v = await verifyEventLog(store.db);
    assert.deepEqual(kinds(v.problems), ['broken_link@5']);
    assert.match(v.problems[0]!.message, /event 5 .* is not chained to event 4 .*event 4 was replaced or rewritten/);
  });

  it('finds a deleted event as a gap', async () => {
    const store = await b.openFresh();
    await seed(store);
    await dropProtection(store);
    await store.db.deleteFrom('events').where('seq', '=', 3).execute();
    const v = await verifyEventLog(store.db);
    assert.deepEqual(kinds(v.problems), ['missing@3']);
    assert.match(v.problems[0]!.message, /^event 3 is missing: the log jumps from event 2 to event 4/);
    await store.db.deleteFrom('events').where('seq', 'in', [1, 5]).execute();
    assert.deepEqual(kinds((await verifyEventLog(store.db)).problems), ['missing@1', 'missing@3', 'missing@5']);
  });

  it('finds two events whose seq were swapped', async () => {
    const store = await b.openFresh();
    await seed(store);
    await dropProtection(store);
    await store.db.updateTable('events').set({ seq: -2 }).where('seq', '=', 2).execute();
    await store.db.updateTable('events').set({ seq: 2 }).where('seq', '=', 5).execute();
    await store.db.updateTable('events').set({ seq: 5 }).where('seq', '=', -2).execute();
    const v = await verifyEventLog(store.db);
    assert.deepEqual(kinds(v.problems), ['reordered@2', 'reordered@5']);
    assert.match(v.problems[0]!.message, /^event 2 \(registered, .*\) is out of order: it was recorded as event 5/);
  });

  it('finds a truncated tail only against a head recorded earlier (--expect-head)', async () => {
    const store = await b.openFresh();
    await seed(store, 4);
    const early = await verifyEventLog(store.db);
    await seed(store, 3);
    const recorded = await verifyEventLog(store.db);
    assert.equal(recorded.headSeq, 7);
    assert.ok((await verifyEventLog(store.db, { expectHead: early.headHash })).ok, 'an earlier head is still in a grown log');
    await dropProtection(store);
    await store.db.deleteFrom('events').where('seq', '>', 5).execute();
    const blind = await verifyEventLog(store.db);
    assert.ok(blind.ok, 'without a recorded head, a shorter log is a valid chain');
    const v = await verifyEventLog(store.db, { expectHead: recorded.headHash });
    assert.equal(v.ok, false);
    assert.equal(v.expectedHeadFound, false);
    assert.deepEqual(kinds(v.problems), ['head_mismatch@5']);
    assert.match(v.problems[0]!.message, /is not in the event log .*truncated/);
  });

  it('carries registry_events over from a store at migration 0003, in (at, id) order', async () => {
    const location = await b.freshLocation();
    const db = rawKysely(location);
    try {
      const { error } = await new Migrator({ db, provider: migrationProvider }).migrateTo('0003_predictions');
      assert.equal(error, undefined);
      const ev = (id: string, at: string, kind: string, model: string) => ({
        id,
        at,
        actor: 'ana',
        kind,
        model,
        version_id: `${model}@1`,
        reason: kind,
        payload: '{"a":1}',
      });
      await db
        .insertInto('registry_events')
        .values([
          ev('c', '2026-01-02T00:00:00.000Z', 'promoted_champion', 'm1'),
          ev('b', '2026-01-01T00:00:00.000Z', 'registered', 'm2'),
          ev('a', '2026-01-01T00:00:00.000Z', 'registered', 'm1'),
        ])
        .execute();
    } finally {
      await db.destroy();
    }
    const store = await openStore({ ...location, migrate: true });
    try {
      const events = await readEvents(store.db);
      assert.deepEqual(
        events.map((e) => [e.seq, e.id, e.subject, e.model, e.kind]),
        [
          [1, 'a', 'm1', 'm1', 'registered'],
          [2, 'b', 'm2', 'm2', 'registered'],
          [3, 'c', 'm1', 'm1', 'promoted_champion'],
        ],
      );
      assert.equal(events[2]!.payload, '{"a":1}');
      assert.ok((await verifyEventLog(store.db)).ok);
      assert.deepEqual(
        (await modelEvents(store, 'm1')).map((e) => e.kind),
        ['registered', 'promoted_champion'],
      );
      await assert.rejects(sql`select count(*) from registry_events`.execute(store.db));
      await appendEvent(store.db, { kind: 'unfrozen', subject: 'x', actor: 'ana' });
      assert.deepEqual([(await verifyEventLog(store.db)).ok, (await eventLogHead(store.db)).seq], [true, 4]);
    } finally {
      await store.close();
    }
  });
});

function rawKysely(location: StoreLocation): Kysely<any> {
  if (location.databaseUrl) return new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: location.databaseUrl, max: 1 }) }) });
  return new Kysely<any>({ dialect: new SqliteDialect({ database: new Sqlite(join(location.workspace, STORE_FILE)) }) });
}
