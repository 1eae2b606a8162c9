import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { RotguardError } from '../../src/core/errors.js';
import { buildModel } from '../../src/usecases/models.js';
import { createContext } from '../../src/usecases/context.js';
import { readRecipeFile, validateRecipe } from '../../src/training/recipe.js';
import { addEndpoint } from '../../src/data/endpoints.js';
import { ingestFile } from '../../src/data/ingest.js';
import { validateMapping } from '../../src/data/mapping.js';
import { addProtocolVersion } from '../../src/data/protocols.js';
import { applyPolicy, decideNow, retrainBasis } from '../../src/policy/decisions.js';
import { parsePolicy } from '../../src/policy/policy-file.js';
import { modelEvents, promote, setGate, unfreeze } from '../../src/registry/registry.js';
import { predictFile } from '../../src/serve/predict.js';
import type { ValidationReport } from '../../src/validate/report.js';
import { combinatorialSmiles } from '../helpers/molecules.js';
import { forEachBackend } from '../store/backends.js';

const dir = mkdtempSync(join(tmpdir(), 'rotguard-policy-apply-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const POLICY = parsePolicy(`
policy: logd-watch
model: logd-rf
rules:
  - name: new_chemistry
    when: input.unseenScaffoldShare > 0.3
    action: watch
  - name: performance_decay
    when: performance.maeRatio > 1.3
    action: retrain
  - name: assay_shift
    when: assay.confirmedShift == true
    action: freeze
maturity:
  min_new_labels: 20
  min_labels_on_new_chemistry: 10
`);

forEachBackend('policy decisions on a live model', (backend) => {
  before(() => loadRDKit());

  it('watches new chemistry, retrains once labels show decay, freezes on an assay shift, and logs why every retrain happened', async () => {
    const store = await backend.openFresh();
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
    const label = (s: string) => ((s.length % 13) / 3).toFixed(3);
    const csv = (name: string, rows: string[]) => (
      writeFileSync(join(dir, name), ['id,smiles,logd,measured,reported', ...rows].join('\n') + '\n'), join(dir, name)
    );
    const train = combinatorialSmiles(150);
    await ingestFile(store, {
      path: csv(
        't.csv',
        train.map((s, i) => `c${i},${s},${label(s)},2024-01-02,2024-01-20`),
      ),
      mapping,
      actor: 'ana',
      quarantineDir: dir,
      workers: 1,
    });
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

    const novel = Array.from({ length: 30 }, (_, i) => `${'C'.repeat(6 + (i % 15))}(=O)N${i < 15 ? 'C' : 'CC'}O`);
    writeFileSync(join(dir, 'n.csv'), ['id,smiles', ...novel.map((s, i) => `n${i},${s}`)].join('\n') + '\n');
    await predictFile(store, { modelRef: 'logd-rf@champion', input: join(dir, 'n.csv'), out: join(dir, 'p.csv'), actor: 'carl', workers: 1 });

    // 1. New chemistry, no labels yet: watch, and the decision is recorded with the policy hash.
    const watch = await decideNow(store, { policy: POLICY, window: 'request', actor: 'mon' });
    assert.equal(watch.action, 'watch');
    const events = await modelEvents(store, 'logd-rf');
    const recorded = JSON.parse(events.filter((e) => e.kind === 'decision').at(-1)!.payload) as { policyHash: string; action: string };
    assert.deepEqual([recorded.action, recorded.policyHash], ['watch', POLICY.hash]);

    // Under watch, monitoring widens to per-batch windows when no window kind is given.
    const watching = await decideNow(store, { policy: POLICY, actor: 'mon' });
    assert.equal(watching.window.label, watch.window.label, 'a request window, not an ISO week');
    assert.doesNotMatch(watching.window.label, /^\d{4}-W\d{2}$/);

    // A retrain now has no triggering decision: it needs a stated reason.
    await assert.rejects(retrainBasis(store.db, 'logd-rf', undefined), (e: unknown) => e instanceof RotguardError && e.code === 'override_reason_required');
    assert.equal((await retrainBasis(store.db, 'logd-rf', 'vendor data correction'))!.kind, 'override');
    const ana = createContext(store, { actor: 'ana' });
    // The use case refuses it before any compute is spent, and nothing is registered.
    await assert.rejects(buildModel(ana, { ...recipe, seed: 5 }), (e: unknown) => e instanceof RotguardError && e.code === 'override_reason_required');
    assert.equal((await store.db.selectFrom('model_versions').select('id').execute()).length, 1);
    const overridden = await buildModel(ana, { ...recipe, seed: 5 }, { overrideReason: 'vendor data correction' });
    assert.equal(overridden.version.id, 'logd-rf@2');

    // 2. Labels arrive and the model is poor on the new series: retrain, with a recipe for the new window.
    await ingestFile(store, {
      path: csv(
        'l.csv',
        novel.map((s, i) => `n${i},${s},${(8 + (i % 5)).toFixed(2)},2024-02-01,2024-02-10`),
      ),
      mapping,
      actor: 'ana',
      quarantineDir: dir,
      workers: 1,
    });
    const asOf = new Date(Date.now() + 60_000).toISOString();
    const retrain = await applyPolicy(store, { policy: POLICY, window: 'request', asOf, actor: 'mon', recipeOut: join(dir, 'retrain.yaml') });
    assert.equal(retrain.decision.action, 'retrain', retrain.decision.reason);
    const emitted = readRecipeFile(join(dir, 'retrain.yaml'));
    assert.equal(emitted.model, 'logd-rf');
    assert.ok('window' in emitted.dataset && emitted.dataset.window.reportedBy! > '2024-01-31', JSON.stringify(emitted.dataset));
    assert.equal((await retrainBasis(store.db, 'logd-rf', undefined))!.kind, 'decision');
    const v2 = await buildModel(ana, emitted);
    assert.equal(v2.version.id, 'logd-rf@3');

    // 3. Reference compounds jump after a protocol change: freeze, and promotion is refused.
    await addProtocolVersion(store, { protocol: 'shake', endpoint: 'logd', unit: 'ratio', site: 's', vendor: 'v', parameters: { buffer: 'new' } }, 'ana');
    await ingestFile(store, {
      path: csv(
        'r.csv',
        train.slice(0, 5).map((s, i) => `c${i},${s},${(Number(label(s)) + 1).toFixed(3)},2024-03-01,2024-03-05`),
      ),
      mapping: { ...mapping, protocol: 'shake@2' },
      actor: 'ana',
      quarantineDir: dir,
      workers: 1,
    });
    const freeze = await applyPolicy(store, { policy: POLICY, window: 'request', asOf, actor: 'mon' });
    assert.equal(freeze.decision.action, 'freeze');
    assert.equal(freeze.frozen, true);
    await assert.rejects(
      promote(store, { ref: 'logd-rf@3', alias: 'champion', actor: 'ben', reason: 'better', readReport }),
      (e: unknown) => e instanceof RotguardError && e.code === 'frozen',
    );
    const flagged = await predictFile(store, {
      modelRef: 'logd-rf@champion',
      input: join(dir, 'n.csv'),
      out: join(dir, 'p-frozen.csv'),
      actor: 'carl',
      workers: 1,
    });
    assert.equal(flagged.modelFrozen, true);
    const frozenRows = await store.db.selectFrom('predictions').select('model_frozen').where('request', '=', flagged.request).execute();
    assert.ok(frozenRows.length > 0 && frozenRows.every((r) => r.model_frozen === 1));
    await unfreeze(store, { model: 'logd-rf', actor: 'lead', reason: 'assay bridged' });
    await assert.rejects(
      unfreeze(store, { model: 'logd-rf', actor: 'lead', reason: 'again' }),
      (e: unknown) => e instanceof RotguardError && e.code === 'not_frozen',
    );
    assert.equal((await promote(store, { ref: 'logd-rf@3', alias: 'champion', actor: 'ben', reason: 'better', readReport })).alias, 'champion');
    const kinds = (await modelEvents(store, 'logd-rf')).map((e) => e.kind);
    for (const k of ['retrain_override', 'retrain_by_decision', 'frozen', 'unfrozen']) assert.ok(kinds.includes(k), k);
    assert.ok(readFileSync(join(dir, 'retrain.yaml'), 'utf8').startsWith('# emitted by rotguard policy apply'));
    await store.close();
  });
});
