import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { RotguardError } from '../../src/core/errors.js';
import { build, buildHashOf, UNGOVERNED } from '../../src/training/build.js';
import { buildEnvironment } from '../../src/training/environment.js';
import { validateRecipe, type Recipe } from '../../src/training/recipe.js';
import { addEndpoint } from '../../src/data/endpoints.js';
import { ingestFile } from '../../src/data/ingest.js';
import { validateMapping } from '../../src/data/mapping.js';
import { addProtocolVersion } from '../../src/data/protocols.js';
import { modelEvents, promote, setGate } from '../../src/registry/registry.js';
import type { Store } from '../../src/store/store.js';
import type { ValidationReport } from '../../src/validate/report.js';
import { combinatorialSmiles } from '../helpers/molecules.js';
import { forEachBackend, type TestBackend } from '../store/backends.js';

const dir = mkdtempSync(join(tmpdir(), 'rotguard-build-'));
after(() => (process.env.KEEP_TEST_DIRS ? undefined : rmSync(dir, { recursive: true, force: true })));
let n = 0;

/** A fresh embedded store with 120 compounds and a label that depends on their R-groups. */
async function freshStore(backend: TestBackend, extraRows = 0): Promise<Store> {
  const store = await backend.openFresh();
  n++;
  await addEndpoint(
    store,
    { name: 'logd', unit: 'ratio', transform: 'none', direction: 'higher_is_better', validMin: null, validMax: null, description: '' },
    'alice',
  );
  await addProtocolVersion(store, { protocol: 'shake', endpoint: 'logd', unit: 'ratio', site: 's', vendor: 'v', parameters: {} }, 'alice');
  const smiles = combinatorialSmiles(120 + extraRows);
  const csv = ['id,smiles,logd', ...smiles.map((s, i) => `c${i},${s},${((s.length % 17) / 4 + (s.includes('Cl') ? 1 : 0)).toFixed(3)}`)].join('\n') + '\n';
  const file = join(dir, `data${n}.csv`);
  writeFileSync(file, csv);
  await ingestFile(store, {
    path: file,
    mapping: validateMapping({ team: 'chem', protocol: 'shake', columns: { id: 'id', structure: 'smiles', value: 'logd' } }),
    actor: 'alice',
    quarantineDir: dir,
    workers: 1,
  });
  return store;
}

const recipeDoc = {
  model: 'logd-rf',
  team: 'chem',
  endpoint: 'logd',
  dataset: { aggregate: 'mean' },
  features: { descriptors: 'rdkit-desc@1', radius: 2, bits: 1024 },
  split: { method: 'scaffold', seed: 0, train: 0.7, calibration: 0.15, test: 0.15 },
  algorithm: 'random-forest',
  params: { nEstimators: 10 },
  seed: 7,
};
const recipe = (patch: Record<string, unknown> = {}): Recipe => validateRecipe({ ...recipeDoc, ...patch });

forEachBackend('reproducible builds', (backend) => {
  before(() => loadRDKit());

  it('gives the same build hash and a bit-identical artifact in two fresh workspaces, and a cache hit the second time', async () => {
    const a = await freshStore(backend);
    const b = await freshStore(backend);
    const first = await build(a, recipe(), 'alice', UNGOVERNED);
    const other = await build(b, recipe(), 'alice', UNGOVERNED);
    assert.equal(first.buildHash, other.buildHash);
    assert.equal(first.artifactBlob, other.artifactBlob);
    assert.deepEqual(await a.blobs.get(first.artifactBlob), await b.blobs.get(other.artifactBlob));
    assert.equal(first.cacheHit, false);
    const again = await build(a, recipe(), 'bob', UNGOVERNED);
    assert.equal(again.cacheHit, true);
    assert.equal(again.version.id, first.version.id);
    assert.ok(again.savedSeconds > 0);
    const row = await a.db.selectFrom('builds').selectAll().where('hash', '=', first.buildHash).executeTakeFirstOrThrow();
    assert.equal(row.cache_hits, 1);
    assert.equal(row.saved_seconds, first.trainSeconds);
    assert.equal((await a.db.selectFrom('model_versions').selectAll().execute()).length, 1, 'no second version for an identical build');
    await a.close();
    await b.close();
  });

  it('gives a new hash for new data, features, seed, split or code', async () => {
    const store = await freshStore(backend);
    const base = await build(store, recipe(), 'alice', UNGOVERNED);
    const seed = await build(store, recipe({ seed: 8 }), 'alice', UNGOVERNED);
    const features = await build(store, recipe({ features: { descriptors: 'rdkit-desc@1', radius: 2, bits: 2048 } }), 'alice', UNGOVERNED);
    const split = await build(store, recipe({ split: { ...recipeDoc.split, seed: 1 } }), 'alice', UNGOVERNED);
    const hashes = new Set([base.buildHash, seed.buildHash, features.buildHash, split.buildHash]);
    assert.equal(hashes.size, 4);
    assert.deepEqual([seed.version.version, features.version.version, split.version.version], [2, 3, 4]);
    // New data: one more compound in the store changes the snapshot, hence the build.
    const more = await freshStore(backend, 1);
    const grown = await build(more, recipe(), 'alice', UNGOVERNED);
    assert.notEqual(grown.snapshot, base.snapshot);
    assert.notEqual(grown.buildHash, base.buildHash);
    // New code: the package version and lockfile are in the environment.
    const env = buildEnvironment();
    const r = recipe();
    const resolved = { ...r, dataset: { snapshot: base.snapshot } };
    assert.equal(buildHashOf(resolved, base.snapshot, base.featureHash, env), base.buildHash);
    assert.notEqual(buildHashOf(resolved, base.snapshot, base.featureHash, { ...env, rotguard: '9.9.9' }), base.buildHash);
    assert.notEqual(buildHashOf(resolved, base.snapshot, base.featureHash, { ...env, lockfileSha256: 'x' }), base.buildHash);
    assert.notEqual(buildHashOf(resolved, base.snapshot, base.featureHash, { ...env, codeSha256: 'y' }), base.buildHash);
    await store.close();
    await more.close();
  });

  it('writes a validation report with metrics, conformal coverage and an applicability profile', async () => {
    const store = await freshStore(backend);
    const r = await build(store, recipe({ algorithm: 'ridge', params: {} }), 'alice', UNGOVERNED);
    const report = r.report;
    assert.equal(report.split.method, 'scaffold');
    const compounds = (await store.db.selectFrom('compounds').select('inchikey').execute()).length;
    assert.equal(report.split.sizes.train + report.split.sizes.calibration + report.split.sizes.test, compounds);
    assert.ok(report.split.sizes.calibration > 0 && report.split.sizes.test > 0);
    assert.ok('rmse' in report.test && Number.isFinite(report.test.rmse));
    assert.deepEqual(
      report.conformal!.map((c) => c.level),
      [0.8, 0.9, 0.95],
    );
    assert.equal(
      report.applicabilityDomain.bins.reduce((s, b) => s + b.n, 0),
      report.split.sizes.test,
    );
    await store.close();
  });
});

