import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { forEachBackend } from '../store/backends.js';
import { rotguard } from './cli-harness.js';
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
    const init = await rotguard(['init', project, '--json'], env);
    const folder = join(project, '.rotguard');
    const list = await rotguard(['endpoints', 'list', '--workspace', project], env);
    const ok = init.code === 0 && existsSync(folder) && (statSync(folder).mode & 0o777) === 0o700
      && (statSync(join(folder, 'event-key.json')).mode & 0o777) === 0o600 && list.code === 0;
    tally('bad inputs', ok);
    assert.ok(ok, `${init.stderr}${list.stderr}`);
    // The URL printed by init has no password.
    if (databaseUrl && new URL(databaseUrl).password) assert.ok(!init.stdout.includes(`:${new URL(databaseUrl).password}@`) && init.stdout.includes(":***@"), init.stdout);
  });
});
