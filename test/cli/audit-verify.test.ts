import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Sqlite from 'better-sqlite3';
import { NO_AMBIENT_WORKSPACE, runCli } from '../helpers/cli.js';

/** The CLI run in `dir` as user ana, with no workspace or database from the environment. */
function cliIn(dir: string) {
  return (...args: string[]) => runCli(dir, { ...NO_AMBIENT_WORKSPACE, ROTGUARD_USER: 'ana' }, args);
}

describe('audit verify from the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rotguard-cli-audit-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const rg = cliIn(dir);

  it('exits 0 on an intact chain, 3 once the store file was tampered with, 1 on bad flags', () => {
    assert.equal(rg('init').code, 0);
    assert.equal(rg('endpoints', 'add', 'logd', '--unit', 'ratio').code, 0);
    assert.equal(rg('protocols', 'add', 'shake', '--endpoint', 'logd', '--unit', 'ratio').code, 0);
    assert.equal(rg('gate', 'set', 'logd', '--min-test-size', '5').code, 0);

    const intact = rg('audit', 'verify', '--json');
    assert.equal(intact.code, 0, intact.stderr);
    const r = JSON.parse(intact.stdout) as { ok: boolean; events: number; headSeq: number; headHash: string; problems: unknown[] };
    assert.deepEqual([r.ok, r.events, r.headSeq, r.problems], [true, 3, 3, []]);
    const human = rg('audit', 'verify', '--expect-head', r.headHash);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /event log intact: 3 events/);
    assert.equal(rg('audit', 'verify', '--expect-head', 'abc').code, 1);
    assert.equal(rg('audit', 'verify', 'extra').code, 1);

    // Someone edits the SQLite file directly, around the store's append-only trigger.
    const file = new Sqlite(join(dir, '.rotguard', 'store.sqlite'));
    assert.throws(() => file.prepare("update events set reason = 'nothing to see' where seq = 2").run(), /append-only/);
    file.exec('drop trigger events_no_update; drop trigger events_no_delete');
    file.prepare("update events set reason = 'nothing to see' where seq = 2").run();
    file.prepare('delete from events where seq = 3').run(); // the latest event: only --expect-head can tell
    file.close();

    const tampered = rg('audit', 'verify');
    assert.equal(tampered.code, 3, tampered.stderr);
    assert.match(tampered.stdout, /event log TAMPERED: 1 problem in 2 events/);
    assert.match(tampered.stdout, /\[edited\] event 2 \(protocol_version_created, [^)]*protocol:shake@1\) was edited/);
    const json = rg('audit', 'verify', '--json', '--expect-head', r.headHash);
    assert.equal(json.code, 3);
    assert.deepEqual(
      (JSON.parse(json.stdout) as { problems: Array<{ problem: string }> }).problems.map((p) => p.problem),
      ['edited', 'head_mismatch'],
    );
  });
});

describe('audit verify --checkpoint from the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rotguard-cli-checkpoint-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const rg = cliIn(dir);

  it('records the head of a clean run as a signed checkpoint, and none for a tampered log', () => {
    assert.equal(rg('init').code, 0);
    assert.equal(rg('endpoints', 'add', 'logd', '--unit', 'ratio').code, 0);
    const plain = rg('audit', 'verify');
    assert.doesNotMatch(plain.stdout, /checkpoint/);
    const recorded = rg('audit', 'verify', '--checkpoint');
    assert.equal(recorded.code, 0, recorded.stderr);
    assert.match(recorded.stdout, /checkpoint recorded at event 1 \(signed with the event key\)/);
    const file = new Sqlite(join(dir, '.rotguard', 'store.sqlite'));
    assert.deepEqual(file.prepare('select seq, events, verified_by from event_checkpoints').all(), [{ seq: 1, events: 1, verified_by: 'ana' }]);
    file.exec('drop trigger events_no_update');
    file.prepare("update events set reason = 'nothing to see' where seq = 1").run();
    file.close();
    const refused = rg('audit', 'verify', '--checkpoint');
    assert.equal(refused.code, 3);
    assert.match(refused.stdout, /no checkpoint recorded: the log failed verification/);
  });
});
