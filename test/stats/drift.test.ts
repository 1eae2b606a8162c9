import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ks2samp, psi, wasserstein1d } from '../../src/stats/drift.js';
import { assertAllClose, assertClose, loadReference } from './reference.js';

const ref = loadReference();

describe('ks2samp matches scipy.stats.ks_2samp (two-sided)', () => {
  for (const c of ref.ks) {
    it(`${c.name}: ${c.note}`, () => {
      const r = ks2samp(c.a, c.b, c.method);
      assert.equal(r.method, c.methodUsed);
      assertClose(r.statistic, c.statistic, 'statistic');
      assertClose(r.pValue, c.pValue, 'p-value');
    });
  }

  it('by hand: disjoint samples of three give D = 1 and p = 2 / C(6, 3)', () => {
    // Of the 20 equally likely orderings of 3 + 3 values, only "all a first" and "all b first" reach D = 1.
    const r = ks2samp([1, 2, 3], [4, 5, 6]);
    assert.equal(r.statistic, 1);
    assertClose(r.pValue, 2 / 20, 'p', 1e-15);
    assert.equal(r.method, 'exact');
  });

  it('by hand: identical samples give D = 0 and p = 1', () => {
    assert.deepEqual(ks2samp([1, 2, 3], [3, 2, 1]), { statistic: 0, pValue: 1, method: 'exact' });
  });

  it('falls back to asymp when the exact count fails, as scipy does (fixture exact-fallback-7-7)', () => {
    // Hodges' sum comes out as 1.0000000000000002 there; scipy warns and uses asymp.
    const r = ks2samp([1, 3, 5, 7, 9, 11, 13], [2, 4, 6, 8, 10, 12, 14], 'exact');
    assert.equal(r.statistic, 1 / 7);
    assert.equal(r.method, 'asymp');
  });

  it('refuses empty samples, NaN and unknown methods', () => {
    assert.throws(() => ks2samp([], [1]), { name: 'RangeError', message: 'ks2samp: a is empty' });
    assert.throws(() => ks2samp([1], [Number.NaN]), { name: 'RangeError', message: 'ks2samp: b[0] is NaN; values must be finite numbers' });
    assert.throws(() => ks2samp([1], [2], 'approx' as never), { name: 'RangeError', message: /method is approx/ });
  });
});

describe('PSI on reference-quantile bins', () => {
  for (const c of ref.psi) {
    it(`${c.name}: ${c.note}`, () => {
      const r = psi(c.reference, c.current, { bins: c.bins, epsilon: c.epsilon });
      assertAllClose(r.edges, c.edges, 'edges', 0);
      assert.deepEqual(Array.from(r.referenceCounts), c.referenceCounts);
      assert.deepEqual(Array.from(r.currentCounts), c.currentCounts);
      assertClose(r.psi, c.psi, 'psi');
    });
  }

  it('by hand: four quartile bins, one emptied', () => {
    // Reference 1..8: quartile edges 2.75, 4.5, 6.25 → bins hold 2, 2, 2, 2 (share 1/4 each).
    // Current [1, 1, 5, 6]: bins 2, 0, 2, 0 → shares 1/2, ε, 1/2, ε.
    const r = psi([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 5, 6], { bins: 4 });
    assert.deepEqual(Array.from(r.edges), [2.75, 4.5, 6.25]);
    assert.deepEqual(Array.from(r.currentCounts), [2, 0, 2, 0]);
    const eps = 1e-4;
    const expected = 2 * (0.5 - 0.25) * Math.log(0.5 / 0.25) + 2 * (eps - 0.25) * Math.log(eps / 0.25);
    assertClose(r.psi, expected, 'psi', 1e-15);
  });

  it('is 0 for the same sample', () => {
    const x = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5];
    assert.equal(psi(x, x).psi, 0);
  });

  it('refuses too few bins or a bad epsilon', () => {
    assert.throws(() => psi([1, 2], [1, 2], { bins: 1 }), { name: 'RangeError', message: /bins is 1/ });
    assert.throws(() => psi([1, 2], [1, 2], { epsilon: 0 }), { name: 'RangeError', message: /epsilon is 0/ });
  });
});

describe('1-D Wasserstein distance matches scipy.stats.wasserstein_distance', () => {
  for (const c of ref.wasserstein) {
    it(c.name, () => assertClose(wasserstein1d(c.u, c.v), c.distance, 'distance'));
  }

  it('by hand: shifting a sample by 5 moves it distance 5 (scipy docs example)', () => {
    assert.equal(wasserstein1d([0, 1, 3], [5, 6, 8]), 5);
    // u = {1}, v = {0, 2}: |F_u − F_v| is 0.5 on [0, 1) and 0.5 on [1, 2), so the area is 1.
    assert.equal(wasserstein1d([1], [0, 2]), 1);
  });
});
