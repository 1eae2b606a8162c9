import assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { openStore } from '../../src/store/store.js';
import { forEachBackend } from '../store/backends.js';
import { isCleanUserError, rotguard } from './cli-harness.js';
import { tally } from './tally.js';

/**
 * `init` creates the workspace folder whatever the backend: with PostgreSQL the metadata is
 * in the database, but the blobs, the quarantine reports and the event key live in the
 * folder, and --workspace must find it afterwards.
 */
forEachBackend('init creates the workspace folder', (b) => {
  it('init DIR creates DIR/.rotguard (0700) with its event key (0600); other commands find it with --workspace DIR', async () => {
    const { workspace, databaseUrl } = await b.freshLocation();
    const env = { ROTGUARD_DATABASE_URL: databaseUrl, ROTGUARD_WORKSPACE: undefined, ROTGUARD_USER: 'ana' };
    const project = join(workspace, 'project');
    // PostgreSQL is migrated by its administrator, never by init.
    if (databaseUrl) assert.equal((await rotguard(['admin', 'migrate'], env)).code, 0);
    const init = await rotguard(['init', project, '--json'], env);
    const folder = join(project, '.rotguard');
    const list = await rotguard(['endpoints', 'list', '--workspace', project], env);
    const ok =
      init.code === 0 &&
      existsSync(folder) &&
      (statSync(folder).mode & 0o777) === 0o700 &&
      (statSync(join(folder, 'event-key.json')).mode & 0o777) === 0o600 &&
      list.code === 0;
    tally('bad inputs', ok);
    assert.ok(ok, `${init.stderr}${list.stderr}`);
    // Read-only commands run in read-only sessions (PostgreSQL itself would refuse a write).
    const verify = await rotguard(['audit', 'verify', '--workspace', project], env);
    assert.equal(verify.code, 0, verify.stderr);
    if (b.backend === 'postgres') {
      const ro = await openStore({ workspace: folder, databaseUrl, readOnly: true });
      try {
        await assert.rejects(ro.db.insertInto('teams').values({ name: 'x', created_at: 'now' }).execute(), /read-only transaction/);
      } finally {
        await ro.close();
      }
    }
    // The URL printed by init has no password.
    if (databaseUrl && new URL(databaseUrl).password)
      assert.ok(!init.stdout.includes(`:${new URL(databaseUrl).password}@`) && init.stdout.includes(':***@'), init.stdout);
  });
});

forEachBackend('a second client of the same database', (b) => {
  it('reads what the first stored in a shared blob folder (ROTGUARD_BLOB_DIR); a client without it looks in the database and gets a clear blob_missing', async (t) => {
    if (b.backend !== 'postgres') return t.skip('two clients share a database only with PostgreSQL');
    const { workspace, databaseUrl } = await b.freshLocation();
    const shared = join(workspace, 'shared-blobs');
    const env = { ROTGUARD_DATABASE_URL: databaseUrl, ROTGUARD_WORKSPACE: undefined, ROTGUARD_USER: 'ana', ROTGUARD_BLOB_DIR: shared };
    const a = join(workspace, 'client-a');
    const clientB = join(workspace, 'client-b');
    assert.equal((await rotguard(['admin', 'migrate'], env)).code, 0);
    assert.equal((await rotguard(['init', a], env)).code, 0);
    assert.equal((await rotguard(['endpoints', 'add', 'logd', '--unit', 'ratio', '--workspace', a], env)).code, 0);
    assert.equal((await rotguard(['protocols', 'add', 'shake', '--endpoint', 'logd', '--unit', 'ratio', '--workspace', a], env)).code, 0);
    const csv = join(workspace, 'a.csv');
    writeFileSync(csv, 'id,smiles,logd\nx1,CCO,0.5\nx2,c1ccccc1,1.5\nx3,CCN,0.7\n');
    assert.equal(
      (
        await rotguard(
          ['ingest', csv, '--team', 't', '--protocol', 'shake', '--structure-column', 'smiles', '--value-column', 'logd', '--workers', '1', '--workspace', a],
          env,
        )
      ).code,
      0,
    );
    const created = await rotguard(['datasets', 'create', '--endpoint', 'logd', '--json', '--workspace', a], env);
    assert.equal(created.code, 0, created.stderr);
    const hash = (JSON.parse(created.stdout) as { info: { hash: string } }).info.hash;
    assert.equal((await rotguard(['init', clientB], env)).code, 0);
    const shown = await rotguard(['datasets', 'show', hash, '--workspace', clientB], env);
    const own = await rotguard(['datasets', 'show', hash, '--workspace', clientB], { ...env, ROTGUARD_BLOB_DIR: undefined });
    const ok = shown.code === 0 && isCleanUserError(own, /blob/);
    tally('bad inputs', ok);
    assert.ok(ok, `${shown.stderr}\n${own.code}: ${own.stderr}`);
  });
});

forEachBackend('two clients of one PostgreSQL database, blobs in the database', (b) => {
  it("the second client reads the first one's snapshot with no shared folder: blobs are in PostgreSQL by default", async (t) => {
    if (b.backend !== 'postgres') return t.skip('two clients share a database only with PostgreSQL');
    const { workspace, databaseUrl } = await b.freshLocation();
    const env = { ROTGUARD_DATABASE_URL: databaseUrl, ROTGUARD_WORKSPACE: undefined, ROTGUARD_USER: 'ana', ROTGUARD_BLOB_DIR: undefined };
    const a = join(workspace, 'client-a');
    const clientB = join(workspace, 'client-b');
    assert.equal((await rotguard(['admin', 'migrate'], env)).code, 0);
    assert.equal((await rotguard(['init', a], env)).code, 0);
    assert.equal((await rotguard(['endpoints', 'add', 'logd', '--unit', 'ratio', '--workspace', a], env)).code, 0);
    assert.equal((await rotguard(['protocols', 'add', 'shake', '--endpoint', 'logd', '--unit', 'ratio', '--workspace', a], env)).code, 0);
    const csv = join(workspace, 'a.csv');
    writeFileSync(csv, 'id,smiles,logd\nx1,CCO,0.5\nx2,c1ccccc1,1.5\nx3,CCN,0.7\n');
    const ingest = await rotguard(
      ['ingest', csv, '--team', 't', '--protocol', 'shake', '--structure-column', 'smiles', '--value-column', 'logd', '--workers', '1', '--workspace', a],
      env,
    );
    assert.equal(ingest.code, 0, ingest.stderr);
    const created = await rotguard(['datasets', 'create', '--endpoint', 'logd', '--json', '--workspace', a], env);
    assert.equal(created.code, 0, created.stderr);
    const hash = (JSON.parse(created.stdout) as { info: { hash: string } }).info.hash;
    assert.equal(existsSync(join(a, '.rotguard', 'blobs')), false, "nothing written to client a's folder");
    assert.equal((await rotguard(['init', clientB], env)).code, 0);
    const shown = await rotguard(['datasets', 'show', hash, '--workspace', clientB], env);
    assert.equal(shown.code, 0, shown.stderr);
  });
});
