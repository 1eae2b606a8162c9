import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Sqlite from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { auditReport } from '../../src/audit/report.js';
import { monitorModel } from '../../src/monitor/monitor.js';
import { verifyEventLog } from '../../src/store/event-log.js';
import { openStore } from '../../src/store/store.js';
import { combinatorialSmiles } from '../helpers/molecules.js';
import { liveWorkspace, predictionFile } from './live-workspace.js';
import { tally } from './tally.js';
import { BIN } from '../helpers/cli.js';

/**
 * Fault injection: commands killed part-way (SIGKILL, SIGTERM, SIGINT), a full disk and a
 * read-only workspace. After each fault the store must be intact (SQLite integrity check,
 * event log verified with its signatures), every stored row accounted for by the audit,
 * no temporary file left behind, and the command must work when run again.
 */
const dir = mkdtempSync(join(tmpdir(), 'rotguard-faults-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ws = join(dir, '.rotguard');
const env = { ...process.env, ROTGUARD_DATABASE_URL: '', ROTGUARD_WORKSPACE: '', ROTGUARD_USER: 'carl' };
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args, '--workspace', dir], { cwd: dir, encoding: 'utf8', env });
let unseen: string[];

before(async () => {
  const store = await openStore({ workspace: ws, migrate: true });
  try {
    ({ unseen } = await liveWorkspace(store, dir, 'faults'));
  } finally {
    await store.close();
  }
});

