import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { BIOGEN_ASSAYS, BIOGEN_FILE } from '../../bench/data/biogen.js';
import { REPO, runCli } from '../helpers/cli.js';

function cli(cwd: string, env: Record<string, string> = {}) {
  // The database URL is left to the environment: CI runs these commands on PostgreSQL too.
  return (...args: string[]) => runCli(cwd, { ROTGUARD_WORKSPACE: '', ROTGUARD_USER: 'tester', ...env }, args);
}

describe('data commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rotguard-cli-data-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const rg = cli(dir);

  it('asks for "rotguard init" when there is no workspace', () => {
    const r = rg('endpoints', 'list');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no \.rotguard workspace.*rotguard init/);
  });

  it('runs endpoints → protocols → ingest → datasets → features with --json', () => {
    assert.equal(rg('init', '--json').json().backend, process.env.ROTGUARD_DATABASE_URL ? 'postgres' : 'sqlite');
    assert.equal(rg('endpoints', 'add', 'logd', '--unit', 'ratio', '--json').json().status, 'created');
    assert.equal(rg('endpoints', 'add', 'logd', '--unit', 'ratio', '--json').json().status, 'unchanged');
    const clash = rg('endpoints', 'add', 'logd', '--unit', '%');
    assert.equal(clash.code, 1);
    assert.match(clash.stderr, /immutable/);
    const bad = rg('endpoints', 'add', 'sol', '--unit', 'furlongs');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /unit: unknown unit "furlongs"/);

    assert.equal(rg('protocols', 'add', 'shake', '--endpoint', 'logd', '--unit', 'ratio', '--param', 'pH=7.4', '--json').json().version.id, 'shake@1');
    assert.equal(rg('protocols', 'add', 'shake', '--endpoint', 'logd', '--unit', 'ratio', '--param', 'pH=7.4', '--json').json().status, 'unchanged');
    assert.equal(rg('protocols', 'add', 'shake', '--endpoint', 'logd', '--unit', 'ratio', '--param', 'pH=6.5', '--json').json().version.id, 'shake@2');
    assert.deepEqual(
      rg('protocols', 'list', '--json')
        .json()
        .map((p: { id: string }) => p.id),
      ['shake@1', 'shake@2'],
    );

    writeFileSync(join(dir, 'a.csv'), 'cid,smi,d\nX1,CCO,0.5\nX2,c1ccccc1,200\nX3,CC(,3\n');
    const ingest = rg(
      'ingest',
      'a.csv',
      '--team',
      'team-a',
      '--protocol',
      'shake@1',
      '--structure-column',
      'smi',
      '--id-column',
      'cid',
      '--value-column',
      'd',
      '--json',
    ).json();
    assert.deepEqual([ingest.status, ingest.accepted, ingest.rejected], ['ingested', 2, 1]);
    assert.ok(existsSync(ingest.quarantine));
    const again = rg('ingest', 'a.csv', '--team', 'team-a', '--protocol', 'shake@1', '--structure-column', 'smi', '--id-column', 'cid', '--value-column', 'd');
    assert.match(again.stdout, /already ingested/);

    const snap = rg('datasets', 'create', '--endpoint', 'logd', '--json').json();
    assert.equal(snap.info.compounds, 2);
    assert.equal(rg('datasets', 'create', '--endpoint', 'logd', '--json').json().status, 'exists');
    const shown = rg('datasets', 'show', snap.info.hash.slice(0, 10));
    assert.match(shown.stdout, /2 compounds, 2 measurements/);
    writeFileSync(join(dir, 'b.csv'), 'cid,smi,d\nX4,CCN,7\n');
    rg('ingest', 'b.csv', '--team', 'team-a', '--protocol', 'shake@2', '--structure-column', 'smi', '--id-column', 'cid', '--value-column', 'd');
    const snap2 = rg('datasets', 'create', '--endpoint', 'logd', '--json').json();
    const diff = rg('datasets', 'diff', snap.info.hash, snap2.info.hash, '--json').json();
    assert.deepEqual([diff.added.length, diff.removed.length, diff.relabelled.length, diff.unchanged], [1, 0, 0, 2]);
    // The same rows selected through a protocol filter: the definition is part of the hash.
    const only1 = rg('datasets', 'create', '--endpoint', 'logd', '--protocol', 'shake@1', '--json').json();
    assert.equal(only1.info.compounds, 2);
    assert.notEqual(only1.info.hash, snap.info.hash);
    assert.equal(rg('datasets', 'list', '--json').json().length, 3);

    const features = rg('features', 'compute', '--dataset', snap2.info.hash, '--json').json();
    assert.deepEqual([features.compounds, features.computed, features.cached], [3, 3, 0]);
    assert.deepEqual(rg('features', 'compute', '--dataset', snap2.info.hash, '--json').json().cached, 3);
  });

  it('reports a broken mapping file with its line', () => {
    mkdirSync(join(dir, 'm'), { recursive: true });
    writeFileSync(join(dir, 'm', 'bad.yaml'), 'team: t\nprotocol: shake\ncolumns:\n  value: [unclosed\n');
    const r = rg('ingest', 'a.csv', '--mapping', 'm/bad.yaml');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /m\/bad\.yaml:\d+: mapping is not valid YAML/);
    writeFileSync(join(dir, 'm', 'unknown.yaml'), 'team: t\nprotocol: shake\ncolumns:\n  value: d\n  colour: red\n');
    const u = rg('ingest', 'a.csv', '--mapping', 'm/unknown.yaml');
    assert.equal(u.code, 1);
    assert.match(u.stderr, /columns\.colour: unknown column role "colour"/);
  });
});

