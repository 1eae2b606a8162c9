/**
 * The dispatcher as a server runs it on PostgreSQL: connected as the server role (row-level
 * security applies), the unscoped base store for the webhook tables, and each team webhook's
 * events read through that team's store.
 *
 * Needs ROTGUARD_TEST_DATABASE_URL with a role that may CREATE DATABASE and CREATE ROLE.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startWebhookDispatcher } from '../../src/notify/dispatcher.js';
import { addWebhook } from '../../src/notify/webhooks.js';
import { appendEvent } from '../../src/store/event-log.js';
import { openStore, type Store } from '../../src/store/store.js';
import { openTenantStores, type TenantStores } from '../../src/store/tenant.js';
import { grantServerPrivileges } from '../../src/usecases/workspace.js';
import { postgresSkipReason, TEST_DATABASE_URL_ENV, testBackend } from '../store/backends.js';
import { Receiver } from './receiver.js';

async function adminQuery(text: string): Promise<Array<Record<string, unknown>>> {
  const c = new pg.Client({ connectionString: process.env[TEST_DATABASE_URL_ENV] });
  await c.connect();
  try {
    return (await c.query(text)).rows;
  } finally {
    await c.end();
  }
}

describe('webhook dispatcher under row-level security [postgres]', { skip: postgresSkipReason() }, () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  let owner: Store;
  let tenants: TenantStores;
  let skipReason = '';

  before(async () => {
    const [r] = await adminQuery('select rolcreaterole or rolsuper as ok from pg_roles where rolname = current_user');
    if (!r?.ok) {
      skipReason = `the role of ${TEST_DATABASE_URL_ENV} cannot CREATE ROLE`;
      return;
    }
    const locations = testBackend('postgres');
    cleanups.push(() => locations.cleanup());
    const location = await locations.freshLocation();
    owner = await openStore({ ...location, migrate: true });
    cleanups.unshift(() => owner.close());
    const role = `rotguard_wh_${process.pid}_${randomBytes(4).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    await adminQuery(`create role ${role} login password '${password}'`);
    cleanups.push(() => adminQuery(`drop role if exists ${role}`));
    await grantServerPrivileges({ databaseUrl: location.databaseUrl!, role });
    const url = new URL(location.databaseUrl!);
    url.username = role;
    url.password = password;
    tenants = await openTenantStores({ workspace: location.workspace, databaseUrl: url.toString() });
    cleanups.unshift(() => tenants.close());
  });

  after(async () => {
    for (const c of cleanups) await c();
  });

  it("sends a team webhook its team's events through that team's store; the base store alone sees only shared events", async (t) => {
    if (skipReason) return t.skip(skipReason);
    const [rxA, rxAll] = [await new Receiver().start(), await new Receiver().start()];
    cleanups.unshift(
      () => rxA.close(),
      () => rxAll.close(),
    );
    // Added as the server would: a team's webhook through the team's store, an organisation-wide one through the base store.
    await addWebhook(tenants.forTeam('chem-a'), { url: rxA.url, team: 'chem-a', kinds: ['unfrozen'] }, 'admin');
    await addWebhook(tenants.base, { url: rxAll.url, team: null, kinds: ['unfrozen'] }, 'admin');
    const append = (team: string | null, reason: string) => appendEvent(owner.db, { kind: 'unfrozen', subject: 'm', actor: 'ana', team, reason });
    const a1 = await append('chem-a', 'a1');
    await append('chem-b', 'b1');
    const shared = await append(null, 'shared');
    const a2 = await append('chem-a', 'a2');
    const shared2 = await append(null, 'shared 2');

    const controller = new AbortController();
    const d = startWebhookDispatcher(tenants.base, { signal: controller.signal, pollMs: 20, storeForTeam: (team) => tenants.forTeam(team) });
    d.notify();
    await Promise.all([rxA.accepts(2), rxAll.accepts(2)]);
    controller.abort();
    await d.stopped;
    assert.deepEqual(
      rxA.requests.map((r) => r.event.seq),
      [a1.seq, a2.seq],
    );
    // The server role unscoped cannot see team events: an organisation-wide webhook then gets the shared ones only.
    assert.deepEqual(
      rxAll.requests.map((r) => r.event.seq),
      [shared.seq, shared2.seq],
    );
  });
});
