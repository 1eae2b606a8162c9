import assert from 'node:assert/strict';
import { fisherExactGreater } from '../../src/stats/fisher-exact.js';
import { describe, it } from 'node:test';
import { Random } from '../../src/core/random.js';
import { pooledTanimotoGram, tanimotoGram } from '../../src/chem/tanimoto-gram.js';
import { tanimoto } from '../../src/chem/similarity.js';
import { minimalDetectableShift } from '../../src/stats/paired-shift.js';
import { permutationKs } from '../../src/stats/permutation-ks.js';
import {
  ASSAY_SHIFT_ALPHA,
  CHEMISTRY_WINDOW_SIZE,
  TRAINING_POOL_MAX,
  newScaffoldPairsOfWindow,
  pairedAssayShift,
  shareAgainstBaseline,
  trainingNovelPairs,
  trainingPoolOf,
  windowRandom,
} from '../../src/monitor/calibrated-signals.js';
import type { SignalBaseline } from '../../src/validate/signal-baseline.js';

function gaussian(rng: Random): number {
  return Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());
}

describe('assay shift as a paired test over reference compounds', () => {
  const freezeRate = (offset: number, n: number, sd: number, reps: number) => {
    const rng = new Random(42);
    let confirmed = 0;
    for (let r = 0; r < reps; r++) if (pairedAssayShift(Array.from({ length: n }, () => offset + sd * gaussian(rng))).confirmedShift) confirmed++;
    return confirmed / reps;
  };
  it('two labs that agree on average do not freeze, however noisy each compound is (60 references, SD 0.7)', () => {
    // Expected 0.1 % (the test's level); 2 of 2000 is the Poisson 99.9 % bound's neighbourhood.
    assert.ok(freezeRate(0, 60, 0.7, 2000) <= 0.004);
  });
  it('a 0.5 offset under inter-lab noise SD 0.7 is confirmed with 60 references (power above 95 %)', () => {
    assert.ok(freezeRate(0.5, 60, 0.7, 400) >= 0.95);
  });
  it('states the smallest shift these references could detect, and the interval', () => {
    const rng = new Random(3);
    const r = pairedAssayShift(Array.from({ length: 60 }, () => 0.5 + 0.7 * gaussian(rng)));
    assert.ok(r.shiftCiLow! < r.pairedShift! && r.pairedShift! < r.shiftCiHigh!);
    assert.ok(Math.abs(r.minimalDetectableShift! - minimalDetectableShift(60, r.shiftSdDifference!, ASSAY_SHIFT_ALPHA)) < 1e-12);
    assert.ok(r.minimalDetectableShift! > 0.3 && r.minimalDetectableShift! < 0.5, `${r.minimalDetectableShift}`);
  });
  it('does not confirm with fewer than 3 references', () => {
    assert.equal(pairedAssayShift([1, 1]).confirmedShift, false);
    assert.equal(pairedAssayShift([1]).pairedShift, 1);
  });
});

describe('window shares against the model baseline', () => {
  it("reports the excess and a one-sided Fisher exact p against the baseline's own sample", () => {
    const t = shareAgainstBaseline(25, 40, 0.5, 300)!;
    assert.equal(t.excess, 25 / 40 - 0.5);
    assert.equal(t.pValue, fisherExactGreater(25, 40, 150, 300));
    assert.ok(t.pValue > 0.05 && t.pValue < 0.2, `${t.pValue}`);
    assert.ok(shareAgainstBaseline(30, 40, 0.2, 300)!.pValue < 1e-6);
    assert.equal(shareAgainstBaseline(0, 0, 0.2, 300), null);
  });
  it('is cautious when the baseline rests on few held-out compounds', () => {
    // The same window against the same share, measured on 16 or on 1,600 held-out compounds.
    assert.ok(shareAgainstBaseline(30, 34, 0.625, 16)!.pValue > 0.01);
    assert.ok(shareAgainstBaseline(30, 34, 0.625, 1600)!.pValue < 0.002);
  });
});

