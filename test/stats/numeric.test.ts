import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as D from '../../src/stats/double-double.js';
import { linspace, quantileLinear } from '../../src/stats/quantile.js';
import { averageRanks } from '../../src/stats/ranks.js';
import { Sum, fmean, sum } from '../../src/stats/summation.js';

describe('numeric building blocks', () => {
  it('compensated summation keeps the bits a naive loop loses', () => {
    assert.equal(sum([1e16, 1, -1e16]), 1);
    assert.equal(
      [1e16, 1, -1e16].reduce((a, b) => a + b, 0),
      0,
    ); // what it protects against
    assert.equal(new Sum().add(0.1).add(0.2).add(-0.3).value, 2.7755575615628914e-17); // exact sum of the three doubles
    assert.ok(Number.isNaN(fmean([])));
  });

  it("quantileLinear is numpy's linear method, including its upper-side lerp", () => {
    const s = [1, 2, 4, 8];
    assert.equal(quantileLinear(s, 0), 1);
    assert.equal(quantileLinear(s, 1), 8);
    assert.equal(quantileLinear(s, 0.5), 3); // index 1.5
    assert.equal(quantileLinear(s, 0.9), 8 - 4 * (1 - (3 * 0.9 - 2))); // index 2.7, from the upper neighbour
    assert.ok(Number.isNaN(quantileLinear([], 0.5)));
  });

  it('linspace is start + i·step with the exact endpoint', () => {
    assert.deepEqual(Array.from(linspace(0, 1, 11)), [0, 0.1, 0.2, 0.30000000000000004, 0.4, 0.5, 0.6000000000000001, 0.7000000000000001, 0.8, 0.9, 1]);
    assert.deepEqual(Array.from(linspace(2, 3, 1)), [2]);
  });

  it('average ranks share tied positions', () => {
    assert.deepEqual(Array.from(averageRanks([3, 1, 3, 3, 2])), [4, 1, 4, 4, 2]);
    assert.deepEqual(Array.from(averageRanks([])), []);
  });

  it('double-double products and sums are exact', () => {
    // The double nearest 1/3 is 1/3 − 2^-54/3, so 3 times it is exactly 1 − 2^-54: it rounds to 1, the rest is lo.
    const p = D.twoProd(3, 1 / 3);
    assert.deepEqual([p.hi, p.lo], [1, -(2 ** -54)]);
    assert.equal(D.add(p, D.dd(-1)).hi, -(2 ** -54));
    const s = D.twoSum(1, 1e-20);
    assert.deepEqual([s.hi, s.lo], [1, 1e-20]);
    const q = D.divDD(1, 3);
    assert.equal(q.hi, 1 / 3);
    assert.ok(Math.abs(D.mulD(q, 3).hi - 1) === 0 && Math.abs(D.mulD(q, 3).lo) < 1e-32);
  });

  it('frexp and ldexp round-trip across the exponent range', () => {
    for (const x of [1, 0.5, 0.75, 3, 1e-300, 5e-324, 1.7e308, -6]) {
      const [m, e] = D.frexp(x);
      assert.ok(Math.abs(m) >= 0.5 && Math.abs(m) < 1, `mantissa of ${x}`);
      assert.equal(D.ldexp(m, e), x);
    }
    assert.deepEqual(D.frexp(0), [0, 0]);
  });
});
