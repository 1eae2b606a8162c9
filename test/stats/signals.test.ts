import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Random } from '../../src/core/random.js';
import { bandOf, interpolatedScore, mondrianConformal, mondrianCoverage } from '../../src/stats/conformal-mondrian.js';
import { benjaminiHochberg } from '../../src/stats/fdr.js';
import { expectedLoss, fitLossModel, lossModelPress } from '../../src/stats/loss-estimation.js';
import { mmd2Unbiased, mmdPermutationTest } from '../../src/stats/mmd.js';
import { minimalDetectableShift, pairedShift } from '../../src/stats/paired-shift.js';
import { permutationKs } from '../../src/stats/permutation-ks.js';
import { binomialUpperTail, tCdf, tQuantile } from '../../src/stats/student-t.js';

/** SciPy/numpy values from scripts/fixtures/make_signal_reference.py. */
const ref = JSON.parse(readFileSync(new URL('../../../test/fixtures/stats/signals.json', import.meta.url), 'utf8')) as {
  t: { cdf: Array<{ x: number; df: number; value: number }>; ppf: Array<{ p: number; df: number; value: number }> };
  binom: Array<{ k: number; n: number; p: number; value: number }>;
  bh: Array<{ p: number[]; q: number[] }>;
  paired: Array<{ before: number[]; after: number[]; t: number; pValue: number; ciLow: number; ciHigh: number }>;
  mds: Array<{ n: number; sd: number; alpha: number; power: number; value: number }>;
  ks: Array<{ a: number[]; b: number[]; statistic: number; pValue: number }>;
  mmd: Array<{ n: number; m: number; bits: number[][]; mmd2: number }>;
  mondrian: {
    yTrue: number[];
    yPred: number[];
    similarity: number[];
    level: number;
    bands: Array<{ from: number; to: number; n: number; k: number; q: number; qInterpolated: number }>;
  };
  loss: { absResidual: number[]; sigma: number[]; similarity: number[]; coefficients: number[]; press: number[]; chosen: number[] };
  lossSmall: { absResidual: number[]; sigma: number[]; similarity: number[]; press: number[]; chosen: number[] };
  lossBoth: { absResidual: number[]; sigma: number[]; similarity: number[]; press: number[]; chosen: number[] };
};

const close = (a: number, b: number, rel: number, abs = 0, what = '') =>
  assert.ok(Math.abs(a - b) <= Math.max(abs, rel * Math.abs(b)), `${what}: ${a} vs ${b}`);

describe("Student's t and the binomial tail match scipy.stats", () => {
  it('t.cdf on a grid of x and df', () => {
    for (const c of ref.t.cdf) close(tCdf(c.x, c.df), c.value, 1e-11, 1e-15, `t.cdf(${c.x}, ${c.df})`);
  });
  it('t.ppf on a grid of p and df', () => {
    // 1e-8: scipy's ppf at df = 1, p = 0.0005 is 1e-9 off the closed form -cot(π p), which ours matches.
    for (const c of ref.t.ppf) close(tQuantile(c.p, c.df), c.value, 1e-8, 1e-12, `t.ppf(${c.p}, ${c.df})`);
    close(tQuantile(0.0005, 1), -1 / Math.tan(Math.PI * 0.0005), 1e-12, 0, 'closed form at df = 1');
  });
  it('binom.sf(k - 1) = P(X >= k)', () => {
    for (const c of ref.binom) close(binomialUpperTail(c.k, c.n, c.p), c.value, 1e-10, 1e-15, `binom ${c.k}/${c.n} p=${c.p}`);
  });
});

describe('Benjamini–Hochberg adjusted p-values match statsmodels fdr_bh', () => {
  it('on random families, ties included', () => {
    for (const c of ref.bh) {
      const q = benjaminiHochberg(c.p);
      c.q.forEach((v, i) => close(q[i]!, v, 1e-14, 1e-16, `q[${i}]`));
    }
  });
  it('refuses a p-value outside [0, 1]', () => {
    assert.throws(() => benjaminiHochberg([0.1, 1.2]), /lie in \[0, 1\]/);
  });
});

describe('paired shift test matches scipy.stats.ttest_rel and t.interval', () => {
  it('t, two-sided p and the 95 % interval of the mean difference', () => {
    for (const c of ref.paired) {
      const r = pairedShift(c.after.map((a, i) => a - c.before[i]!));
      close(r.t, c.t, 1e-10, 0, 't');
      close(r.pValue, c.pValue, 1e-9, 1e-15, 'p');
      close(r.ciLow, c.ciLow, 1e-8, 1e-9, 'ciLow');
      close(r.ciHigh, c.ciHigh, 1e-8, 1e-9, 'ciHigh');
    }
  });
  it('the minimal detectable shift is at or above the exact noncentral-t root, by at most 7 % (n >= 5)', () => {
    for (const c of ref.mds) {
      const d = minimalDetectableShift(c.n, c.sd, c.alpha, c.power);
      assert.ok(d >= c.value * 0.999 && d <= c.value * 1.07, `n=${c.n} alpha=${c.alpha}: ${d} vs exact ${c.value}`);
    }
  });
  it("60 references at inter-lab SD 0.7 detect 0.5 at alpha 0.001 (the issue's case), 5 references cannot", () => {
    assert.ok(minimalDetectableShift(60, 0.7, 0.001) < 0.5);
    assert.ok(minimalDetectableShift(5, 0.7, 0.001) > 1.5);
  });
});

