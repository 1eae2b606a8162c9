/**
 * Row-level security on PostgreSQL, seen from the server's own login role with plain SQL:
 * a connection acting for team a sees a's rows and those of teams that granted a read
 * access, in every team-owned table, and nothing else; it cannot change another team's
 * rows, the schema, or its own role. Then the same through openTenantStores (one pool,
 * one Store per team) and the event log's chain across teams.
 *
 * Needs ROTGUARD_TEST_DATABASE_URL with a role that may CREATE DATABASE and CREATE ROLE
 * (.ci/run creates it so); each test makes its own database and server role and drops both.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { withActingTeam } from '../../src/core/acting-team.js';
import { appendEvent, readEvents, verifyEventLog } from '../../src/store/event-log.js';
import { openStore, type Store } from '../../src/store/store.js';
import { openTenantStores } from '../../src/store/tenant.js';
import { grantServerPrivileges } from '../../src/usecases/workspace.js';
import { postgresSkipReason, TEST_DATABASE_URL_ENV } from './backends.js';
import { forEachBackend, testBackend } from './backends.js';
import { insertShared, insertTeamRows, TEAM_TABLES } from './tenancy-rows.js';
import { RotguardError } from '../../src/core/errors.js';

const T = '2026-11-26T10:00:00.000Z';

async function adminQuery<T extends pg.QueryResultRow>(text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: process.env[TEST_DATABASE_URL_ENV] });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

async function canCreateRoles(): Promise<boolean> {
  const [r] = await adminQuery<{ ok: boolean }>('select rolcreaterole or rolsuper as ok from pg_roles where rolname = current_user');
  return Boolean(r?.ok);
}

const skip = postgresSkipReason();

describe('row-level security for the server role [postgres]', { skip }, () => {
  let store: Store;
  let serverUrl: string;
  let ownerUrl: string;
  let role: string;
  let workspace: string;
  const roleSkip = { reason: '' };
  const cleanups: Array<() => Promise<unknown>> = [];

  before(async () => {
    if (!(await canCreateRoles())) {
      roleSkip.reason = `the role of ${TEST_DATABASE_URL_ENV} cannot CREATE ROLE (grant it CREATEROLE, as .ci/run does)`;
      return;
    }
    const locations = testBackend('postgres');
    cleanups.push(() => locations.cleanup());
    const location = await locations.freshLocation();
    workspace = location.workspace;
    ownerUrl = location.databaseUrl!;
    store = await openStore({ ...location, migrate: true });
    cleanups.unshift(() => store.close());
    role = `rotguard_srv_${process.pid}_${randomBytes(4).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    await adminQuery(`create role ${role} login password '${password}'`);
    // The database goes first (its grants with it), then the role.
    cleanups.push(() => adminQuery(`drop role if exists ${role}`));
    const granted = await grantServerPrivileges({ databaseUrl: ownerUrl, role });
    assert.deepEqual(granted.tables.events, ['select', 'insert']);
    assert.deepEqual(granted.tables.event_checkpoints, ['select', 'insert']);
    assert.deepEqual(granted.tables.predictions, ['select', 'insert', 'update', 'delete']);
    const url = new URL(ownerUrl);
    url.username = role;
    url.password = password;
    serverUrl = url.toString();
    await insertShared(store);
    for (const team of ['a', 'b', 'c']) {
      await insertTeamRows(store, team);
      await appendEvent(store.db, { kind: 'unfrozen', subject: `m-${team}`, model: `m-${team}`, actor: 'ana', reason: `event of ${team}` });
    }
    await appendEvent(store.db, { kind: 'unfrozen', subject: 'standard', actor: 'steward', team: null, reason: 'shared standard' });
    // b lets a read its rows; nobody granted c's.
    await store.db.insertInto('team_grants').values({ owner_team: 'b', grantee_team: 'a', granted_at: T, granted_by: 'admin' }).execute();
  });

  after(async () => {
    for (const c of cleanups) await c();
  });

  async function asServer<R>(team: string | null, fn: (c: pg.Client) => Promise<R>): Promise<R> {
    const c = new pg.Client({ connectionString: serverUrl });
    await c.connect();
    try {
      if (team !== null) await c.query(`set rotguard.team = '${team}'`);
      return await fn(c);
    } finally {
      await c.end();
    }
  }

  const teamsIn = async (c: pg.Client, table: string) =>
    (await c.query<{ team: string | null }>(`select distinct team from ${table}`)).rows.map((r) => r.team ?? 'null').sort();

  it('sees only its own team and the teams that granted it, in every team-owned table', async (t) => {
    if (roleSkip.reason) return t.skip(roleSkip.reason);
    await asServer('a', async (c) => {
      for (const table of TEAM_TABLES) assert.deepEqual(await teamsIn(c, table), ['a', 'b'], table);
      assert.deepEqual(await teamsIn(c, 'events'), ['a', 'b', 'null'], 'events: own, granted, shared');
      // Shared standards are readable by all.
      assert.equal((await c.query('select * from endpoints')).rowCount, 1);
    });
    await asServer('c', async (c) => {
      for (const table of TEAM_TABLES) assert.deepEqual(await teamsIn(c, table), ['c'], table);
      assert.deepEqual(await teamsIn(c, 'events'), ['c', 'null']);
    });
    // No team set: no team-owned row at all, only shared events.
    await asServer(null, async (c) => {
      for (const table of TEAM_TABLES) assert.deepEqual(await teamsIn(c, table), [], table);
      assert.deepEqual(await teamsIn(c, 'events'), ['null']);
    });
  });

  it("cannot update or delete another team's rows, even a granted team's, nor move its own rows to another team", async (t) => {
    if (roleSkip.reason) return t.skip(roleSkip.reason);
    await asServer('a', async (c) => {
      for (const table of TEAM_TABLES) {
        for (const other of ['b', 'c']) {
          assert.equal((await c.query(`update ${table} set team = team where team = '${other}'`)).rowCount, 0, `${table}: update ${other}`);
          assert.equal((await c.query(`delete from ${table} where team = '${other}'`)).rowCount, 0, `${table}: delete ${other}`);
        }
      }
      await assert.rejects(c.query(`update predictions set team = 'c' where team = 'a'`), /row-level security/);
      await assert.rejects(c.query(`update budgets set amount = 2, team = 'b' where team = 'a'`), /row-level security/);
      // Writing a row for another team is refused.
      await assert.rejects(c.query(`insert into budgets values ('b', '2026-12', 1, 'EUR', '${T}', 'ana')`), /row-level security/);
      // Its own rows it may change.
      assert.equal((await c.query(`update budgets set amount = 2 where team = 'a'`)).rowCount, 1);
      // The event log: append only, and only as itself or a shared standard.
      await assert.rejects(c.query(`update events set reason = 'x' where team = 'a'`), /permission denied/);
      await assert.rejects(c.query(`delete from events where team = 'a'`), /permission denied/);
    });
    // As the owner: nothing of b's or c's changed.
    const rows = await store.db.selectFrom('budgets').select(['team', 'amount']).orderBy('team').execute();
    assert.deepEqual(rows, [
      { team: 'a', amount: 2 },
      { team: 'b', amount: 1 },
      { team: 'c', amount: 1 },
    ]);
  });

  it('cannot alter or drop tables, switch row-level security off, or become the owner', async (t) => {
    if (roleSkip.reason) return t.skip(roleSkip.reason);
    const owner = decodeURIComponent(new URL(ownerUrl).username);
    await asServer('a', async (c) => {
      await assert.rejects(c.query('alter table predictions disable row level security'), /must be owner/);
      await assert.rejects(c.query('alter table predictions add column x text'), /must be owner/);
      await assert.rejects(c.query('drop table budgets'), /must be owner/);
      await assert.rejects(c.query('drop policy rotguard_team_read on predictions'), /must be owner/);
      await assert.rejects(c.query('truncate predictions'), /permission denied/);
      await assert.rejects(c.query('create table mine (x int)'), /permission denied/);
      await assert.rejects(c.query(`set role ${owner}`), /permission denied/);
      await assert.rejects(c.query('set row_security = off; select * from predictions'), /row-level security/);
      const [r] = (await c.query<{ bypass: boolean }>('select rolbypassrls as bypass from pg_roles where rolname = current_user')).rows;
      assert.equal(r!.bypass, false);
    });
  });

  it("binds the tables' owner too once it sets a team (FORCE): a team-scoped store on the owner's URL sees only that team", async (t) => {
    if (roleSkip.reason) return t.skip(roleSkip.reason);
    const tenants = await openTenantStores({ workspace, databaseUrl: ownerUrl, maxConnections: 1 });
    try {
      const c = tenants.forTeam('c');
      const rows = await c.db.selectFrom('model_versions').select('team').execute();
      assert.deepEqual(
        rows.map((r) => r.team),
        ['c'],
      );
      // Its appends still chain onto the whole log (whose head is an event c cannot see), and it still acts for c afterwards.
      const head = await appendEvent(store.db, { kind: 'unfrozen', subject: 'm-a', model: 'm-a', actor: 'ana', reason: "a's event, the head" });
      const appended = await c.db.transaction().execute(async (trx) => {
        const e = await appendEvent(trx, { kind: 'unfrozen', subject: 'm-c', model: 'm-c', actor: 'cleo', reason: 'owner, scoped to c' });
        const teams = await trx.selectFrom('model_versions').select('team').execute();
        assert.deepEqual(
          teams.map((r) => r.team),
          ['c'],
          'the team is back after the head was read',
        );
        return e;
      });
      assert.deepEqual([appended.seq, appended.prev_hash, appended.team], [head.seq + 1, head.hash, 'c']);
    } finally {
      await tenants.close();
    }
  });

  it('refuses to make a server role of the owner, or of a role that is missing', async (t) => {
    if (roleSkip.reason) return t.skip(roleSkip.reason);
    const owner = decodeURIComponent(new URL(ownerUrl).username);
    await assert.rejects(grantServerPrivileges({ databaseUrl: ownerUrl, role: owner }), (e) => e instanceof RotguardError && e.code === 'server_role_unsafe');
    await assert.rejects(
      grantServerPrivileges({ databaseUrl: ownerUrl, role: `${role}_missing` }),
      (e) => e instanceof RotguardError && e.code === 'unknown_role',
    );
  });

  it('openTenantStores: one pool, one Store per team; appends from a team chain onto the whole log', async (t) => {
    if (roleSkip.reason) return t.skip(roleSkip.reason);
    const tenants = await openTenantStores({ workspace, databaseUrl: serverUrl, maxConnections: 2 });
    try {
      const a = tenants.forTeam('a');
      const c = tenants.forTeam('c');
      assert.equal(tenants.forTeam('a'), a, 'one Store per team');
      // Interleaved on two pooled connections: each query sees its own team, whichever connection served it.
      const seen = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? c : a).db.selectFrom('predictions').select('team').distinct().execute()));
      seen.forEach((rows, i) => assert.deepEqual(rows.map((r) => r.team).sort(), i % 2 ? ['c'] : ['a', 'b'], `query ${i}`));
      // The head is read past row-level security: c's append follows a's and the owner's events.
      const ownerHead = (await readEvents(store.db, { newestFirst: true, limit: 1 }))[0]!;
      const appended = await withActingTeam('c', () => appendEvent(c.db, { kind: 'unfrozen', subject: 'm-c', actor: 'cleo', reason: 'from team c' }));
      assert.equal(appended.seq, ownerHead.seq + 1);
      assert.equal(appended.prev_hash, ownerHead.hash);
      assert.equal(appended.team, 'c', 'the acting team in scope');
      // A model event takes the model's team.
      const modelEvent = await appendEvent(a.db, { kind: 'unfrozen', subject: 'm-a', model: 'm-a', actor: 'ana', reason: 'model event' });
      assert.equal(modelEvent.team, 'a');
      // A team cannot log an event as another team.
      await assert.rejects(appendEvent(a.db, { kind: 'unfrozen', subject: 'x', actor: 'ana', team: 'c', reason: 'forged' }), /row-level security/);
      const verified = await verifyEventLog(store.db);
      assert.ok(verified.ok, JSON.stringify(verified.problems));
      // Blobs are shared: what team a stores, team c reads.
      const hash = await a.blobs.put('shared bytes');
      assert.equal((await c.blobs.get(hash)).toString(), 'shared bytes');
    } finally {
      await tenants.close();
    }
  });
});

forEachBackend('openTenantStores without PostgreSQL', (b) => {
  it('forTeam returns the one embedded store (scoping is the application’s)', async (t) => {
    if (b.backend !== 'sqlite') return t.skip('the embedded store only');
    const location = await b.freshLocation();
    await (await openStore({ ...location, migrate: true })).close();
    const tenants = await openTenantStores({ workspace: location.workspace });
    try {
      assert.equal(tenants.backend, 'sqlite');
      assert.equal(tenants.forTeam('a').db, tenants.forTeam('b').db);
      assert.throws(() => tenants.forTeam(''), /team/);
    } finally {
      await tenants.close();
    }
  });
});
