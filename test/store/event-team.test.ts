/**
 * Events carry their team (migration 0010). The hash covers the team only when it is set:
 * a log written before the migration verifies unchanged afterwards, and changing the team
 * of an event (or giving an old event one) breaks its hash.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import Sqlite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { withActingTeam } from '../../src/core/acting-team.js';
import { canonicalJson, sha256Hex } from '../../src/core/hash.js';
import { appendEvent, eventHash, GENESIS_HASH, verifyEventLog, type HashedEventFields } from '../../src/store/event-log.js';
import { migrationProvider } from '../../src/store/migrations.js';
import type { Database } from '../../src/store/schema.js';
import { openStore, STORE_FILE, type Store } from '../../src/store/store.js';
import { forEachBackend, type StoreLocation } from './backends.js';

/** The event hash as rotguard computed it before teams existed. */
function hashBeforeTeams(e: HashedEventFields): string {
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
    }),
  );
}

/** A store migrated only up to the migration before tenancy, with three events written as an older rotguard wrote them. */
async function writeOldLog(location: StoreLocation): Promise<HashedEventFields[]> {
  const db = new Kysely<Database>({
    dialect: location.databaseUrl
      ? new PostgresDialect({ pool: new pg.Pool({ connectionString: location.databaseUrl, max: 1 }) })
      : new SqliteDialect({ database: new Sqlite(join(location.workspace, STORE_FILE)) }),
  });
  try {
    const { error } = await new Migrator({ db, provider: migrationProvider }).migrateTo('0008_window_evidence');
    assert.equal(error, undefined);
    const rows: HashedEventFields[] = [];
    let prev = GENESIS_HASH;
    for (let seq = 1; seq <= 3; seq++) {
      const fields: HashedEventFields = {
        seq,
        prev_hash: prev,
        id: `old-${seq}`,
        at: `2025-01-0${seq}T00:00:00.000Z`,
        actor: 'ana',
        kind: 'unfrozen',
        subject: 'sol-rf',
        model: 'sol-rf',
        version_id: null,
        reason: `old ${seq}`,
        payload: '{}',
      };
      prev = hashBeforeTeams(fields);
      rows.push(fields);
      await db
        .insertInto('events')
        .values({ ...fields, hash: prev, mac: null } as never)
        .execute();
    }
    return rows;
  } finally {
    await db.destroy();
  }
}

async function dropProtection(store: Store): Promise<void> {
  if (store.backend === 'postgres') await sql`drop trigger events_append_only on events`.execute(store.db);
  else await sql`drop trigger events_no_update`.execute(store.db);
}

forEachBackend('events and their team', (b) => {
  it('an event without a team hashes as before teams existed; with one, the team is hashed', () => {
    const e: HashedEventFields = {
      seq: 7,
      prev_hash: GENESIS_HASH,
      id: 'x',
      at: '2026-01-01T00:00:00.000Z',
      actor: 'ana',
      kind: 'unfrozen',
      subject: 's',
      model: null,
      version_id: null,
      reason: '',
      payload: '{}',
    };
    assert.equal(eventHash(e), hashBeforeTeams(e));
    assert.equal(eventHash({ ...e, team: null }), hashBeforeTeams(e));
    assert.notEqual(eventHash({ ...e, team: 'a' }), hashBeforeTeams(e));
    assert.notEqual(eventHash({ ...e, team: 'a' }), eventHash({ ...e, team: 'b' }));
  });

  it('a log written before migration 0010 still verifies after it; new events take an explicit or the acting team', async () => {
    const location = await b.freshLocation();
    await writeOldLog(location);
    const store = await openStore({ ...location, migrate: true });
    try {
      const before = await verifyEventLog(store.db, { key: store.eventKey });
      assert.ok(before.ok, JSON.stringify(before.problems));
      assert.equal(before.signatures?.legacy, 3);
      const explicit = await appendEvent(store.db, { kind: 'unfrozen', subject: 's', actor: 'ana', team: 'a', reason: '' });
      const acting = await withActingTeam('b', () => appendEvent(store.db, { kind: 'unfrozen', subject: 's', actor: 'ana', reason: '' }));
      const shared = await withActingTeam('b', () => appendEvent(store.db, { kind: 'unfrozen', subject: 's', actor: 'ana', team: null, reason: '' }));
      const none = await appendEvent(store.db, { kind: 'unfrozen', subject: 's', actor: 'ana', reason: '' });
      assert.deepEqual([explicit.team, acting.team, shared.team, none.team], ['a', 'b', null, null]);
      assert.equal(explicit.prev_hash, before.headHash);
      const after = await verifyEventLog(store.db, { key: store.eventKey });
      assert.ok(after.ok, JSON.stringify(after.problems));
      assert.equal(after.events, 7);
      const teams = await store.db.selectFrom('events').select(['seq', 'team']).orderBy('seq').execute();
      assert.deepEqual(
        teams.map((r) => r.team),
        [null, null, null, 'a', 'b', null, null],
      );
    } finally {
      await store.close();
    }
  });

  it('changing an event’s team, or giving an old event one, breaks its hash', async () => {
    const location = await b.freshLocation();
    await writeOldLog(location);
    const store = await openStore({ ...location, migrate: true });
    try {
      await appendEvent(store.db, { kind: 'unfrozen', subject: 's', actor: 'ana', team: 'a', reason: '' });
      await appendEvent(store.db, { kind: 'unfrozen', subject: 's', actor: 'ana', team: null, reason: '' });
      await dropProtection(store);
      await store.db.updateTable('events').set({ team: 'b' }).where('seq', '=', 4).execute();
      await store.db.updateTable('events').set({ team: 'b' }).where('seq', '=', 5).execute();
      await store.db.updateTable('events').set({ team: 'a' }).where('seq', '=', 2).execute();
      const v = await verifyEventLog(store.db);
      assert.equal(v.ok, false);
      assert.deepEqual(
        v.problems.filter((p) => p.problem === 'edited').map((p) => p.seq),
        [2, 4, 5],
      );
    } finally {
      await store.close();
    }
  });
});
