import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gaussianCalibrationCurve, gaussianCoverage, gaussianReliability, miscalibrationArea } from '../../src/stats/calibration-regression.js';
import { normalQuantile } from '../../src/stats/normal.js';
import { assertAllClose, assertClose, loadReference, type CalibrationCase } from './reference.js';

const ref = loadReference();

function data(c: CalibrationCase): { y: number[]; mu: number[]; sd: number[] } {
  if (!c.sameDataAs) return { y: c.yTrue!, mu: c.yPred!, sd: c.sigma! };
  const base = ref.calibration.find((b) => b.name === c.sameDataAs)!;
  // The fixture derives sigma as scale * sigma in numpy: the same product here.
  return { y: base.yTrue!, mu: base.yPred!, sd: base.sigma!.map((s) => c.sigmaScale! * s) };
}

describe('Gaussian interval calibration matches the Uncertainty Toolbox definition', () => {
  for (const c of ref.calibration) {
    it(`${c.name}: ${c.note}`, () => {
      const { y, mu, sd } = data(c);
      for (const curve of c.curves) {
        const got = gaussianCalibrationCurve(y, mu, sd, curve.bins);
        assertAllClose(got.observed, curve.observed, `observed coverage, ${curve.bins} bins`, 0);
        // Reference: area of the faces shapely finds between the curve and the diagonal.
        assertClose(miscalibrationArea(y, mu, sd, { bins: curve.bins }), curve.area, `miscalibration area, ${curve.bins} bins`);
      }
      const rows = gaussianReliability(
        y,
        mu,
        sd,
        c.reliability.map((r) => r.level),
      );
      assert.deepEqual(
        rows,
        c.reliability.map((r) => ({ expected: r.level, observed: r.observed })),
      );
    });
  }
});

describe('Gaussian calibration by hand', () => {
  it('exact predictions: observed coverage 1 at every level, area ∫(1 − p)dp = 0.5', () => {
    const y = [1, 2, 3];
    assert.equal(miscalibrationArea(y, y, [1, 1, 1]), 0.5);
    assert.equal(gaussianCoverage(y, y, [1, 1, 1], 0.5), 1);
  });

  it('counts |y − ŷ| / σ within Φ⁻¹(0.5 + level/2): ±1σ is the 68.27 % interval', () => {
    assertClose(normalQuantile(0.5 + 0.6826894921370859 / 2), 1, 'Φ⁻¹(0.8413…)', 1e-12);
    // Standardized residuals 0.5, 1.5, 3 (residual 6 with σ = 2) and 0. The 68 % interval
    // (±0.994) holds 0.5 and 0; the 99 % one (±2.576) also 1.5; the 99.9 % one (±3.29) all four.
    const y = [0.5, -1.5, 6, 0];
    const mu = [0, 0, 0, 0];
    const sd = [1, 1, 2, 1];
    assert.deepEqual(gaussianReliability(y, mu, sd, [0.68, 0.99, 0.999]), [
      { expected: 0.68, observed: 0.5 },
      { expected: 0.99, observed: 0.75 },
      { expected: 0.999, observed: 1 },
    ]);
  });

  it('a curve that crosses the diagonal: areas on both sides count', () => {
    // Two bins: p = 0 and 1, observed = 1 at p = 0 (a zero residual) and 1 at p = 1 → area 0.5.
    // With half the residuals huge, observed at p = 0 is 0.5 and at p = 1 is 1: gap 0.5 → 0, area 0.25.
    assert.equal(miscalibrationArea([0, 1e9], [0, 0], [1, 1], { bins: 2 }), 0.25);
  });

  it('refuses a non-positive sigma', () => {
    assert.throws(() => miscalibrationArea([1, 2], [1, 2], [1, 0]), {
      name: 'RangeError',
      message: 'gaussianCalibrationCurve: sigma[1] is 0; it must be a finite number > 0',
    });
  });
});

describe('normal quantile (AS 241) matches scipy.stats.norm.ppf', () => {
  it('to 1e-15 relative over the grid, tails included', () => {
    for (const r of ref.normalQuantile) assertClose(normalQuantile(r.p), r.x, `ppf(${r.p})`, 1e-15);
    assert.equal(normalQuantile(0), -Infinity);
    assert.equal(normalQuantile(1), Infinity);
    assert.equal(normalQuantile(0.5), 0);
  });
});
