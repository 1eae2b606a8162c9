import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Random } from '../../src/core/random.js';
import { WORDS, familyCore, member, pack } from '../helpers/fingerprint-families.js';
import { pooledNeighbours, trainingNeighbours } from '../../src/chem/neighbour-lists.js';
import { fingerprintSet, tanimotoOneToMany } from '../../src/chem/similarity.js';
import { trainingNovelPairsCount, trainingNovelPairsTest, type PooledNeighbours } from '../../src/stats/training-novel-pairs.js';

describe('training-pool novel pairs: the count', () => {
  it('counts, for each member whose nearest non-member is far, the members strictly closer than it, by hand', () => {
    // Pool: training 0, 1; window 2, 3, 4. Each row: neighbours sorted by similarity (width 3).
    //   0: 1 (0.4), 2 (0.25), 3 (0.1)     1: 0 (0.4), 3 (0.28), 4 (0.2)
    //   2: 3 (0.6), 0 (0.25), 4 (0.1)     3: 2 (0.6), 4 (0.28), 1 (0.28)     4: 0 (0.7), 3 (0.28), 2 (0.1)
    const pool: PooledNeighbours = {
      size: 5,
      m: 3,
      width: 3,
      index: Int32Array.from([1, 2, 3, 0, 3, 4, 3, 0, 4, 2, 4, 1, 0, 3, 2]),
      similarity: Float64Array.from([0.4, 0.25, 0.1, 0.4, 0.28, 0.2, 0.6, 0.25, 0.1, 0.6, 0.28, 0.28, 0.7, 0.28, 0.1]),
    };
    const scratch = new Uint8Array(5);
    // The window {2, 3, 4}: 2's nearest non-member is 0 (0.25 < 0.3), and 3 beats it → 1.
    // 3's is 1 (0.28): 2 (0.6) beats it, 4 ties at 0.28 and does not → 1. 4's is 0 (0.7): not far.
    assert.equal(trainingNovelPairsCount(pool, 0.3, [2, 3, 4], scratch), 2);
    // {2, 3}: 2 → 3 as before; 3's nearest non-member is now 4 (0.28), which 2 beats → 2.
    assert.equal(trainingNovelPairsCount(pool, 0.3, [2, 3], scratch), 2);
    // A training compound drawn into the subset plays the window: {0, 4}: 4's nearest
    // non-member is 3 (0.28), and 0 (0.7) is closer → 1; 0's is 1 (0.4), not far.
    assert.equal(trainingNovelPairsCount(pool, 0.3, [0, 4], scratch), 1);
    // {3, 4}: each one's nearest non-member (2 at 0.6, 0 at 0.7) is in domain → 0.
    assert.equal(trainingNovelPairsCount(pool, 0.3, [3, 4], scratch), 0);
    assert.ok(
      scratch.every((v) => v === 0),
      'scratch is left zeroed',
    );
  });

  it('equals the brute-force count for random subsets of a random pool', () => {
    const rng = new Random(5);
    const cores = Array.from({ length: 6 }, () => familyCore(rng));
    const fps = Array.from({ length: 40 }, () => member(cores[rng.below(6)]!, rng));
    const train = fingerprintSet(pack(fps.slice(0, 30)), WORDS);
    const window = fingerprintSet(pack(fps.slice(30)), WORDS);
    const pool = pooledNeighbours(trainingNeighbours(train, 11), window);
    const all = fingerprintSet(pack(fps), WORDS);
    const sim = fps.map((f) => tanimotoOneToMany(f, all));
    const scratch = new Uint8Array(40);
    for (const far of [0.3, 0.5, 1.01]) {
      for (let r = 0; r < 50; r++) {
        const members = rng.shuffle(Array.from({ length: 40 }, (_, i) => i)).slice(0, 10);
        const inside = new Set(members);
        let brute = 0;
        for (const i of members) {
          let s = 0;
          for (let t = 0; t < 40; t++) if (t !== i && !inside.has(t)) s = Math.max(s, sim[i]![t]!);
          if (!(s < far)) continue;
          for (const j of members) if (j !== i && sim[i]![j]! > s) brute++;
        }
        assert.equal(trainingNovelPairsCount(pool, far, members, scratch), brute, `far ${far}, subset ${r}`);
      }
    }
  });
});

describe('training-pool novel pairs: the permutation test over window ∪ training', () => {
  const rng = new Random(23);
  const cores = Array.from({ length: 41 }, () => familyCore(rng));
  const known = cores.slice(0, 40);
  const draw = (n: number, from: number[][]) => Array.from({ length: n }, () => member(from[rng.below(from.length)]!, rng));
  // A small data set: 60 training compounds (its held-out sample would be 15).
  const train = trainingNeighbours(fingerprintSet(pack(draw(60, known)), WORDS), 41);
  const test = (window: Uint32Array[], draws: number) =>
    trainingNovelPairsTest(pooledNeighbours(train, fingerprintSet(pack(window), WORDS)), 0.3, draws, rng, 10);

  it('rejects in-distribution windows at about the nominal rate (size 20, α = 0.05)', () => {
    let rejected = 0;
    const windows = 300;
    for (let w = 0; w < windows; w++) if (test(draw(20, known), 999)!.pValue <= 0.05) rejected++;
    // Binomial(300, 0.05): mean 15, SD 3.8. The null is exact, so only a wrong count or pool could move it.
    assert.ok(rejected >= 4 && rejected <= 27, `rejected ${rejected} of ${windows}`);
  });

  it('finds six compounds of a family the model never saw in a window of 20, at p < 0.001', () => {
    const t = test([...draw(6, [cores[40]!]), ...draw(14, known)], 9999)!;
    assert.ok(t.pValue < 0.001, `p ${t.pValue}, count ${t.count} vs null mean ${t.nullMean}`);
  });

  it('is null with fewer than 5 window compounds', () => {
    assert.equal(test(draw(4, known), 99), null);
  });
});
