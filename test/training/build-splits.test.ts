import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { standardize, release } from '../../src/chem/standardize.js';
import { RotguardError } from '../../src/core/errors.js';
import { addEndpoint } from '../../src/data/endpoints.js';
import { ingestFile } from '../../src/data/ingest.js';
import { validateMapping } from '../../src/data/mapping.js';
import { addProtocolVersion } from '../../src/data/protocols.js';
import { build, UNGOVERNED } from '../../src/training/build.js';
import { validateRecipe } from '../../src/training/recipe.js';
import { openStore, type Store } from '../../src/store/store.js';
import { combinatorialSmiles } from '../helpers/molecules.js';

const dir = mkdtempSync(join(tmpdir(), 'rotguard-build-splits-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const smiles = combinatorialSmiles(100);

async function freshStore(name: string): Promise<Store> {
  const store = await openStore({ workspace: join(dir, name), migrate: true });
  await addEndpoint(
    store,
    { name: 'logd', unit: 'ratio', transform: 'none', direction: 'higher_is_better', validMin: null, validMax: null, description: '' },
    'alice',
  );
  await addProtocolVersion(store, { protocol: 'shake', endpoint: 'logd', unit: 'ratio', site: 's', vendor: 'v', parameters: {} }, 'alice');
  const file = join(dir, `${name}.csv`);
  writeFileSync(file, ['id,smiles,logd', ...smiles.map((s, i) => `c${i},${s},${((s.length % 13) / 3).toFixed(3)}`)].join('\n') + '\n');
  await ingestFile(store, {
    path: file,
    mapping: validateMapping({ team: 'chem', protocol: 'shake', columns: { id: 'id', structure: 'smiles', value: 'logd' } }),
    actor: 'alice',
    quarantineDir: dir,
    workers: 1,
  });
  return store;
}

const base = {
  model: 'logd-gbt',
  team: 'chem',
  endpoint: 'logd',
  dataset: { aggregate: 'mean' },
  features: { descriptors: 'rdkit-desc@1', radius: 2, bits: 1024 },
  algorithm: 'gradient-boosting',
  params: { iterations: 20, members: 2 },
  seed: 3,
};

describe('predefined and cluster splits through a build', () => {
  before(() => loadRDKit());

  it('predefined: exactly the compounds of the test file are tested, and the file is in the build hash', async () => {
    const store = await freshStore('pre');
    // The test file lists structures in another form (a salt, another atom order): identity is the InChIKey.
    const chosen = smiles.filter((_, i) => i % 5 === 0);
    const testFile = join(dir, 'test.csv');
    writeFileSync(testFile, ['smiles', ...chosen.map((s, i) => (i === 0 ? `${s}.Cl` : s))].join('\n') + '\n');
    const recipe = validateRecipe({ ...base, split: { method: 'predefined', test: 'test.csv', calibration: 0.2, seed: 0 } }, join(dir, 'recipe.yaml'));
    const r = await build(store, recipe, 'alice', UNGOVERNED);
    assert.equal(r.report.split.method, 'predefined');
    assert.equal(r.report.split.sizes.test, chosen.length);
    assert.equal(r.report.split.unmatchedTest, 0);
    const expectedKeys = chosen
      .map((s) => {
        const m = standardize(s);
        release(m);
        return m.inchikey;
      })
      .sort();
    assert.deepEqual(r.report.split.test!.inchikeys, [...new Set(expectedKeys)].sort());
    assert.equal(r.report.split.sizes.calibration, Math.round(0.2 * (smiles.length - chosen.length)));
    // Another test file is another build.
    writeFileSync(testFile, ['smiles', ...smiles.filter((_, i) => i % 4 === 0)].join('\n') + '\n');
    const other = await build(store, recipe, 'alice', UNGOVERNED);
    assert.notEqual(other.buildHash, r.buildHash);
    assert.equal(other.report.split.sizes.test, 25);
    await store.close();
  });

  it('predefined: a missing test file is a recipe error naming the field', async () => {
    const store = await freshStore('missing');
    const recipe = validateRecipe({ ...base, split: { method: 'predefined', test: 'nowhere.csv' } }, join(dir, 'recipe.yaml'));
    await assert.rejects(
      build(store, recipe, 'alice', UNGOVERNED),
      (e: unknown) => e instanceof RotguardError && e.code === 'bad_recipe' && e.location.field === 'split.test',
    );
    await store.close();
  });

  it("cluster: whole Butina clusters sit on one side, and every compound's cluster is recorded", async () => {
    const store = await freshStore('cluster');
    const recipe = validateRecipe({ ...base, split: { method: 'cluster', cutoff: 0.6, seed: 1, train: 0.7, calibration: 0.15, test: 0.15 } });
    const r = await build(store, recipe, 'alice', UNGOVERNED);
    const clusters = r.report.split.clusters!;
    assert.equal(Object.keys(clusters.of).length, r.report.split.sizes.train + r.report.split.sizes.calibration + r.report.split.sizes.test);
    assert.ok(clusters.count > 1 && clusters.count < smiles.length, `${clusters.count} clusters`);
    assert.equal(r.report.split.cutoff, 0.6);
    await store.close();
  });

  it('refuses split fields that do not fit the method', () => {
    assert.throws(
      () => validateRecipe({ ...base, split: { method: 'scaffold', cutoff: 0.5 } }),
      (e: unknown) => e instanceof RotguardError && e.location.field === 'split.cutoff',
    );
    assert.throws(
      () => validateRecipe({ ...base, split: { method: 'cluster', cutoff: 1.5 } }),
      (e: unknown) => e instanceof RotguardError && e.location.field === 'split.cutoff',
    );
    assert.throws(
      () => validateRecipe({ ...base, split: { method: 'predefined' } }),
      (e: unknown) => e instanceof RotguardError && e.location.field === 'split.test',
    );
    assert.throws(
      () => validateRecipe({ ...base, split: { method: 'predefined', test: 'x.csv', train: 0.8 } }),
      (e: unknown) => e instanceof RotguardError && e.location.field === 'split.train',
    );
  });
});