describe('permutation machinery', () => {
  it("seeds a window's permutations from its label: replays give the same p-values", () => {
    const a = Float64Array.from({ length: 200 }, (_, i) => Math.sin(i));
    const b = Float64Array.from({ length: 30 }, (_, i) => Math.cos(i));
    assert.equal(permutationKs(a, b, 199, windowRandom('2024-W03', 'x')).pValue, permutationKs(a, b, 199, windowRandom('2024-W03', 'x')).pValue);
  });
  it('Besag–Clifford early stopping keeps the p-value calibrated under the null', () => {
    const rng = new Random(9);
    const reference = Float64Array.from({ length: 300 }, () => gaussian(rng));
    let below = 0;
    const reps = 400;
    for (let r = 0; r < reps; r++)
      if (
        permutationKs(
          reference,
          Float64Array.from({ length: 40 }, () => gaussian(rng)),
          999,
          rng,
          10,
        ).pValue <= 0.05
      )
        below++;
    assert.ok(below >= 8 && below <= 34, `${below} of ${reps} null windows at p <= 0.05`);
  });
  it('the pooled Tanimoto Gram matrix from a cached reference block equals the full one', () => {
    const rng = new Random(1);
    const words = 4;
    const fps = Uint32Array.from({ length: 12 * words }, () => rng.nextUint32() & rng.nextUint32());
    const full = tanimotoGram(fps, words);
    const pooled = pooledTanimotoGram(fps.subarray(0, 8 * words), tanimotoGram(fps.subarray(0, 8 * words), words), fps.subarray(8 * words), words);
    assert.deepEqual([...pooled], [...full]);
    assert.equal(full[1 * 12 + 5], tanimoto(fps.subarray(words, 2 * words), fps.subarray(5 * words, 6 * words)));
  });
});

describe('new-scaffold pairs of a window against the held-out sample', () => {
  // 40 held-out compounds on distinct unseen scaffolds (no pair among them), all out of domain.
  const heldOut = {
    words: 1,
    fingerprints: new Uint32Array(40),
    gram: new Float64Array(1600),
    nearest: Float64Array.from({ length: 40 }, () => 0.3),
    far: 0.3,
    newScaffolds: Array.from({ length: 40 }, (_, i) => `h${i}`),
    newScaffoldBelow: 0.5,
  };
  // `shared` compounds on one scaffold at the given nearest-training similarity, then distinct scaffolds at 0.4, 20 in all.
  const windowOf = (scaffold: string, shared: number, nearest: number) => [
    ...Array.from({ length: shared }, () => ({ scaffold, nearest })),
    ...Array.from({ length: 20 - shared }, (_, i) => ({ scaffold: `w${i}`, nearest: 0.4 })),
  ];
  it('counts compounds on a shared unseen scaffold outside the in-domain band, and finds them', () => {
    const t = newScaffoldPairsOfWindow(heldOut, windowOf('series', 8, 0.35), windowRandom('w', 'new-scaffold-pairs'))!;
    // 8 × 7 ordered pairs; a random 20 of the 60 pooled holds all 8 with probability C(20,8)/C(60,8) ≈ 5e-5.
    assert.equal(t.count, 56);
    assert.ok(t.pValue < 0.001, `p ${t.pValue}`);
  });
  it('ignores a shared unseen scaffold whose compounds have a training analogue at 0.5 or more (a variant the model covers)', () => {
    const t = newScaffoldPairsOfWindow(heldOut, windowOf('ring-swap', 6, 0.7), windowRandom('w', 'new-scaffold-pairs'))!;
    assert.equal(t.count, 0);
    assert.equal(t.pValue, 1);
  });
  it('is null for a build that recorded no held-out scaffolds', () => {
    assert.equal(newScaffoldPairsOfWindow({ ...heldOut, newScaffolds: null }, [{ scaffold: 'a', nearest: 0.1 }], windowRandom('w', 'x')), null);
  });
});

describe('the training pool of the training-pool novel-pairs test', () => {
  // Fingerprints of one word: compound i sets bits i and i + 1 (mod 32), so neighbours share one bit.
  const fp = (i: number) => ((1 << (i % 32)) | (1 << ((i + 1) % 32))) >>> 0;
  it('takes the build-recorded out-of-domain threshold, else the serving one', () => {
    const training = Uint32Array.from({ length: 12 }, (_, i) => fp(i));
    assert.equal(trainingPoolOf(training, 1, null)!.far, 0.3);
    const recorded = { heldOut: { far: 0.25 } } as unknown as SignalBaseline;
    assert.equal(trainingPoolOf(training, 1, recorded)!.far, 0.25);
  });
  it(`is null above ${TRAINING_POOL_MAX} training compounds (the held-out sample is a large enough null there) and under 5`, () => {
    assert.equal(trainingPoolOf(new Uint32Array(TRAINING_POOL_MAX + 1), 1, null), null);
    assert.equal(trainingPoolOf(Uint32Array.from([1, 2, 3, 4]), 1, null), null);
  });
  it('tests a window above the chemistry window size on a seeded subsample of it', () => {
    const pool = trainingPoolOf(
      Uint32Array.from({ length: 40 }, (_, i) => fp(i)),
      1,
      null,
    )!;
    const window = Uint32Array.from({ length: CHEMISTRY_WINDOW_SIZE + 50 }, (_, i) => fp(i * 7));
    const a = trainingNovelPairs(pool, window, windowRandom('w1', 'training-novel-pairs'))!;
    const b = trainingNovelPairs(pool, window, windowRandom('w1', 'training-novel-pairs'))!;
    assert.equal(a.size, CHEMISTRY_WINDOW_SIZE);
    assert.deepEqual(a, b, 'a replay of the window gives the same test');
  });
});
