import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Random } from '../../src/core/random.js';
import { WORDS, familyCore, member, pack } from '../helpers/fingerprint-families.js';
import { nearestNeighbours, fingerprintSet } from '../../src/chem/similarity.js';
import { tanimotoGram } from '../../src/chem/tanimoto-gram.js';
import { novelClusterCount, novelClusterTest } from '../../src/stats/novel-cluster.js';

describe('novel-cluster count', () => {
  it('counts, for each far compound, the window compounds closer to it than training, by hand', () => {
    // Far (< 0.4): 0 (0.2), 1 (0.25), 2 (0.3). 3 is near (0.8): never counted from.
    // 0: 1 (0.5) and 3 (0.9) beat its training similarity 0.2 → 2 pairs.
    // 1: 0 (0.5) beats 0.25; 3 (0.2) does not → 1 pair. 2: none beats 0.3 → 0.
    const gram = Float64Array.from([1, 0.5, 0.1, 0.9, 0.5, 1, 0.05, 0.2, 0.1, 0.05, 1, 0.1, 0.9, 0.2, 0.1, 1]);
    const nearest = Float64Array.from([0.2, 0.25, 0.3, 0.8]);
    assert.equal(novelClusterCount(gram, 4, nearest, 0.4, [0, 1, 2, 3]), 3);
    // Without compound 1, only 0 → 3 remains.
    assert.equal(novelClusterCount(gram, 4, nearest, 0.4, [0, 2, 3]), 1);
    // A bar for "far" above 0.8 admits 3, whose neighbour 0 (0.9) beats its training similarity.
    assert.equal(novelClusterCount(gram, 4, nearest, 0.85, [0, 1, 2, 3]), 4);
  });
});

// Training, held-out and the in-distribution stream are fresh members of the same 150 families.
describe('novel-cluster permutation test over window ∪ held-out', () => {
  const rng = new Random(21);
  const cores = Array.from({ length: 151 }, () => familyCore(rng));
  const known = cores.slice(0, 150);
  const draw = (n: number, from: number[][]) => Array.from({ length: n }, () => member(from[rng.below(from.length)]!, rng));
  const train = fingerprintSet(pack(draw(600, known)), WORDS);
  const heldOut = draw(300, known);
  const nearestOf = (fps: Uint32Array[]) => nearestNeighbours(fingerprintSet(pack(fps), WORDS), train, 1).similarities;
  const sorted = Float64Array.from(nearestOf(heldOut)).sort();
  const far = (sorted[149]! + sorted[150]!) / 2;
  const test = (held: Uint32Array[], window: Uint32Array[], draws: number) => {
    const pooled = [...held, ...window];
    return novelClusterTest({ gram: tanimotoGram(pack(pooled), WORDS), nearest: nearestOf(pooled) }, window.length, far, draws, rng, 10);
  };

  it('rejects in-distribution windows at about the nominal rate (size 40, α = 0.05)', () => {
    let rejected = 0;
    const windows = 300;
    for (let w = 0; w < windows; w++) if (test(heldOut, draw(40, known), 999)!.pValue <= 0.05) rejected++;
    // Binomial(300, 0.05): mean 15, SD 3.8. A biased null would sit far outside.
    assert.ok(rejected >= 4 && rejected <= 27, `rejected ${rejected} of ${windows}`);
  });

  it('stays valid with a held-out set of 16 compounds (the permutation null is exact at any size)', () => {
    let rejected = 0;
    const windows = 300;
    for (let w = 0; w < windows; w++) if (test(draw(16, known), draw(10, known), 999)!.pValue <= 0.05) rejected++;
    assert.ok(rejected <= 27, `rejected ${rejected} of ${windows}`);
  });

  it('finds a third of a window from a family the model never saw, at p < 0.001', () => {
    const t = test(heldOut, [...draw(13, [cores[150]!]), ...draw(27, known)], 9999)!;
    assert.ok(t.pValue < 0.001, `p ${t.pValue}, count ${t.count} vs null mean ${t.nullMean}`);
    assert.ok(t.count >= 10, `count ${t.count}`);
  });

  it('is null with fewer than 5 compounds on either side', () => {
    assert.equal(test(heldOut, draw(4, known), 99), null);
    assert.equal(test(draw(4, known), draw(40, known), 99), null);
  });
});
