import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fisherExactGreater } from '../../src/stats/fisher-exact.js';
import { binomialUpperTail } from '../../src/stats/student-t.js';

/** SciPy values from scripts/fixtures/make_fisher_reference.py. */
const ref = JSON.parse(readFileSync(new URL('../../../test/fixtures/stats/fisher.json', import.meta.url), 'utf8')) as Array<{
  k: number;
  m: number;
  k0: number;
  n0: number;
  pValue: number;
}>;

describe('one-sided Fisher exact test (window share greater than the reference share)', () => {
  it('matches scipy.stats.fisher_exact(alternative="greater")', () => {
    for (const c of ref) {
      const p = fisherExactGreater(c.k, c.m, c.k0, c.n0);
      assert.ok(Math.abs(p - c.pValue) <= 1e-10 * Math.max(1e-300, c.pValue) + 1e-14, `${JSON.stringify(c)}: ${p}`);
    }
  });
  it('is far more cautious than a binomial test when the reference is small, and agrees when it is large', () => {
    // 30 of 34 far compounds against 10 of 16 held-out (share 0.625): the binomial test at
    // that share says p ≈ 0.0009 (an alarm at 0.001); Fisher, which knows the share rests
    // on 16 compounds, says p ≈ 0.04.
    assert.ok(binomialUpperTail(30, 34, 10 / 16) < 0.001);
    assert.ok(fisherExactGreater(30, 34, 10, 16) > 0.01);
    const big = [fisherExactGreater(215, 600, 20000, 60000), binomialUpperTail(215, 600, 1 / 3)];
    assert.ok(Math.abs(big[0]! - big[1]!) / big[1]! < 0.05, `${big}`);
  });
  it('answers NaN for impossible tables', () => {
    assert.ok(Number.isNaN(fisherExactGreater(5, 4, 1, 10)));
    assert.ok(Number.isNaN(fisherExactGreater(1.5, 4, 1, 10)));
  });
});
