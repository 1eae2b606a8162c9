import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { NO_AMBIENT_WORKSPACE, runCli } from '../helpers/cli.js';

describe('rotguard demo from the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rotguard-cli-demo-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const rg = (...args: string[]) => runCli(dir, NO_AMBIENT_WORKSPACE, args);

  it('refuses bad flags and scenario files before doing any work, naming the field (and line)', () => {
    const split = rg('demo', '--dir', join(dir, 'x'), '--split', 'cluster');
    assert.equal(split.code, 1);
    assert.match(split.stderr, /--split must be random, scaffold or time/);
    assert.match(rg('demo', '--dir', join(dir, 'x'), '--label-delay', '2..6').stderr, /--label-delay must be MIN-MAX/);
    assert.match(rg('demo', '--dir', join(dir, 'x'), '--new-series-week', '99').stderr, /newSeries\.week|new.?series/i);
    writeFileSync(join(dir, 'bad.yaml'), 'seed: 3\nweeks: 20\nprotocolChange:\n  week: 30\n');
    const file = rg('demo', '--dir', join(dir, 'x'), '--scenario', join(dir, 'bad.yaml'));
    assert.equal(file.code, 1);
    assert.match(file.stderr, /bad\.yaml:4/);
    assert.equal(existsSync(join(dir, 'x')), false, 'nothing was created');
    mkdirSync(join(dir, 'full'));
    writeFileSync(join(dir, 'full', 'keep.txt'), 'mine');
    const busy = rg('demo', '--dir', join(dir, 'full'));
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /not empty/);
    assert.equal(readFileSync(join(dir, 'full', 'keep.txt'), 'utf8'), 'mine');
  });

  it('runs a short scenario end to end and prints the summary as JSON, with the report written', () => {
    writeFileSync(
      join(dir, 'short.yaml'),
      [
        'seed: 5',
        'weeks: 10',
        'history_weeks: 16',
        'compounds_per_week: 16',
        'new_series: { week: 4, share: 0.5, effect: -1.0 }',
        'protocol_change: { week: 7, shift: 0.6 }',
        'label_delay_weeks: { min: 1, max: 2 }',
      ].join('\n') + '\n',
    );
    const r = rg('demo', '--dir', join(dir, 'short'), '--scenario', join(dir, 'short.yaml'), '--trees', '20', '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      weeks: Array<{ week: number; action: string }>;
      report: { html: string; eventLogOk: boolean; controlsFailed: number };
      story: { headline: string };
    };
    assert.equal(out.weeks.length, 10);
    assert.equal(out.report.eventLogOk, true);
    assert.equal(out.report.controlsFailed, 0);
    assert.ok(readFileSync(out.report.html, 'utf8').includes('<svg'));
    assert.match(out.story.headline, /predictions/);
    assert.ok(existsSync(join(dir, 'short', 'policy.yaml')) && existsSync(join(dir, 'short', 'recipes', 'sol-rf-v1.yaml')));
    // The workspace is usable afterwards from the demo folder.
    const list = runCli(join(dir, 'short'), NO_AMBIENT_WORKSPACE, ['models', 'list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    assert.ok((list.json() as unknown[]).length >= 1);
  });
});
