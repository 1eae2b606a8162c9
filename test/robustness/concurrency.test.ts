import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { auditReport } from '../../src/audit/report.js';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { decideNow } from '../../src/policy/decisions.js';
import { parsePolicy } from '../../src/policy/policy-file.js';
import { predictFile } from '../../src/serve/predict.js';
import { verifyEventLog } from '../../src/store/event-log.js';
import { openStore, type Store } from '../../src/store/store.js';
import { combinatorialSmiles } from '../helpers/molecules.js';
import { forEachBackend } from '../store/backends.js';
import { liveWorkspace, predictionFile } from './live-workspace.js';
import { tally } from './tally.js';
import { BIN } from '../helpers/cli.js';

/**
 * Concurrency on both store backends: overlapping prediction requests (the mode a watched
 * model runs in) must leave per-request windows a policy can decide on, and two processes
 * doing the same thing at once (ingesting the same file, building the same recipe) must
 * end with one result, the other either seeing it or failing as a user error, and a store
 * that audits clean.
 */
const dir = mkdtempSync(join(tmpdir(), 'rotguard-concurrency-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(() => loadRDKit());

const POLICY = parsePolicy(
  'policy: p\nmodel: logd-rf\nrules:\n  - { name: new_chemistry, when: input.unseenScaffoldShare > 0.3, sustained: { k: 2, n: 3 }, action: watch }\n',
);

function cli(args: string[], workspace: string, databaseUrl?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args, '--workspace', workspace], {
      cwd: dir,
      env: { ...process.env, ROTGUARD_DATABASE_URL: databaseUrl ?? '', ROTGUARD_WORKSPACE: '', ROTGUARD_USER: 'ana' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

forEachBackend('concurrency', (b) => {
  let store: Store;
  let unseen: string[];
  let workspace: string;
  let databaseUrl: string | undefined;

  before(async () => {
    const location = await b.freshLocation();
    workspace = location.workspace;
    databaseUrl = location.databaseUrl;
    store = await openStore({ ...location, migrate: true });
    ({ unseen } = await liveWorkspace(store, dir, `${b.backend}-conc`));
  });

  it('overlapping prediction requests give per-request windows that decide accepts, on every later run too', async () => {
    const files = [0, 1, 2].map((k) => predictionFile(join(dir, `${b.backend}-overlap${k}.csv`), unseen.slice(k * 300, k * 300 + (k === 1 ? 40 : 300))));
    // Three requests at once: a long one, a short one that starts after it and ends before it, and another long one.
    const results = await Promise.all(
      files.map((input, k) => predictFile(store, { modelRef: 'logd-rf@champion', input, out: join(dir, `${b.backend}-o${k}.csv`), actor: 'carl', workers: 1 })),
    );
    const problems: string[] = [];
    for (let run = 0; run < 2; run++) {
      try {
        const d = await decideNow(store, { policy: POLICY, window: 'request', actor: 'mon' });
        if (!d.action) problems.push('no action');
      } catch (e) {
        problems.push(`decide run ${run + 1}: ${(e as Error).message}`);
      }
    }
    const r = await auditReport(store, { actor: 'auditor', workspace, maxMonitorAgeDays: 3650 });
    const traceable = r.models.find((m) => m.version === 'logd-rf@1')!.controls.find((c) => c.control === 'serve.predictions_traceable')!;
    if (traceable.status !== 'pass') problems.push(traceable.reason);
    tally('concurrency', problems.length === 0);
    assert.deepEqual(problems, []);
    assert.equal(
      results.reduce((s, x) => s + x.predicted, 0),
      640,
    );
  });

  it('the same file ingested by two processes at once is ingested once; the other sees it or fails as a user error', async () => {
    const file = join(dir, `${b.backend}-twice.csv`);
    writeFileSync(
      file,
      [
        'id,smiles,logd',
        ...combinatorialSmiles(3000)
          .slice(2000, 2150)
          .map((s, i) => `t${i},${s},${(i % 9) / 3}`),
      ].join('\n') + '\n',
    );
    const args = [
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
      '--workers',
      '1',
      '--json',
    ];
    const runs = await Promise.all([cli(args, workspace, databaseUrl), cli(args, workspace, databaseUrl)]);
    const statuses = runs.map((r) =>
      r.code === 0
        ? (JSON.parse(r.stdout) as { status: string }).status
        : r.code === 1 && !/internal error/.test(r.stderr)
          ? 'user_error'
          : `exit ${r.code}: ${r.stderr}`,
    );
    const sources = await store.db.selectFrom('sources').select('id').where('path', '=', file).execute();
    const ok =
      statuses.filter((s) => s === 'ingested').length === 1 &&
      statuses.every((s) => ['ingested', 'already_ingested', 'user_error'].includes(s)) &&
      sources.length === 1;
    tally('concurrency', ok);
    assert.ok(ok, JSON.stringify(statuses));
    assert.ok((await verifyEventLog(store.db, { key: store.eventKey })).ok);
  });

  it('the same recipe built by two processes at once is trained once; the other reuses it or fails as a user error', async () => {
    const recipe = join(dir, `${b.backend}-recipe.yaml`);
    writeFileSync(
      recipe,
      'model: logd-knn\nteam: chem\nendpoint: logd\ndataset: { aggregate: mean, reported_by: 2024-01-31 }\nalgorithm: tanimoto-knn\nsplit: { method: random, seed: 0, train: 0.7, calibration: 0.15, test: 0.15 }\nseed: 3\n',
    );
    const runs = await Promise.all([cli(['build', recipe, '--json'], workspace, databaseUrl), cli(['build', recipe, '--json'], workspace, databaseUrl)]);
    const outcomes = runs.map((r) =>
      r.code === 0 ? 'built' : r.code === 1 && !/internal error/.test(r.stderr) ? 'user_error' : `exit ${r.code}: ${r.stderr}`,
    );
    const versions = await store.db.selectFrom('model_versions').select('id').where('model', '=', 'logd-knn').execute();
    const ok = outcomes.includes('built') && outcomes.every((o) => o === 'built' || o === 'user_error') && versions.length === 1;
    tally('concurrency', ok);
    assert.ok(ok, JSON.stringify(outcomes));
    assert.ok((await verifyEventLog(store.db, { key: store.eventKey })).ok);
    // Closed here: the backend's own cleanup (which drops the database) runs before this group's after().
    await store.close();
  });
});
