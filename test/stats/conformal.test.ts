import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  conformalCoverageTable,
  conformalIntervals,
  conformalRank,
  conformalScores,
  intervalCoverage,
  meanIntervalWidth,
  splitConformal,
} from '../../src/stats/conformal.js';
import { assertAllClose, assertClose, loadReference, type ConformalCase } from './reference.js';

const ref = loadReference();

function sets(c: ConformalCase) {
  const cal = { yTrue: c.calibration.yTrue, yPred: c.calibration.yPred, ...(c.calibration.sigma ? { sigma: c.calibration.sigma } : {}) };
  const test = { yTrue: c.test.yTrue, yPred: c.test.yPred, ...(c.test.sigma ? { sigma: c.test.sigma } : {}) };
  return { cal, test };
}

describe('split conformal matches the exact-rational reference', () => {
  for (const c of ref.conformal) {
    it(`${c.name}: ${c.note}`, () => {
      const { cal, test } = sets(c);
      assertAllClose(conformalScores(cal), c.scores, 'scores', 0);
      const rows = conformalCoverageTable(
        cal,
        test,
        c.levels.map((l) => Number(l.level)),
      );
      rows.forEach((row, i) => {
        const r = c.levels[i]!;
        assert.equal(row.k, r.k, `k at ${r.level}`);
        assert.equal(row.q, r.q, `q at ${r.level}`);
        assertClose(row.coverage, r.coverage, `coverage at ${r.level}`);
        assertClose(row.meanWidth, r.meanWidth, `mean width at ${r.level}`);
      });
    });
  }

  it('k is exact where the float product is not: n = 99, level 0.55', () => {
    const c = ref.conformal.find((x) => x.name === 'absolute-n99')!;
    const r = c.levels.find((l) => l.level === '0.55')!;
    assert.equal(r.naiveK, 56, 'ceil(100 * 0.55) in doubles');
    assert.equal(r.k, 55);
    assert.equal(conformalRank(99, 0.55), 55);
    assert.equal(splitConformal({ yTrue: c.calibration.yTrue, yPred: c.calibration.yPred }, 0.45).k, 55);
  });

  it("numpy's method='higher' would take one order statistic more", () => {
    const c = ref.conformal.find((x) => x.name === 'absolute-n19')!;
    const r = c.levels.find((l) => l.level === '0.8')!; // k = 16 < n = 19
    const sorted = Float64Array.from(c.scores).sort();
    assert.equal(r.q, sorted[15]);
    assert.equal(r.numpyHigher, sorted[16]);
  });
});

describe('split conformal by hand', () => {
  // Calibration residuals 1..9 (n = 9).
  const cal = { yTrue: [1, 2, 3, 4, 5, 6, 7, 8, 9], yPred: [0, 0, 0, 0, 0, 0, 0, 0, 0] };

  it('q is the ⌈(n+1)(1−α)⌉-th smallest score', () => {
    assert.deepEqual(splitConformal(cal, 0.1), { level: 0.9, n: 9, k: 9, q: 9, normalized: false }); // ⌈10·0.9⌉ = 9
    assert.equal(splitConformal(cal, 0.2).q, 8); // ⌈10·0.8⌉ = 8
    assert.equal(splitConformal(cal, 0.25).q, 8); // ⌈10·0.75⌉ = ⌈7.5⌉ = 8
  });

  it('too small a calibration set gives an infinite interval: it covers everything', () => {
    const m = splitConformal(cal, 0.05); // ⌈10·0.95⌉ = 10 > 9
    assert.equal(m.q, Infinity);
    const { lower, upper } = conformalIntervals(m, [1, 2]);
    assert.deepEqual(
      [Array.from(lower), Array.from(upper)],
      [
        [-Infinity, -Infinity],
        [Infinity, Infinity],
      ],
    );
    assert.equal(intervalCoverage([100, -100], lower, upper), 1);
    assert.equal(meanIntervalWidth(lower, upper), Infinity);
  });

  it('normalized scores scale the interval by each compound’s sigma', () => {
    const m = splitConformal({ yTrue: [2, 4, 6], yPred: [0, 0, 0], sigma: [2, 2, 2] }, 0.5); // scores 1, 2, 3; k = ⌈4·0.5⌉ = 2
    assert.equal(m.q, 2);
    const { lower, upper } = conformalIntervals(m, [10, 10], [1, 3]);
    assert.deepEqual(
      [Array.from(lower), Array.from(upper)],
      [
        [8, 4],
        [12, 16],
      ],
    );
    assert.equal(meanIntervalWidth(lower, upper), 8);
    assert.equal(intervalCoverage([12, 3], lower, upper), 0.5); // closed interval: 12 is inside
  });

  it('refuses mismatched sigma use and bad levels', () => {
    const normalized = splitConformal({ ...cal, sigma: cal.yTrue.map(() => 1) }, 0.1);
    assert.throws(() => conformalIntervals(normalized, [1]), { name: 'RangeError', message: /sigma is needed/ });
    assert.throws(() => conformalIntervals(splitConformal(cal, 0.1), [1], [1]), { name: 'RangeError', message: /pass no sigma/ });
    assert.throws(() => splitConformal(cal, 1), { name: 'RangeError', message: 'splitConformal: alpha is 1; it must lie strictly between 0 and 1' });
    assert.throws(() => splitConformal({ ...cal, sigma: cal.yTrue.map(() => -1) }, 0.1), { name: 'RangeError', message: /sigma\[0\] is -1/ });
    assert.throws(() => conformalCoverageTable(cal, { ...cal, sigma: cal.yTrue }), { name: 'RangeError', message: /sigma for both/ });
  });
});
