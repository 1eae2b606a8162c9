import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kolmogorovSf, ksTwoSampleExactSf, smirnovSf } from '../../src/stats/ks-distribution.js';
import { assertClose, loadReference } from './reference.js';

const ref = loadReference();

/** Which of scipy's algorithms kstwo.sf uses for (n, d), by the same rules as the code. */
function branch(n: number, d: number): string {
  const t = n * d;
  if (d <= 0.5 / n || d >= 1) return 'support';
  if (t <= 1) return 'ruben-gambino-low';
  if (t >= n - 1) return 'ruben-gambino-high';
  if (d >= 0.5) return 'smirnov';
  const nxx = t * d;
  if (n <= 140) return nxx <= 0.754693 ? 'durbin' : nxx <= 4 ? 'pomeranz' : 'smirnov';
  if (nxx >= 370) return 'zero';
  if (nxx >= 2.2) return 'smirnov';
  return n <= 100000 && n * d ** 1.5 <= 1.4 ? 'durbin' : 'pelz-good';
}

describe('Kolmogorov–Smirnov null distributions match SciPy', () => {
  it('kstwo.sf over a grid reaching every algorithm', () => {
    const seen = new Set<string>();
    for (const r of ref.kstwo) {
      const b = branch(r.n, r.d);
      seen.add(b);
      // Pomeranz (n ≤ 140, 0.75 < n·d² ≤ 4) returns 1 − CDF with the CDF up to 0.9995; the
      // CDFs agree to a few ulps (np.convolve sums in another order), which is 1.4e-12
      // relative on an sf of 5.7e-4. So that branch is compared to 2e-15 absolute.
      const abs = b === 'pomeranz' ? 2e-15 : 0;
      assertClose(kolmogorovSf(r.n, r.d), r.sf, `kstwo.sf(${r.d}, ${r.n}) [${b}]`, 1e-12, abs);
    }
    for (const b of ['ruben-gambino-low', 'ruben-gambino-high', 'smirnov', 'durbin', 'pomeranz', 'pelz-good', 'zero'])
      assert.ok(seen.has(b), `grid reaches ${b}`);
  });

  it('scipy.special.smirnov over a grid, tails down to 1e-300', () => {
    for (const r of ref.smirnov) assertClose(smirnovSf(r.n, r.x), r.sf, `smirnov(${r.n}, ${r.x})`);
  });

  it('by hand: P(D_{1,1} ≥ 1) = 1 and P(D_{2,2} = 1) = 2 / C(4, 2)', () => {
    assert.equal(ksTwoSampleExactSf(1, 1, 1), 1);
    assertClose(ksTwoSampleExactSf(2, 2, 2), 2 / 6, 'm = n = 2', 1e-15);
    // m ≠ n: 2 and 3 values, D = 1 (h = lcm = 6) only when the samples do not interleave: 2 of 10.
    assertClose(ksTwoSampleExactSf(2, 3, 6), 2 / 10, 'm = 2, n = 3', 1e-15);
  });

  it('by hand: smirnov(1, x) = 1 − x and kstwo with n = 1 is 2 − 2d', () => {
    assert.equal(smirnovSf(1, 0.3), 0.7);
    assertClose(kolmogorovSf(1, 0.75), 0.5, 'n = 1', 1e-15);
  });

  it('refuses a non-integer n', () => {
    assert.throws(() => kolmogorovSf(2.5, 0.1), { name: 'RangeError' });
  });
});