forEachBackend('classification builds', (backend) => {
  before(() => loadRDKit());

  it('classify the label against a threshold and report AUROC, AUPRC and balanced accuracy', async () => {
    const store = await freshStore(backend);
    const r = await build(
      store,
      recipe({ model: 'logd-high', task: { type: 'classification', threshold: 2, positive: 'above' }, params: { nEstimators: 20 } }),
      'alice',
      UNGOVERNED,
    );
    assert.equal(r.report.task, 'classification');
    const t = r.report.test as unknown as Record<string, number>;
    assert.ok(t.auroc! >= 0 && t.auroc! <= 1);
    assert.ok(Number.isFinite(t.averagePrecision!) && Number.isFinite(t.balancedAccuracy!));
    assert.equal(r.report.conformal, null);
    await store.close();
  });
});

describe('recipes', () => {
  it('name the field at fault', () => {
    const bad = (patch: Record<string, unknown>, field: string) =>
      assert.throws(
        () => validateRecipe({ ...recipeDoc, ...patch }),
        (e: unknown) => e instanceof RotguardError && e.location.field === field,
        field,
      );
    bad({ algorithm: 'svm' }, 'algorithm');
    bad({ split: { method: 'kmeans' } }, 'split.method');
    bad({ split: { train: 0.9, calibration: 0.2, test: 0.1 } }, 'split.fractions');
    bad({ params: { nEstimators: -1 } }, 'params.nEstimators');
    bad({ features: { bits: 1000 } }, 'features.bits');
    bad({ colour: 'red' }, 'colour');
    bad({ dataset: 'xyz' }, 'dataset');
    bad({ task: { type: 'classification' } }, 'task.threshold');
    bad({ task: { type: 'classification', threshold: 1, positive: 'sideways' } }, 'task.positive');
  });
});

forEachBackend('promotion', (backend) => {
  before(() => loadRDKit());

  it('refuses champion without a gate, with a failing gate, or by the builder alone; records every attempt', async () => {
    const store = await freshStore(backend);
    const r = await build(store, recipe(), 'alice', UNGOVERNED);
    const readReport = async (blob: string) => JSON.parse((await store.blobs.get(blob)).toString('utf8')) as ValidationReport;
    const attempt = (actor: string) => promote(store, { ref: 'logd-rf@1', alias: 'champion', actor, reason: 'ready', readReport });
    await assert.rejects(attempt('bob'), (e: unknown) => e instanceof RotguardError && e.code === 'no_gate');
    await setGate(store, 'logd', { minTestSize: 10, maxRmse: 0.0001 }, 'lead');
    await assert.rejects(attempt('bob'), (e: unknown) => e instanceof RotguardError && e.code === 'gate_failed' && /test RMSE/.test(e.message));
    await setGate(store, 'logd', { minTestSize: 10, coverage: { level: 0.8, min: 0.01 } }, 'lead');
    await assert.rejects(attempt('alice'), (e: unknown) => e instanceof RotguardError && e.code === 'approver_is_builder');
    const ok = await attempt('bob');
    assert.equal(ok.version.id, r.version.id);
    assert.ok(ok.gate!.passed);
    await assert.rejects(promote(store, { ref: 'logd-rf@1', alias: 'champion', actor: 'bob', reason: ' ', readReport }), /say why/);
    const kinds = (await modelEvents(store, 'logd-rf')).map((e) => `${e.kind}:${e.actor}`);
    assert.deepEqual(kinds, ['registered:alice', 'promotion_refused:bob', 'promotion_refused:bob', 'promotion_refused:alice', 'promoted_champion:bob']);
    // A challenger needs neither gate nor second person.
    await build(store, recipe({ seed: 99 }), 'alice', UNGOVERNED);
    assert.equal((await promote(store, { ref: 'logd-rf@2', alias: 'challenger', actor: 'alice', reason: 'try it', readReport })).alias, 'challenger');
    const owners = await store.db
      .selectFrom('model_aliases as a')
      .innerJoin('model_versions as v', 'v.id', 'a.version_id')
      .select(['a.team', 'v.team as versionTeam'])
      .execute();
    assert.ok(owners.length === 2 && owners.every((o) => o.team === o.versionTeam), "an alias belongs to its model's team");
    await store.close();
  });
});