describe('ingest of the shared Biogen ADME set', () => {
  const data = resolve(REPO, '../shared/data', BIOGEN_FILE);
  const dir = mkdtempSync(join(tmpdir(), 'rotguard-cli-biogen-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  it('ingests all six assays with their quirks reported', { skip: existsSync(data) ? false : `${data} is absent` }, () => {
    const rg = cli(dir);
    const init = rg('init');
    assert.equal(init.code, 0, init.stderr);
    for (const a of BIOGEN_ASSAYS) {
      const e = a.endpoint;
      assert.equal(
        rg(
          'endpoints',
          'add',
          e.name,
          '--unit',
          e.unit,
          '--transform',
          e.transform,
          '--direction',
          e.direction,
          '--min',
          String(e.validMin),
          ...(e.validMax === null ? [] : ['--max', String(e.validMax)]),
        ).code,
        0,
      );
      assert.equal(rg('protocols', 'add', a.protocol.protocol, '--endpoint', e.name, '--unit', a.protocol.unit, '--site', 'biogen').code, 0);
      const s = rg(
        'ingest',
        data,
        '--team',
        'biogen',
        '--protocol',
        a.protocol.protocol,
        '--structure-column',
        'SMILES',
        '--id-column',
        'Internal ID',
        '--value-column',
        a.column,
        '--value-scale',
        'log10',
        '--json',
      ).json();
      // Empty cells are assays not run on that compound: quarantined as no_value, never silently dropped.
      assert.equal(s.accepted + s.rejected, 3521, a.column);
      assert.equal(s.rejectReasons.internal_error ?? 0, 0);
      assert.ok(s.accepted > 150, `${a.column}: ${s.accepted}`);
      assert.equal(Object.keys(s.rejectReasons).filter((k) => k !== 'no_value' && k !== 'duplicate_row').length, 0, JSON.stringify(s.rejectReasons));
    }
    const solubility = rg('datasets', 'create', '--endpoint', 'solubility_ph68', '--json').json();
    assert.ok(solubility.info.compounds > 2000);
    assert.equal(readdirSync(join(dir, '.rotguard', 'quarantine')).length, 6);
  });
});
