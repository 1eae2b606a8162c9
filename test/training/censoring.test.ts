import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { RotguardError } from '../../src/core/errors.js';
import { Random } from '../../src/core/random.js';
import { addEndpoint } from '../../src/data/endpoints.js';
import { ingestFile } from '../../src/data/ingest.js';
import { validateMapping } from '../../src/data/mapping.js';
import { addProtocolVersion, listProtocolVersions } from '../../src/data/protocols.js';
import { createSnapshot, readSnapshot } from '../../src/data/snapshots.js';
import { build, UNGOVERNED } from '../../src/training/build.js';
import { validateRecipe } from '../../src/training/recipe.js';
import { gradientBoostingTrainer } from '../../src/training/trainers/index.js';
import { openStore, type Store } from '../../src/store/store.js';
import { combinatorialSmiles } from '../helpers/molecules.js';

const dir = mkdtempSync(join(tmpdir(), 'rotguard-censoring-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('censored labels at an assay floor', () => {
  before(() => loadRDKit());

  it("gradient boosting treats a floor as a bound: a less sensitive assay's floor does not drag predictions up", () => {
    // y = 2·x0 − 1 + noise. Odd rows come from an assay with a floor at 0.5: below it they
    // read 0.5, flagged "≤ 0.5". Even rows are exact. Scored against the true y of rows under the floor.
    const rng = new Random(3);
    const n = 800;
    const x = Float64Array.from({ length: n * 2 }, () => rng.uniform());
    const truth = Float64Array.from({ length: n }, (_, i) => 2 * x[i * 2]! - 1 + 0.1 * (rng.uniform() - 0.5));
    const floored = (i: number) => i % 2 === 1 && truth[i]! < 0.5;
    const labels = truth.map((y, i) => (floored(i) ? 0.5 : y));
    const censored = Int8Array.from(truth, (_, i) => (floored(i) ? -1 : 0));
    const data = { rows: n, descriptors: { data: x, columns: 2 }, labels, task: 'regression' as const };
    const params = { iterations: 150, members: 1, subsample: 1, featureFraction: 1, minSamplesLeaf: 10 };
    const aware = gradientBoostingTrainer.train({ ...data, censored }, params, 0).predict(data).value;
    const naive = gradientBoostingTrainer.train(data, params, 0).predict(data).value;
    let errAware = 0;
    let errNaive = 0;
    let m = 0;
    truth.forEach((y, i) => {
      if (y >= 0.5) return;
      m++;
      errAware += Math.abs(aware[i]! - y);
      errNaive += Math.abs(naive[i]! - y);
    });
    assert.ok(m > 400);
    assert.ok(errAware < 0.5 * errNaive, `MAE under the floor ${errAware / m} (bounds) vs ${errNaive / m} (bounds read as values)`);
    // And a bound is respected: no censored row is predicted far above its floor.
    censored.forEach((c, i) => c !== 0 && assert.ok(aware[i]! < 0.5 + 0.1, `row ${i}: ${aware[i]}`));
  });

  it('a protocol floor makes exact values at it censored in snapshots, and builds train on them as bounds', async () => {
    const store: Store = await openStore({ workspace: join(dir, 'ws'), migrate: true });
    await addEndpoint(
      store,
      { name: 'clint', unit: 'mL/min/kg', transform: 'log10', direction: 'lower_is_better', validMin: 0, validMax: null, description: '' },
      'alice',
    );
    await assert.rejects(
      addProtocolVersion(
        store,
        { protocol: 'hlm', endpoint: 'clint', unit: 'mL/min/kg', site: 's', vendor: 'v', parameters: {}, censoring: { floor: 5, ceiling: 2 } },
        'alice',
      ),
      (e: unknown) => e instanceof RotguardError && e.code === 'bad_censoring',
    );
    const plain = await addProtocolVersion(store, { protocol: 'hlm', endpoint: 'clint', unit: 'mL/min/kg', site: 's', vendor: 'v', parameters: {} }, 'alice');
    const floored = await addProtocolVersion(
      store,
      { protocol: 'hlm', endpoint: 'clint', unit: 'mL/min/kg', site: 's', vendor: 'v', parameters: {}, censoring: { floor: 3 } },
      'alice',
    );
    assert.equal(floored.status, 'created');
    assert.equal(floored.version.version, plain.version.version + 1, 'declaring a floor is a new protocol version');
    assert.deepEqual((await listProtocolVersions(store, 'clint')).at(-1)!.censoring, { floor: 3 });

    const smiles = combinatorialSmiles(90);
    const value = (i: number) => (i % 3 === 0 ? 3 : 3 + (1 + (smiles[i]!.length % 11)) * 4);
    const file = join(dir, 'clint.csv');
    writeFileSync(file, ['id,smiles,clint', ...smiles.map((s, i) => `c${i},${s},${value(i)}`)].join('\n') + '\n');
    await ingestFile(store, {
      path: file,
      mapping: validateMapping({ team: 'dmpk', protocol: 'hlm', columns: { id: 'id', structure: 'smiles', value: 'clint' } }),
      actor: 'alice',
      quarantineDir: dir,
      workers: 1,
    });
    const { info } = await createSnapshot(store, { endpoint: 'clint', aggregation: { method: 'mean', censored: 'prefer_exact' } }, 'alice');
    const snap = await readSnapshot(store, info.hash);
    const atFloor = snap.rows.filter((r) => r.qualifier === '<');
    assert.equal(atFloor.length, 30);
    assert.ok(atFloor.every((r) => Math.abs(r.label - Math.log10(3)) < 1e-12));
    assert.ok(snap.rows.filter((r) => r.qualifier === '=').every((r) => r.label > Math.log10(3)));

    const base = {
      model: 'clint-gbt',
      team: 'dmpk',
      endpoint: 'clint',
      dataset: info.hash,
      features: { descriptors: 'rdkit-desc@1', radius: 2, bits: 1024 },
      split: { method: 'random', seed: 0, train: 0.7, calibration: 0.15, test: 0.15 },
      seed: 1,
    };
    const gbt = await build(store, validateRecipe({ ...base, algorithm: 'gradient-boosting', params: { iterations: 30, members: 2 } }), 'alice', UNGOVERNED);
    const c = gbt.report.censoring!;
    assert.ok(c.trainedAsBounds > 0);
    assert.equal(c.trainedAsBounds + c.calibrationExcluded + c.testExcluded, 30);
    assert.equal(gbt.report.split.sizes.test + c.testExcluded + gbt.report.split.sizes.calibration + c.calibrationExcluded + gbt.report.split.sizes.train, 90);
    // A trainer that cannot model bounds never sees the censored compounds.
    const rf = await build(store, validateRecipe({ ...base, model: 'clint-rf', algorithm: 'random-forest', params: { nEstimators: 5 } }), 'alice', UNGOVERNED);
    assert.equal(rf.report.censoring, undefined);
    assert.equal(rf.report.split.sizes.train + rf.report.split.sizes.calibration + rf.report.split.sizes.test, 60);
    await store.close();
  });
});
