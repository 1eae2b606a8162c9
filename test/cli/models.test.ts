import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { combinatorialSmiles } from '../helpers/molecules.js';
import { NO_AMBIENT_WORKSPACE, runCli } from '../helpers/cli.js';

describe('build, gate, promote from the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rotguard-cli-models-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const rg = (user: string, ...args: string[]) => runCli(dir, { ...NO_AMBIENT_WORKSPACE, ROTGUARD_USER: user }, args);

  it('builds once, serves the identical build from cache, and needs a gate and a second person for champion', () => {
    assert.equal(rg('ana', 'init').code, 0);
    assert.equal(rg('ana', 'endpoints', 'add', 'logd', '--unit', 'ratio').code, 0);
    assert.equal(rg('ana', 'protocols', 'add', 'shake', '--endpoint', 'logd', '--unit', 'ratio').code, 0);
    const smiles = combinatorialSmiles(150);
    writeFileSync(join(dir, 'd.csv'), ['id,smiles,logd', ...smiles.map((s, i) => `c${i},${s},${(s.length % 13) / 3}`)].join('\n') + '\n');
    assert.equal(
      rg('ana', 'ingest', 'd.csv', '--team', 'chem', '--protocol', 'shake', '--structure-column', 'smiles', '--id-column', 'id', '--value-column', 'logd').code,
      0,
    );
    writeFileSync(
      join(dir, 'r.yaml'),
      'model: logd-ridge\nteam: chem\nendpoint: logd\ndataset: { aggregate: mean }\nalgorithm: ridge\nsplit: { method: scaffold, seed: 1, train: 0.7, calibration: 0.15, test: 0.15 }\nseed: 3\n',
    );
    const first = rg('ana', 'build', 'r.yaml', '--json');
    assert.equal(first.code, 0, first.stderr);
    const built = JSON.parse(first.stdout);
    assert.equal(built.cacheHit, false);
    assert.equal(built.version, 'logd-ridge@1');
    const second = rg('ben', 'build', 'r.yaml');
    assert.match(second.stdout, /cache hit: logd-ridge@1 .* s of compute saved/);

    const noGate = rg('ben', 'promote', 'logd-ridge@1', '--to', 'champion', '--reason', 'ok');
    assert.equal(noGate.code, 1);
    assert.match(noGate.stderr, /no release gate/);
    assert.equal(rg('lead', 'gate', 'set', 'logd', '--min-test-size', '5', '--coverage', '0.8:0.01').code, 0);
    const self = rg('ana', 'promote', 'logd-ridge@1', '--to', 'champion', '--reason', 'mine');
    assert.equal(self.code, 1);
    assert.match(self.stderr, /needs a second person/);
    const ok = rg('ben', 'promote', 'logd-ridge@1', '--to', 'champion', '--reason', 'reviewed');
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(rg('ben', 'validate', 'logd-ridge@champion').code, 0);
    assert.equal(rg('lead', 'gate', 'set', 'logd', '--min-test-size', '100000').code, 0);
    assert.equal(rg('ben', 'validate', 'logd-ridge@champion').code, 3, 'a failing gate gives exit code 3');
    const shown = rg('ben', 'models', 'show', 'logd-ridge@champion', '--json');
    const events = JSON.parse(shown.stdout).events.map((e: { kind: string; actor: string }) => `${e.kind}:${e.actor}`);
    assert.deepEqual(events, ['registered:ana', 'promotion_refused:ben', 'promotion_refused:ana', 'promoted_champion:ben']);
    const bad = rg('ana', 'build', 'nope.yaml');
    assert.equal(bad.code, 1);
    writeFileSync(join(dir, 'bad.yaml'), 'model: x\nteam: chem\nendpoint: logd\ndataset: { aggregate: mean }\nalgorithm: ridge\nparams: { alpha: -1 }\n');
    const badParam = rg('ana', 'build', 'bad.yaml');
    assert.equal(badParam.code, 1);
    assert.match(badParam.stderr, /bad\.yaml: params\.alpha: /);
  });
});