describe('permutation KS', () => {
  it("gives scipy's statistic, and its p-value agrees with the exact KS p-value within Monte Carlo error (no ties)", () => {
    for (const c of ref.ks) {
      const B = 4000;
      const r = permutationKs(c.a, c.b, B, new Random(1));
      close(r.statistic, c.statistic, 1e-12, 0, 'D');
      const se = Math.sqrt((c.pValue * (1 - c.pValue)) / B);
      assert.ok(Math.abs(r.pValue - c.pValue) < 4 * se + 2 / B, `p ${r.pValue} vs exact ${c.pValue}`);
    }
  });
  it('is calibrated on a count descriptor full of ties: about 5 % of null windows fall below 0.05', () => {
    const rng = new Random(7);
    const draw = (n: number) => Float64Array.from({ length: n }, () => Math.min(4, Math.floor(-Math.log(1 - rng.uniform()) * 1.2)));
    const reference = draw(300);
    let below = 0;
    const reps = 300;
    for (let r = 0; r < reps; r++) if (permutationKs(reference, draw(40), 199, rng).pValue <= 0.05) below++;
    // Binomial(300, 0.05): mean 15, sd 3.8.
    assert.ok(below >= 4 && below <= 27, `${below} of ${reps} null windows at p <= 0.05`);
  });
});

function gramOf(bits: number[][]): Float64Array {
  const n = bits.length;
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let inter = 0;
      let a = 0;
      let b = 0;
      for (let k = 0; k < bits[i]!.length; k++) {
        inter += bits[i]![k]! & bits[j]![k]!;
        a += bits[i]![k]!;
        b += bits[j]![k]!;
      }
      g[i * n + j] = a + b - inter > 0 ? inter / (a + b - inter) : 1;
    }
  }
  return g;
}

describe('MMD with the Tanimoto kernel', () => {
  it('unbiased MMD² matches numpy', () => {
    for (const c of ref.mmd) close(mmd2Unbiased(gramOf(c.bits), c.n + c.m, c.n), c.mmd2, 1e-12, 1e-14, `n=${c.n} m=${c.m}`);
  });
  it('the permutation test rejects a denser fingerprint population', () => {
    const shifted = ref.mmd[1]!;
    const p1 = mmdPermutationTest(gramOf(shifted.bits), shifted.n + shifted.m, shifted.n, 499, new Random(3)).pValue;
    assert.ok(p1 < 0.01, `shifted population p = ${p1}`);
  });
  it('is calibrated under the null: about 5 % of same-population windows fall below 0.05', () => {
    const rng = new Random(5);
    const bits = (n: number) => Array.from({ length: n }, () => Array.from({ length: 64 }, () => (rng.uniform() < 0.15 ? 1 : 0)));
    const reference = bits(60);
    let below = 0;
    const reps = 300;
    for (let r = 0; r < reps; r++) if (mmdPermutationTest(gramOf([...reference, ...bits(15)]), 75, 60, 99, rng).pValue <= 0.05) below++;
    assert.ok(below >= 4 && below <= 27, `${below} of ${reps} null windows at p <= 0.05`);
  });
});

