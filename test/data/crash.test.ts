import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Sqlite from 'better-sqlite3';
import { combinatorialSmiles } from '../helpers/molecules.js';
import { BIN } from '../helpers/cli.js';

describe('ingest killed with SIGKILL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rotguard-crash-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { ...process.env, ROTGUARD_DATABASE_URL: '', ROTGUARD_WORKSPACE: '' };
  const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', env });

  it('leaves the embedded store consistent, and the rerun completes the ingest', async (t) => {
    assert.equal(run('init').status, 0);
    assert.equal(run('endpoints', 'add', 'perm', '--unit', 'cm/s', '--min', '0').status, 0);
    assert.equal(run('protocols', 'add', 'caco2', '--endpoint', 'perm', '--unit', '10^-6 cm/s').status, 0);
    const smiles = combinatorialSmiles(3000);
    writeFileSync(join(dir, 'big.csv'), ['id,smiles,papp', ...smiles.map((s, i) => `m${i},${s},${(i % 50) + 1}`), 'bad,C1CC(,3'].join('\n') + '\n');
    writeFileSync(join(dir, 'm.yaml'), 'team: t\nprotocol: caco2\ncolumns:\n  structure: smiles\n  id: id\n  value: papp\n');

    // The quarantine report is written just before the single commit: kill the moment it appears.
    const child = spawn(process.execPath, [BIN, 'ingest', 'big.csv', '--mapping', 'm.yaml'], { cwd: dir, env, stdio: 'ignore' });
    const quarantine = join(dir, '.rotguard', 'quarantine');
    await new Promise<void>((done, fail) => {
      const timer = setInterval(() => {
        if (existsSync(quarantine) && readdirSync(quarantine).length) {
          clearInterval(timer);
          child.kill('SIGKILL');
          done();
        }
      }, 1);
      child.on('exit', (code) => {
        clearInterval(timer);
        if (code !== null) fail(new Error(`ingest exited (${code}) before it could be killed`));
      });
    });
    await new Promise((r) => child.once('close', r));

    const db = new Sqlite(join(dir, '.rotguard', 'store.sqlite'));
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    const sources = db.prepare('select id, accepted from sources').all() as Array<{ id: string; accepted: number }>;
    const measurements = (db.prepare('select count(*) n from measurements').get() as { n: number }).n;
    const compounds = (db.prepare('select count(*) n from compounds').get() as { n: number }).n;
    // All or nothing: either the commit never happened, or it happened whole.
    t.diagnostic(sources.length ? 'killed after the commit: store has the whole ingest' : 'killed before the commit: store has none of it');
    if (sources.length === 0) assert.deepEqual([measurements, compounds], [0, 0]);
    else assert.equal(measurements, sources[0]!.accepted);
    db.close();

    const rerun = run('ingest', 'big.csv', '--mapping', 'm.yaml', '--json');
    assert.equal(rerun.status, 0, rerun.stderr);
    const summary = JSON.parse(rerun.stdout);
    assert.equal(summary.accepted, 3000);
    assert.equal(summary.status, sources.length === 0 ? 'ingested' : 'already_ingested');
    const after = new Sqlite(join(dir, '.rotguard', 'store.sqlite'));
    assert.equal((after.prepare('select count(*) n from measurements').get() as { n: number }).n, 3000);
    after.close();
  });
});
