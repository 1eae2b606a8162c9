/**
 * Migration 0010_tenancy on a store that already has data: every team-owned row gets its
 * team (predictions, aliases and window evidence from their model version, a snapshot
 * from the first build on it, else its definition's only team), on both backends.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import Sqlite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { sha256Hex } from '../../src/core/hash.js';
import { migrationProvider } from '../../src/store/migrations.js';
import type { Database } from '../../src/store/schema.js';
import { openStore, STORE_FILE } from '../../src/store/store.js';
import { forEachBackend } from './backends.js';
import { insertShared, insertTeamRows } from './tenancy-rows.js';

const T = '2026-11-26T10:00:00.000Z';

forEachBackend('migration 0010 backfills teams', (b) => {
  it('gives existing predictions, aliases, window evidence and snapshots their team', async () => {
    const location = await b.freshLocation();
    const db = new Kysely<Database>({
      dialect: location.databaseUrl
        ? new PostgresDialect({ pool: new pg.Pool({ connectionString: location.databaseUrl, max: 1 }) })
        : new SqliteDialect({ database: new Sqlite(join(location.workspace, STORE_FILE)) }),
    });
    try {
      assert.equal((await new Migrator({ db, provider: migrationProvider }).migrateTo('0008_window_evidence')).error, undefined);
      await insertShared({ db });
      for (const team of ['a', 'b']) await insertTeamRows({ db }, team, { beforeTenancy: true });
      const snapshot = (hash: string, definition: object) =>
        db
          .insertInto('snapshots')
          .values({
            hash,
            endpoint: 'sol',
            definition: JSON.stringify(definition),
            blob: hash,
            measurements: 0,
            compounds: 0,
            created_at: T,
            created_by: 'ana',
          } as never)
          .execute();
      await snapshot(sha256Hex('one team'), { endpoint: 'sol', teams: ['z'], aggregation: { method: 'mean', censored: 'drop' } });
      await snapshot(sha256Hex('two teams'), { endpoint: 'sol', teams: ['y', 'z'], aggregation: { method: 'mean', censored: 'drop' } });
    } finally {
      await db.destroy();
    }
    const store = await openStore({ ...location, migrate: true });
    try {
      const teamsOf = async (table: 'predictions' | 'model_aliases' | 'window_evidence') =>
        (await store.db.selectFrom(table).select('team').execute()).map((r) => r.team).sort();
      assert.deepEqual(await teamsOf('predictions'), ['a', 'b']);
      assert.deepEqual(await teamsOf('model_aliases'), ['a', 'b']);
      assert.deepEqual(await teamsOf('window_evidence'), ['a', 'b']);
      const snapshots = new Map((await store.db.selectFrom('snapshots').select(['hash', 'team']).execute()).map((r) => [r.hash, r.team]));
      assert.equal(snapshots.get(sha256Hex('snap-a')), 'a', 'from its build');
      assert.equal(snapshots.get(sha256Hex('snap-b')), 'b', 'from its build');
      assert.equal(snapshots.get(sha256Hex('one team')), 'z', "from the definition's only team");
      assert.equal(snapshots.get(sha256Hex('two teams')), null, 'no single team: none');
    } finally {
      await store.close();
    }
  });
});