describe('Mondrian conformal by domain band', () => {
  const c = ref.mondrian;
  it("gives each band its own scores' quantile at rank (n + 1) · level, as numpy's 'weibull' quantile", () => {
    const m = mondrianConformal({ yTrue: c.yTrue, yPred: c.yPred }, c.similarity, c.level);
    assert.equal(m.bands.length, c.bands.length);
    m.bands.forEach((b, i) => {
      assert.equal(b.n, c.bands[i]!.n);
      assert.equal(b.k, c.bands[i]!.k);
      close(b.q, c.bands[i]!.qInterpolated, 1e-14, 0, `band ${i}`);
      // Between the (k − 1)-th and the k-th score (the conservative quantile), strictly below it here.
      assert.ok(b.q < c.bands[i]!.q, `band ${i}: ${b.q} vs the k-th ${c.bands[i]!.q}`);
    });
  });
  it('interpolates between the two order statistics around the rank, by hand', () => {
    const scores = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.9];
    const band = (level: number) =>
      mondrianConformal({ yTrue: scores, yPred: new Float64Array(10) }, new Float64Array(10).fill(0.9), level, [0, 1], 1).bands[0]!;
    // n = 10, level 0.9: rank 9.9 lies between the 9th (0.9) and 10th (1.9) scores: 0.9 + 0.9 · 1.0.
    close(band(0.9).q, 1.8, 1e-12, 0, 'rank 9.9');
    assert.equal(band(0.9).k, 10);
    // level 0.5: rank 5.5: halfway between 0.5 and 0.6.
    close(band(0.5).q, 0.55, 1e-12, 0, 'rank 5.5');
    // An integer rank takes that score: (10 + 1) · (7 / 11) = 7.
    close(band(7 / 11).q, 0.7, 1e-12, 0, 'rank 7');
    // A rank beyond n cannot be met with 10 scores: unbounded.
    assert.equal(band(0.95).q, Infinity);
    assert.equal(interpolatedScore([1, 2], 1, 0.5), 1, 'a rank below 1 takes the smallest score');
  });
  it('covers the level on average in a small band, where the k-th smallest over-covers', () => {
    // Uniform scores: a threshold t covers a new score with probability t exactly.
    const rng = new Random(17);
    const n = 35; // (n + 1) · 0.9 = 32.4: the k-th (33rd) covers 33 / 36 = 91.7 % on average
    let interpolated = 0;
    let kth = 0;
    const reps = 4000;
    for (let r = 0; r < reps; r++) {
      const s = Float64Array.from({ length: n }, () => rng.uniform());
      const b = mondrianConformal({ yTrue: s, yPred: new Float64Array(n) }, new Float64Array(n).fill(0.9), 0.9, [0, 1], 1).bands[0]!;
      interpolated += b.q;
      kth += s.sort()[b.k - 1]!;
    }
    assert.ok(Math.abs(interpolated / reps - 0.9) < 0.004, `interpolated mean coverage ${interpolated / reps}`);
    assert.ok(Math.abs(kth / reps - 33 / 36) < 0.004, `k-th mean coverage ${kth / reps}`);
  });
  it('merges a band with too few calibration compounds into its neighbour', () => {
    const m = mondrianConformal({ yTrue: c.yTrue, yPred: c.yPred }, c.similarity, c.level, [0, 0.12, 0.5, 1], 30);
    assert.equal(m.bands.length, 2);
    assert.equal(m.bands[0]!.from, 0);
    assert.equal(m.bands[0]!.to, 0.5);
    assert.equal(bandOf(m.bands, 1), 1);
  });
  it('covers close to the level in every band where one global quantile would not', () => {
    const rng = new Random(11);
    const make = (n: number) => {
      const sim = Float64Array.from({ length: n }, () => rng.uniform());
      const yTrue = Float64Array.from(sim, (s) => (1.6 - 1.5 * s) * gaussian(rng));
      return { yTrue, yPred: new Float64Array(n), sim };
    };
    const cal = make(3000);
    const test = make(6000);
    const m = mondrianConformal(cal, cal.sim, 0.9);
    for (const b of mondrianCoverage(m, test, test.sim)) assert.ok(Math.abs(b.coverage! - 0.9) < 0.025, `band ${b.from}-${b.to}: ${b.coverage}`);
    const global = mondrianConformal(cal, cal.sim, 0.9, [0, 1]);
    const perBand = mondrianCoverage({ ...global, bands: m.bands.map((b) => ({ ...b, q: global.bands[0]!.q })) }, test, test.sim);
    assert.ok(perBand[0]!.coverage! < 0.85 && perBand[2]!.coverage! > 0.95, 'a single quantile under-covers out of domain and over-covers in domain');
  });
});

describe('direct loss estimation', () => {
  it('chooses its features by leave-one-out error and fits them by least squares, as numpy', () => {
    for (const [name, l] of [
      ['150 compounds', ref.loss],
      ['8 compounds', ref.lossSmall],
      ['both features', ref.lossBoth],
    ] as const) {
      lossModelPress(l.absResidual, l.sigma, l.similarity).forEach((p, k) => close(p, l.press[k]!, 1e-9, 1e-12, `${name}: PRESS of set ${k}`));
      const m = fitLossModel(l.absResidual, l.sigma, l.similarity);
      m.coefficients.forEach((b, i) => close(b, l.chosen[i]!, 1e-9, 1e-12, `${name}: b${i}`));
      assert.deepEqual(
        m.features,
        (['sigma', 'similarity'] as const).filter((_, f) => l.chosen[f + 1] !== 0),
        name,
      );
    }
    // Here σ carries the signal and similarity's weak one does not survive leaving one out.
    assert.ok(ref.loss.press[1]! < ref.loss.press[3]!, 'sigma alone predicts left-out residuals better than both');
    const m = fitLossModel(ref.loss.absResidual, ref.loss.sigma, ref.loss.similarity);
    assert.ok(expectedLoss(m, 0.9, 0.5) > expectedLoss(m, 0.2, 0.5), 'a less certain compound is expected to err more');
  });
  it('keeps both features where both carry signal', () => {
    const l = ref.lossBoth;
    const m = fitLossModel(l.absResidual, l.sigma, l.similarity);
    assert.deepEqual(m.features, ['sigma', 'similarity']);
    assert.ok(m.coefficients[1] > 0 && m.coefficients[2] < 0, JSON.stringify(m.coefficients));
  });
  it('falls back to fewer features when sigma is constant', () => {
    const m = fitLossModel([0.1, 0.3, 0.5, 0.7], [1, 1, 1, 1], [0.9, 0.7, 0.5, 0.3]);
    close(expectedLoss(m, 1, 0.6), 0.4, 1e-12, 1e-12, 'fit on similarity alone');
  });
});

function gaussian(rng: Random): number {
  return Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());
}
