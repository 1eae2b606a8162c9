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
import { addProtocolVersion } from '../../src/data/protocols.js';
import { build, UNGOVERNED } from '../../src/training/build.js';
import { validateRecipe } from '../../src/training/recipe.js';
import { TRAINERS } from '../../src/training/trainers/index.js';
import { foldAssignment, tuneByCv } from '../../src/training/tuning.js';
import { openStore } from '../../src/store/store.js';
import { combinatorialSmiles } from '../helpers/molecules.js';

const dir = mkdtempSync(join(tmpdir(), 'rotguard-tuning-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('hyperparameters by k-fold CV on the training set', () => {
  before(() => loadRDKit());

  it('deals rows into balanced folds, the same for the same seed', () => {
    const f = foldAssignment(103, { folds: 5, seed: 1 });
    const sizes = [0, 0, 0, 0, 0];
    f.forEach((k) => sizes[k]!++);
    assert.deepEqual(sizes.sort(), [20, 20, 21, 21, 21]);
    assert.deepEqual(foldAssignment(103, { folds: 5, seed: 1 }), f);
    assert.notDeepEqual(foldAssignment(103, { folds: 5, seed: 2 }), f);
  });

  it('picks the candidate whose out-of-fold predictions correlate best, and records every score', () => {
    const rng = new Random(5);
    const n = 150;
    const x = Float64Array.from({ length: n * 3 }, () => rng.uniform());
    const labels = Float64Array.from({ length: n }, (_, i) => 3 * x[i * 3]! - 2 * x[i * 3 + 1]! + 0.05 * rng.uniform());
    const data = { rows: n, descriptors: { data: x, columns: 3 }, labels, task: 'regression' as const };
    const { record, outOfFold } = tuneByCv(TRAINERS.ridge!, data, [{ alpha: 1e6 }, { alpha: 0.01 }], 0, { folds: 4, seed: 0 });
    assert.equal(record.chosen, 1);
    assert.ok(record.candidates[1]!.pearson > 0.99 && record.candidates[1]!.pearson > record.candidates[0]!.pearson);
    assert.equal(outOfFold.length, n);
  });

  it('a recipe with tuning trains with the chosen candidate and reports every candidate', async () => {
    const store = await openStore({ workspace: join(dir, 'ws'), migrate: true });
    await addEndpoint(
      store,
      { name: 'logd', unit: 'ratio', transform: 'none', direction: 'higher_is_better', validMin: null, validMax: null, description: '' },
      'alice',
    );
    await addProtocolVersion(store, { protocol: 'shake', endpoint: 'logd', unit: 'ratio', site: 's', vendor: 'v', parameters: {} }, 'alice');
    const smiles = combinatorialSmiles(80);
    const file = join(dir, 'd.csv');
    writeFileSync(file, ['id,smiles,logd', ...smiles.map((s, i) => `c${i},${s},${((s.length % 13) / 3).toFixed(3)}`)].join('\n') + '\n');
    await ingestFile(store, {
      path: file,
      mapping: validateMapping({ team: 'chem', protocol: 'shake', columns: { id: 'id', structure: 'smiles', value: 'logd' } }),
      actor: 'alice',
      quarantineDir: dir,
      workers: 1,
    });
    const recipe = validateRecipe({
      model: 'logd-ridge',
      team: 'chem',
      endpoint: 'logd',
      dataset: { aggregate: 'mean' },
      features: { descriptors: 'rdkit-desc@1', radius: 2, bits: 1024 },
      split: { method: 'random', seed: 0 },
      algorithm: 'ridge',
      params: {},
      seed: 0,
      tuning: { folds: 3, grid: [{ alpha: 1e6 }, { alpha: 1 }] },
    });
    const r = await build(store, recipe, 'alice', UNGOVERNED);
    const t = r.report.tuning!;
    assert.equal(t.candidates.length, 2);
    assert.equal(t.folds, 3);
    const artifact = JSON.parse((await store.blobs.get(r.artifactBlob)).toString('utf8')) as { params: { alpha: number } };
    assert.equal(artifact.params.alpha, (t.candidates[t.chosen]!.params as { alpha: number }).alpha);
    await store.close();
  });

  it('refuses a bad tuning block, naming the field', () => {
    const base = { model: 'm', team: 't', endpoint: 'e', dataset: 'abcdef12', algorithm: 'ridge' };
    assert.throws(
      () => validateRecipe({ ...base, tuning: { grid: [] } }),
      (e: unknown) => e instanceof RotguardError && e.location.field === 'tuning.grid',
    );
    assert.throws(
      () => validateRecipe({ ...base, tuning: { folds: 1, grid: [{}] } }),
      (e: unknown) => e instanceof RotguardError && e.location.field === 'tuning.folds',
    );
    assert.throws(
      () => validateRecipe({ ...base, tuning: { grid: [{ alpha: -1 }] } }),
      (e: unknown) => e instanceof RotguardError && e.location.field === 'tuning.grid[0].alpha',
    );
  });
});
