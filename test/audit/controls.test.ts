import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { auditReport } from '../../src/audit/report.js';
import { tracePrediction } from '../../src/audit/trace.js';
import { buildModel } from '../../src/usecases/models.js';
import { createContext } from '../../src/usecases/context.js';
import { validateRecipe } from '../../src/training/recipe.js';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { addEndpoint } from '../../src/data/endpoints.js';
import { ingestFile } from '../../src/data/ingest.js';
import { validateMapping } from '../../src/data/mapping.js';
import { addProtocolVersion } from '../../src/data/protocols.js';
import { decideNow } from '../../src/policy/decisions.js';
import { parsePolicy } from '../../src/policy/policy-file.js';
import { promote, setGate } from '../../src/registry/registry.js';
import { predictFile } from '../../src/serve/predict.js';
import { sqlBackendOf } from '../../src/store/event-log.js';
import type { Store } from '../../src/store/store.js';
import type { ValidationReport } from '../../src/validate/report.js';
import { combinatorialSmiles } from '../helpers/molecules.js';
import { forEachBackend } from '../store/backends.js';

/**
 * The audit's controls on a small live workspace, on both store backends: a clean history
 * passes; an override retrain, a self-approved promotion, stale monitoring and an altered
 * prediction each fail the control that covers them, with a reason.
 */