function storedPredictions(): number {
  const db = new Sqlite(join(ws, 'store.sqlite'), { readonly: true });
  try {
    return (db.prepare('select count(*) n from predictions').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** Starts a command and kills it with `signal` once `ready()` holds (polled), or after it exits by itself. */
async function killWhen(args: string[], signal: NodeJS.Signals, ready: () => boolean): Promise<{ killed: boolean }> {
  const child = spawn(process.execPath, [BIN, ...args, '--workspace', dir], { cwd: dir, env, stdio: 'ignore' });
  let killed = false;
  await new Promise<void>((done) => {
    const timer = setInterval(() => {
      if (!killed && ready()) {
        killed = true;
        child.kill(signal);
      }
    }, 2);
    child.on('exit', () => {
      clearInterval(timer);
      done();
    });
  });
  return { killed };
}

/** Store intact, log verified with signatures, and nothing the audit cannot account for. */
async function consistent(): Promise<string[]> {
  const problems: string[] = [];
  const raw = new Sqlite(join(ws, 'store.sqlite'), { readonly: true });
  const check = raw.pragma('integrity_check', { simple: true });
  raw.close();
  if (check !== 'ok') problems.push(`integrity_check: ${String(check)}`);
  const store = await openStore({ workspace: ws, readOnly: true });
  try {
    const log = await verifyEventLog(store.db, { key: store.eventKey });
    problems.push(...log.problems.map((p) => p.message));
    const r = await auditReport(store, { actor: 'auditor', workspace: ws, maxMonitorAgeDays: 3650 });
    for (const m of r.models) for (const c of m.controls) if (c.status === 'fail' && c.control === 'serve.predictions_traceable') problems.push(c.reason);
    problems.push(...r.eventLog.problems);
  } finally {
    await store.close();
  }
  return problems;
}

const temps = () => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

describe('faults: predict interrupted part-way', () => {
  for (const signal of ['SIGKILL', 'SIGTERM', 'SIGINT'] as const) {
    it(`${signal} after the first batches: every stored prediction is logged, the audit passes, monitoring counts only logged rows, no .tmp stays`, async () => {
      const input = predictionFile(join(dir, `in-${signal}.csv`), unseen.slice(0, 700));
      const before = storedPredictions();
      const { killed } = await killWhen(
        ['predict', '--model', 'logd-rf@champion', input, '--out', join(dir, `out-${signal}.csv`), '--workers', '1'],
        signal,
        () => storedPredictions() > before,
      );
      const problems = await consistent();
      // SIGKILL cannot be handled: its temporary file is swept by the next writer of the same output.
      if (signal === 'SIGKILL') {
        const rerun = run(
          'predict',
          '--model',
          'logd-rf@champion',
          predictionFile(join(dir, 'small.csv'), unseen.slice(0, 5)),
          '--out',
          join(dir, `out-${signal}.csv`),
        );
        assert.equal(rerun.status, 0, rerun.stderr);
      }
      const store = await openStore({ workspace: ws });
      let monitored = 0;
      try {
        const stored = Number(
          (
            await store.db
              .selectFrom('predictions')
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
        const m = await monitorModel(store, { model: 'logd-rf', window: 'request', actor: 'mon' });
        monitored = m.windows.reduce((s, w) => s + w.predictions, 0);
        if (monitored !== stored) problems.push(`monitoring counted ${monitored} predictions, ${stored} stored and logged`);
      } finally {
        await store.close();
      }
      if (temps().length) problems.push(`temporary files left: ${temps().join(', ')}`);
      const ok = killed && problems.length === 0;
      tally('faults', ok);
      assert.ok(ok, `killed=${killed}: ${problems.join('\n')}`);
    });
  }
});

describe('faults: other write paths killed part-way', () => {
  it('ingest, build, monitor and decide killed with SIGKILL leave a consistent store, and each reruns', async () => {
    const smiles = combinatorialSmiles(3000).slice(1500, 1900);
    const file = join(dir, 'later.csv');
    writeFileSync(file, ['id,smiles,logd,measured,reported', ...smiles.map((s, i) => `k${i},${s},1.5,2024-02-02,2024-02-20`)].join('\n') + '\n');
    writeFileSync(
      join(dir, 'recipe.yaml'),
      'model: logd-knn\nteam: chem\nendpoint: logd\ndataset: { aggregate: mean, reported_by: 2024-01-31 }\nalgorithm: tanimoto-knn\nsplit: { method: random, seed: 0, train: 0.7, calibration: 0.15, test: 0.15 }\nseed: 3\n',
    );
    writeFileSync(
      join(dir, 'policy.yaml'),
      'policy: p\nmodel: logd-rf\nrules:\n  - { name: decay, when: performance.maeRatio > 5, action: retrain }\nmaturity: { min_new_labels: 1 }\n',
    );
    const served = run(
      'predict',
      '--model',
      'logd-rf@champion',
      predictionFile(join(dir, 'served.csv'), unseen.slice(2000, 2040)),
      '--out',
      join(dir, 'served.out.csv'),
    );
    assert.equal(served.status, 0, served.stderr);
    const paths: Array<[string, string[], number]> = [
      [
        'ingest',
        [
          'ingest',
          file,
          '--team',
          'chem',
          '--protocol',
          'shake',
          '--structure-column',
          'smiles',
          '--value-column',
          'logd',
          '--measured-at-column',
          'measured',
          '--reported-at-column',
          'reported',
          '--workers',
          '1',
        ],
        600,
      ],
      ['build', ['build', join(dir, 'recipe.yaml')], 900],
      ['monitor', ['monitor', 'run', '--model', 'logd-rf'], 700],
      ['decide', ['decide', '--policy', join(dir, 'policy.yaml')], 700],
    ];
    for (const [name, args, afterMs] of paths) {
      const started = Date.now();
      await killWhen(args, 'SIGKILL', () => Date.now() - started > afterMs);
      const problems = await consistent();
      const rerun = run(...args);
      if (rerun.status !== 0) problems.push(`rerun of ${name} failed: ${rerun.stderr}`);
      problems.push(...(await consistent()));
      tally('faults', problems.length === 0);
      assert.deepEqual(problems, [], name);
    }
  });
});

/** Root may mount a small tmpfs here (a container without the capability cannot). */
function mountTmpfs(path: string, size: string): boolean {
  mkdirSync(path, { recursive: true });
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', path]).status === 0;
}

describe('faults: full disk and read-only workspace (a small tmpfs; needs root)', () => {
  const mnt = join(dir, 'mnt');
  const canMount = process.getuid?.() === 0 && mountTmpfs(mnt, '4m');
  after(() => {
    if (canMount) spawnSync('umount', ['-l', mnt]);
  });

  it('a full disk is a user error naming the cause; the store stays intact and nothing is half-recorded', {
    skip: canMount ? false : 'cannot mount a tmpfs here (needs root)',
  }, () => {
    const small = join(mnt, 'full');
    mkdirSync(small);
    const rg = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args, '--workspace', small], { cwd: small, encoding: 'utf8', env });
    assert.equal(rg('init', small).status, 0);
    assert.equal(rg('endpoints', 'add', 'logd', '--unit', 'ratio').status, 0);
    assert.equal(rg('protocols', 'add', 'shake', '--endpoint', 'logd', '--unit', 'ratio').status, 0);
    // Fill the disk, leaving a little room: the ingest's transaction cannot fit.
    const filler = join(mnt, 'filler');
    try {
      writeFileSync(filler, Buffer.alloc(64 * 1024 * 1024));
    } catch {
      // ENOSPC: the filler took what there was
    }
    rmSync(filler, { force: true });
    writeFileSync(filler, Buffer.alloc(Math.max(0, freeBytes(mnt) - 96 * 1024)));
    const input = join(dir, 'full-input.csv');
    const smiles = combinatorialSmiles(3000).slice(0, 900);
    writeFileSync(input, ['id,smiles,logd', ...smiles.map((s, i) => `f${i},${s},${(i % 7) / 2}`)].join('\n') + '\n');
    const r = rg('ingest', input, '--team', 'chem', '--protocol', 'shake', '--structure-column', 'smiles', '--value-column', 'logd', '--workers', '1');
    const raw = new Sqlite(join(small, '.rotguard', 'store.sqlite'), { readonly: true });
    const intact = raw.pragma('integrity_check', { simple: true }) === 'ok';
    const sources = (raw.prepare('select count(*) n from sources').get() as { n: number }).n;
    raw.close();
    const ok = r.status === 1 && /disk is full/.test(r.stderr) && !/cannot rollback|internal error/.test(r.stderr) && intact && sources === 0;
    tally('faults', ok);
    assert.ok(ok, `exit ${r.status}: ${r.stderr}; intact=${intact}, sources=${sources}`);
    rmSync(filler, { force: true });
    const again = rg(
      'ingest',
      input,
      '--team',
      'chem',
      '--protocol',
      'shake',
      '--structure-column',
      'smiles',
      '--value-column',
      'logd',
      '--workers',
      '1',
      '--json',
    );
    assert.equal(again.status, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).status, 'ingested');
    rmSync(small, { recursive: true, force: true });
  });

  it('a read-only copy of the workspace is audited and verified without being changed; writes are refused as user errors', {
    skip: canMount ? false : 'cannot mount a tmpfs here (needs root)',
  }, () => {
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    assert.equal(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', ro]).status, 0);
    try {
      cpSync(ws, join(ro, '.rotguard'), { recursive: true });
      for (const f of ['store.sqlite-wal', 'store.sqlite-shm']) rmSync(join(ro, '.rotguard', f), { force: true });
      const digest = () =>
        createHash('sha256')
          .update(readFileSync(join(ro, '.rotguard', 'store.sqlite')))
          .digest('hex') + readdirSync(join(ro, '.rotguard')).sort().join(',');
      const beforeDigest = digest();
      assert.equal(spawnSync('mount', ['-o', 'remount,ro', ro]).status, 0);
      const rg = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args, '--workspace', ro], { cwd: dir, encoding: 'utf8', env });
      const verify = rg('audit', 'verify');
      const audit = rg('audit', '--out', dir, '--max-monitor-age-days', '3650');
      const write = rg('endpoints', 'add', 'x', '--unit', 'ratio');
      const cases: Array<[string, boolean, string]> = [
        ['audit verify on a read-only workspace', verify.status === 0, verify.stderr + verify.stdout],
        ['audit on a read-only workspace', audit.status === 0 || audit.status === 3, audit.stderr],
        ['a write on a read-only workspace', write.status === 1 && !/internal error/.test(write.stderr), write.stderr],
      ];
      for (const [name, ok, why] of cases) {
        tally('faults', ok);
        assert.ok(ok, `${name}: ${why}`);
      }
      assert.equal(digest(), beforeDigest, 'the read-only workspace is unchanged');
    } finally {
      spawnSync('umount', ['-l', ro]);
    }
  });
});

function freeBytes(path: string): number {
  const out = spawnSync('df', ['-B1', '--output=avail', path], { encoding: 'utf8' }).stdout.trim().split('\n')[1];
  return Number(out);
}

void existsSync;
