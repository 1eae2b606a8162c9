import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Random } from '../../src/core/random.js';
import { newScaffoldPairs, newScaffoldPairsTest, scaffoldGroups } from '../../src/stats/new-scaffold-pairs.js';

/** Every m-subset of 0..n-1 (small n only). */
function subsets(n: number, m: number): number[][] {
  if (m === 0) return [[]];
  if (n < m) return [];
  return [...subsets(n - 1, m - 1).map((s) => [...s, n - 1]), ...subsets(n - 1, m)];
}

describe('new-scaffold pairs', () => {
  it('counts ordered pairs on the same unseen scaffold, by hand', () => {
    // A×3 → 3·2 = 6, B×2 → 2, C×1 → 0; seen (null) and acyclic ('') never pair.
    const { groups, distinct } = scaffoldGroups(['A', 'B', 'A', null, 'C', 'A', 'B', '', '', null]);
    assert.equal(distinct, 3);
    assert.deepEqual([...groups], [0, 1, 0, -1, 2, 0, 1, -1, -1, -1]);
    const counts = new Int32Array(distinct);
    assert.equal(newScaffoldPairs(groups, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], counts), 8);
    assert.deepEqual([...counts], [0, 0, 0], 'scratch counts are left zeroed');
    assert.equal(newScaffoldPairs(groups, [0, 2, 4, 6], counts), 2);
    assert.equal(newScaffoldPairs(groups, [3, 7, 8, 9], counts), 0);
  });

  it('gives the exact permutation p of a small pool (all subsets enumerated)', () => {
    // Held-out: 12 compounds, two pairs among them; window: 5 compounds, three on scaffold S.
    const scaffolds = ['P', 'P', 'Q', 'Q', 'R', null, null, 'T', 'U', null, 'V', 'W', 'S', 'S', 'S', null, 'X'];
    const m = 5;
    const { groups, distinct } = scaffoldGroups(scaffolds);
    const counts = new Int32Array(distinct);
    const all = subsets(scaffolds.length, m).map((s) => newScaffoldPairs(groups, s, counts));
    const observed = newScaffoldPairs(groups, [12, 13, 14, 15, 16], counts);
    assert.equal(observed, 6);
    const exact = all.filter((c) => c >= observed).length / all.length;
    const t = newScaffoldPairsTest(scaffolds, m, 40_000, new Random(8))!;
    assert.equal(t.count, 6);
    assert.ok(Math.abs(t.nullMean - all.reduce((a, b) => a + b, 0) / all.length) < 0.02, `null mean ${t.nullMean}`);
    // 40,000 draws: SD of the estimate ≈ 0.0005 at this p.
    assert.ok(Math.abs(t.pValue - exact) < 0.002, `p ${t.pValue} vs exact ${exact}`);
  });

  it('rejects exchangeable windows at about the nominal rate (α = 0.05)', () => {
    // Diverse chemistry: 300 scaffolds, most compounds on unseen ones, some scaffolds shared.
    const rng = new Random(12);
    const scaffoldOf = () => (rng.uniform() < 0.1 ? null : `s${rng.below(300)}`);
    let rejected = 0;
    const trials = 300;
    for (let k = 0; k < trials; k++) {
      const pool = Array.from({ length: 240 }, scaffoldOf);
      if (newScaffoldPairsTest(pool, 40, 999, rng, 10)!.pValue <= 0.05) rejected++;
    }
    // Binomial(300, 0.05): mean 15, SD 3.8; the discrete count makes the test conservative, never liberal.
    assert.ok(rejected <= 27, `rejected ${rejected} of ${trials}`);
  });

  it('finds a series: a third of a window on four new scaffolds, at p < 0.001', () => {
    const rng = new Random(4);
    const scaffoldOf = () => (rng.uniform() < 0.1 ? null : `s${rng.below(300)}`);
    const heldOut = Array.from({ length: 300 }, scaffoldOf);
    const window = [...Array.from({ length: 13 }, (_, i) => `series${i % 4}`), ...Array.from({ length: 27 }, scaffoldOf)];
    const t = newScaffoldPairsTest([...heldOut, ...window], 40, 9999, rng, 10)!;
    assert.ok(t.pValue < 0.001, `p ${t.pValue}, count ${t.count} vs null mean ${t.nullMean}`);
  });

  it('is null with fewer than 5 compounds on either side', () => {
    assert.equal(newScaffoldPairsTest(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'], 4, 99, new Random(1)), null);
    assert.equal(newScaffoldPairsTest(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'], 5, 99, new Random(1)), null);
  });
});