const dir = mkdtempSync(join(tmpdir(), 'rotguard-audit-controls-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(() => loadRDKit());

const POLICY = parsePolicy(
  'policy: p\nmodel: logd-rf\nrules:\n  - { name: decay, when: performance.maeRatio > 5, action: retrain }\nmaturity: { min_new_labels: 1 }\n',
);

async function liveModel(store: Store, tag: string) {
  const readReport = async (b: string) => JSON.parse((await store.blobs.get(b)).toString('utf8')) as ValidationReport;
  await addEndpoint(
    store,
    { name: 'logd', unit: 'ratio', transform: 'none', direction: 'higher_is_better', validMin: null, validMax: null, description: '' },
    'ana',
  );
  await addProtocolVersion(store, { protocol: 'shake', endpoint: 'logd', unit: 'ratio', site: 's', vendor: 'v', parameters: {} }, 'ana');
  const mapping = validateMapping({
    team: 'chem',
    protocol: 'shake',
    columns: { id: 'id', structure: 'smiles', value: 'logd', measured_at: 'measured', reported_at: 'reported' },
  });
  const smiles = combinatorialSmiles(160);
  const file = join(dir, `${tag}-train.csv`);
  writeFileSync(
    file,
    ['id,smiles,logd,measured,reported', ...smiles.slice(0, 130).map((s, i) => `c${i},${s},${((s.length % 13) / 3).toFixed(3)},2024-01-02,2024-01-20`)].join(
      '\n',
    ) + '\n',
  );
  await ingestFile(store, { path: file, mapping, actor: 'ana', quarantineDir: dir, workers: 1 });
  const recipe = validateRecipe({
    model: 'logd-rf',
    team: 'chem',
    endpoint: 'logd',
    dataset: { aggregate: 'mean', reported_by: '2024-01-31' },
    algorithm: 'random-forest',
    params: { nEstimators: 10 },
    split: { method: 'random', seed: 0, train: 0.7, calibration: 0.15, test: 0.15 },
    seed: 1,
  });
  await buildModel(createContext(store, { actor: 'ana' }), recipe);
  await setGate(store, 'logd', { minTestSize: 5, requireSplit: 'any' }, 'lead');
  await promote(store, { ref: 'logd-rf@1', alias: 'champion', actor: 'ben', reason: 'reviewed', readReport });
  const input = join(dir, `${tag}-new.csv`);
  writeFileSync(input, ['id,smiles', ...smiles.slice(130).map((s, i) => `n${i},${s}`)].join('\n') + '\n');
  await predictFile(store, { modelRef: 'logd-rf@champion', input, out: join(dir, `${tag}-p.csv`), actor: 'carl', workers: 1 });
  await decideNow(store, { policy: POLICY, actor: 'mon' });
  return { readReport, recipe };
}

const failed = (r: Awaited<ReturnType<typeof auditReport>>, version: string) =>
  Object.fromEntries(
    r.models
      .find((m) => m.version === version)!
      .controls.filter((c) => c.status === 'fail')
      .map((c) => [c.control, c.reason]),
  );

forEachBackend('audit controls', (b) => {
  it('pass on a clean history, and each breach fails its own control with a reason', async () => {
    const store = await b.openFresh();
    const { readReport, recipe } = await liveModel(store, b.backend);
    const clean = await auditReport(store, { workspace: 'w', actor: 'auditor' });
    assert.deepEqual(failed(clean, 'logd-rf@1'), {});
    assert.equal(clean.eventLog.ok, true);
    assert.equal(clean.models[0]!.controls.find((c) => c.control === 'release.second_approver')!.status, 'pass');

    // The trace reaches the source file the model learned from.
    const p = await store.db.selectFrom('predictions').select('id').executeTakeFirstOrThrow();
    const t = await tracePrediction(store, p.id);
    assert.deepEqual(t.broken, []);
    assert.deepEqual(
      t.sources.map((s) => s.path),
      [join(dir, `${b.backend}-train.csv`)],
    );

    // A retrain by override, promoted by its own builder.
    await buildModel(createContext(store, { actor: 'ana' }), { ...recipe, seed: 2 }, { overrideReason: 'urgent request from the project lead' });
    await setGate(store, 'logd', { minTestSize: 5, requireSplit: 'any' }, 'lead');
    await assert.rejects(promote(store, { ref: 'logd-rf@2', alias: 'champion', actor: 'ana', reason: 'mine', readReport }), /second person/);
    // An edited prediction value (the digest logged when it was served no longer matches).
    const backendSql = sqlBackendOf(store.db);
    assert.ok(backendSql === b.backend);
    await store.db.updateTable('predictions').set({ value: 42 }).where('id', '=', p.id).execute();

    const r = await auditReport(store, { workspace: 'w', maxMonitorAgeDays: 1, actor: 'auditor' });
    const v1 = failed(r, 'logd-rf@1');
    assert.match(v1['serve.predictions_traceable'] ?? '', /digest mismatch/);
    const v2 = failed(r, 'logd-rf@2');
    assert.match(v2['policy.retrain_justified'] ?? '', /override.*urgent request/);
    assert.equal(
      r.models.find((m) => m.version === 'logd-rf@2')!.controls.find((c) => c.control === 'release.second_approver')!.status,
      'n/a',
      'a refused promotion is not a promotion',
    );
    assert.ok(r.summary.controlsFailed >= 2);
  });

  it('fails serve.predictions_traceable for a prediction outside every logged batch, and for one of another feature version, in either audit', async () => {
    const store = await b.openFresh();
    await liveModel(store, `${b.backend}-rows`);
    const traceable = async (version?: string) =>
      failed(await auditReport(store, { workspace: 'w', actor: 'auditor', version }), 'logd-rf@1')['serve.predictions_traceable'] ?? 'pass';
    assert.equal(await traceable(), 'pass');
    assert.equal(await traceable('logd-rf@1'), 'pass');

    // A row added with plain SQL in a request nobody served: the logged batches' digests all match, but they no longer add up to the version's rows.
    const row = await store.db.selectFrom('predictions').selectAll().limit(1).executeTakeFirstOrThrow();
    await store.db
      .insertInto('predictions')
      .values({ ...row, id: '00000000-0000-4000-8000-000000000001', request: 'ffffffff-0000-4000-8000-000000000000', batch: 0 })
      .execute();
    for (const version of [undefined, 'logd-rf@1'])
      assert.match(await traceable(version), /^request ffffffff-000 batch 1 \(1 predictions\) has no event in the log$/);
    await store.db.deleteFrom('predictions').where('id', '=', '00000000-0000-4000-8000-000000000001').execute();

    // A row's feature version changed (not part of the digest): found in the same pass over the batches.
    await store.db
      .updateTable('predictions')
      .set({ feature_hash: 'e'.repeat(64) })
      .where('id', '=', row.id)
      .execute();
    for (const version of [undefined, 'logd-rf@1']) assert.match(await traceable(version), /^1 predictions were computed with another feature version$/);
  });
});
