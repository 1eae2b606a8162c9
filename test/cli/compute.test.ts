import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { combinatorialSmiles } from '../helpers/molecules.js';
import { NO_AMBIENT_WORKSPACE, runCli } from '../helpers/cli.js';

describe('compute governance from the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rotguard-cli-compute-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const rg = (...args: string[]) => runCli(dir, { ...NO_AMBIENT_WORKSPACE, ROTGUARD_USER: 'ana' }, args);
  const json = (...args: string[]) => {
    const r = rg(...args, '--json');
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };

  it('sets budgets and settings, builds through admission, answers the rebuild from cache, and lists, shows and refuses with --json', () => {
    assert.equal(rg('init').code, 0);
    assert.equal(rg('endpoints', 'add', 'logd', '--unit', 'ratio').code, 0);
    assert.equal(rg('protocols', 'add', 'shake', '--endpoint', 'logd', '--unit', 'ratio').code, 0);
    const smiles = combinatorialSmiles(100);
    writeFileSync(join(dir, 'd.csv'), ['id,smiles,logd', ...smiles.map((s, i) => `c${i},${s},${(s.length % 13) / 3}`)].join('\n') + '\n');
    assert.equal(
      rg('ingest', 'd.csv', '--team', 'chem', '--protocol', 'shake', '--structure-column', 'smiles', '--id-column', 'id', '--value-column', 'logd').code,
      0,
    );
    writeFileSync(
      join(dir, 'r.yaml'),
      'model: logd-ridge\nteam: chem\nendpoint: logd\ndataset: { aggregate: mean }\nalgorithm: ridge\nsplit: { method: scaffold, seed: 1, train: 0.7, calibration: 0.15, test: 0.15 }\nseed: 3\n',
    );

    const settings = json('budget', 'settings', '--gpu-hour', '3', '--max-time', '4h', '--grace', '15m');
    assert.deepEqual([settings.prices.gpuHour, settings.timeLimit.maxSeconds, settings.watchdog.graceSeconds], [3, 14400, 900]);
    const month = new Date().toISOString().slice(0, 7);
    const budget = json('budget', 'set', 'chem', '--amount', '20', '--month', month);
    assert.equal(budget.amount, 20);

    const tooLong = rg('build', 'r.yaml', '--executor', 'local', '--time', '5h', '--json');
    assert.equal(tooLong.code, 1);
    assert.equal(JSON.parse(tooLong.stdout).error.code, 'time_limit_too_long');

    const built = json('build', 'r.yaml', '--executor', 'local', '--time', '20m', '--gpus', '2');
    assert.equal(built.outcome, 'finished');
    assert.equal(built.job.state, 'completed');
    assert.equal(built.job.gpus, 0);
    assert.match(built.job.note, /ridge is a built-in CPU trainer: 2 GPUs requested, none allocated/);
    const again = rg('build', 'r.yaml', '--executor', 'local');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /cache hit: logd-ridge@1 .* never queued/);

    const jobs = json('jobs', 'list');
    assert.deepEqual(jobs.map((j: { state: string }) => j.state).sort(), ['cached', 'completed']);
    const shown = json('jobs', 'show', built.job.id.slice(0, 10));
    assert.deepEqual(
      shown.events.map((e: { kind: string }) => e.kind),
      ['job_right_sized', 'job_submitted', 'job_finished'],
    );
    const spend = json('budget', 'show');
    assert.equal(spend.length, 1);
    assert.deepEqual([spend[0].team, spend[0].jobs, spend[0].cacheHits, spend[0].charged], ['chem', 2, 1, built.job.charged_cost]);

    const cancel = rg('jobs', 'cancel', built.job.id);
    assert.equal(cancel.code, 1);
    assert.match(cancel.stderr, /already completed/);
    const noEnv = rg('jobs', 'external', '--team', 'chem', '--', '/bin/true');
    assert.equal(noEnv.code, 1);
    assert.match(noEnv.stderr, /must name its environment/);
    const human = rg('budget', 'show');
    assert.match(human.stdout, /chem .* of 20\.00 USD: charged .* cache saved/);
  });
});
