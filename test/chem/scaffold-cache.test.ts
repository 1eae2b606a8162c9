import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { murckoScaffolds, scaffoldCacheStats } from '../../src/chem/scaffold.js';
import { release, standardize } from '../../src/chem/standardize.js';
import { loadReference } from './reference.js';

before(async () => {
  await loadRDKit();
});

describe('scaffold SMILES cache', () => {
  it('answers repeats from the cache with the same scaffolds, and still matches native RDKit', () => {
    const ref = loadReference();
    const first = ref.molecules.map((m) => {
      const s = standardize(m.input);
      try {
        return murckoScaffolds(s.graph);
      } finally {
        release(s);
      }
    });
    const hitsBefore = scaffoldCacheStats.hits;
    const missesBefore = scaffoldCacheStats.misses;
    ref.molecules.forEach((m, i) => {
      const s = standardize(m.input);
      try {
        const again = murckoScaffolds(s.graph);
        assert.deepEqual(again, first[i], m.name);
        assert.equal(again.scaffold, m.scaffold, `${m.name} scaffold vs native`);
        assert.equal(again.framework, m.framework, `${m.name} framework vs native`);
      } finally {
        release(s);
      }
    });
    assert.equal(scaffoldCacheStats.misses, missesBefore, 'the second pass parses nothing');
    assert.ok(scaffoldCacheStats.hits > hitsBefore);
  });
});
