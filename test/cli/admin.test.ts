/**
 * Migrations only through `rotguard admin migrate` on PostgreSQL: `init` creates the
 * workspace folder and its event key but never migrates the database, and says which
 * command does; `admin migrate` does, once. SQLite keeps `init` migrating (a single lab's
 * store is its own admin), and `admin migrate` works there too.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import pg from 'pg';
import { FileBlobStore } from '../../src/store/blob-store.js';
import { LATEST_MIGRATION } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/store.js';
import { rotguard } from '../robustness/cli-harness.js';
import { forEachBackend } from '../store/backends.js';

async function tablesIn(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ t: string }>('select tablename as t from pg_tables where schemaname = current_schema() order by 1')).rows.map((r) => r.t);
  } finally {
    await c.end();
  }
}

forEachBackend('rotguard admin migrate', (b) => {
  it('on PostgreSQL, init refuses to migrate and names admin migrate; admin migrate does it once; then init succeeds', async (t) => {
    if (b.backend !== 'postgres') return t.skip('PostgreSQL only');
    const { workspace, databaseUrl } = await b.freshLocation();
    const env = { ROTGUARD_DATABASE_URL: databaseUrl, ROTGUARD_WORKSPACE: undefined, ROTGUARD_USER: 'ana', ROTGUARD_BLOB_DIR: undefined };
    const project = join(workspace, 'project');
    const init = await rotguard(['init', project, '--json'], env);
    assert.equal(init.code, 1, init.stderr);
    assert.equal(JSON.parse(init.stdout).error.code, 'store_not_initialised');
    assert.match(init.stderr, /rotguard admin migrate/);
    assert.ok(existsSync(join(project, '.rotguard', 'event-key.json')), 'the folder and its event key exist');
    assert.deepEqual(await tablesIn(databaseUrl!), [], 'init created no table');
    // Other commands say the same.
    const list = await rotguard(['endpoints', 'list', '--workspace', project], env);
    assert.equal(list.code, 1);
    assert.match(list.stderr, /rotguard admin migrate/);

    const migrate = await rotguard(['admin', 'migrate', '--json'], env);
    assert.equal(migrate.code, 0, migrate.stderr);
    const applied = JSON.parse(migrate.stdout) as { backend: string; applied: string[] };
    assert.equal(applied.backend, 'postgres');
    assert.equal(applied.applied.at(-1), LATEST_MIGRATION);
    assert.ok(applied.applied.includes('0010_tenancy'));
    const again = await rotguard(['admin', 'migrate', '--json'], env);
    assert.deepEqual(JSON.parse(again.stdout).applied, []);
    assert.ok((await tablesIn(databaseUrl!)).includes('blobs'));

    const init2 = await rotguard(['init', project], env);
    assert.equal(init2.code, 0, init2.stderr);
    assert.equal((await rotguard(['endpoints', 'add', 'logd', '--unit', 'ratio', '--workspace', project], env)).code, 0);
    const verify = await rotguard(['audit', 'verify', '--workspace', project], env);
    assert.equal(verify.code, 0, verify.stderr);
  });

  it('admin migrate --blobs copies a blob folder into PostgreSQL, checking each file; a corrupt one is not copied (exit 3)', async (t) => {
    if (b.backend !== 'postgres') return t.skip('PostgreSQL only');
    const { workspace, databaseUrl } = await b.freshLocation();
    const env = { ROTGUARD_DATABASE_URL: databaseUrl, ROTGUARD_WORKSPACE: undefined, ROTGUARD_USER: 'ana', ROTGUARD_BLOB_DIR: undefined };
    const dir = join(workspace, 'old-blobs');
    const files = new FileBlobStore(dir);
    const good = [await files.put('snapshot one'), await files.put(Buffer.from([0, 1, 2, 3]))];
    const bad = await files.put('an artifact');
    chmodSync(files.pathOf(bad), 0o644);
    writeFileSync(files.pathOf(bad), 'an artifact, damaged');
    writeFileSync(join(dir, 'README'), 'not a blob');
    const first = await rotguard(['admin', 'migrate', '--blobs', dir, '--json'], env);
    assert.equal(first.code, 3, first.stderr);
    assert.deepEqual(JSON.parse(first.stdout).blobs, { copied: 2, present: 0, corrupt: [bad] });
    const again = await rotguard(['admin', 'migrate', '--blobs', dir, '--json'], env);
    assert.deepEqual(JSON.parse(again.stdout).blobs, { copied: 0, present: 2, corrupt: [bad] });
    const store = await openStore({ workspace: join(workspace, 'elsewhere'), databaseUrl });
    try {
      assert.equal((await store.blobs.get(good[0]!)).toString(), 'snapshot one');
      assert.deepEqual(await store.blobs.get(good[1]!), Buffer.from([0, 1, 2, 3]));
      assert.equal(await store.blobs.has(bad), false);
    } finally {
      await store.close();
    }
  });

  it('on SQLite, init still migrates, and admin migrate reports an up-to-date store', async (t) => {
    if (b.backend !== 'sqlite') return t.skip('SQLite only');
    const { workspace } = await b.freshLocation();
    const env = { ROTGUARD_DATABASE_URL: undefined, ROTGUARD_WORKSPACE: undefined, ROTGUARD_USER: 'ana' };
    assert.equal((await rotguard(['init', workspace], env)).code, 0);
    const migrate = await rotguard(['admin', 'migrate', '--workspace', workspace, '--json'], env);
    assert.equal(migrate.code, 0, migrate.stderr);
    assert.deepEqual(JSON.parse(migrate.stdout).applied, []);
    const role = await rotguard(['admin', 'server-role', 'srv', '--workspace', workspace], env);
    assert.equal(role.code, 1);
    assert.match(role.stderr, /PostgreSQL/);
    const blobs = await rotguard(['admin', 'migrate', '--blobs', workspace, '--workspace', workspace], env);
    assert.equal(blobs.code, 1);
    assert.match(blobs.stderr, /PostgreSQL/);
  });
});
