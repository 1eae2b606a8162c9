/**
 * Window statistics on a calibrated scale: each one is a p-value, an excess over the
 * model's own baseline or a z-score at the window's own size, so that one threshold
 * means the same false-alarm rate on every data set and every window size.
 *
 *  - shares (unseen scaffolds, low similarity) against the held-out baseline: one-sided
 *    Fisher exact test (the baseline share is measured on a sample too);
 *  - descriptor drift: permutation KS per descriptor (the null at the window's size,
 *    ties included), Benjamini–Hochberg across the dictionary;
 *  - chemistry drift: MMD with the Tanimoto kernel between the window's fingerprints and
 *    the in-distribution reference, permutation p-value. Chosen over per-bit or
 *    per-descriptor tests because it is one test on the whole fingerprint (no
 *    multiplicity), over a nearest-neighbour share because it needs no similarity
 *    threshold, and because the Tanimoto kernel is positive definite on bit vectors, so
 *    MMD = 0 exactly when the two distributions agree;
 *  - a new series: the novel-cluster count (pairs of window compounds closer to a far
 *    compound than training is; stats/novel-cluster.ts), permutation p over window ∪ held-out compounds.
 *    MMD and the far share dilute one series among the window's familiar compounds; this
 *    count is made of the series alone;
 *  - the same count with the training set in the pool (stats/training-novel-pairs.ts) for
 *    small data sets, whose held-out sample is too small a null;
 *  - a new series by its scaffold: pairs of window compounds on the same scaffold unseen in
 *    training (stats/new-scaffold-pairs.ts), permutation p over window ∪ held-out compounds;
 *  - error before labels: direct loss estimation from σ and similarity;
 *  - assay shift: paired t over the reference compounds.
 *
 * Permutations are seeded from the window label: replaying a window gives the same p-values.
 */
import { Random } from '../core/random.js';
import { hashOf } from '../core/hash.js';
import { pooledTanimotoGram, tanimotoGram } from '../chem/tanimoto-gram.js';
import { pooledNeighbours, trainingNeighbours, type TrainingNeighbours } from '../chem/neighbour-lists.js';
import { fingerprintSet } from '../chem/similarity.js';
import { trainingNovelPairsTest, type TrainingNovelPairsTest } from '../stats/training-novel-pairs.js';
import { benjaminiHochberg } from '../stats/fdr.js';
import { expectedLoss, type LossModel } from '../stats/loss-estimation.js';
import { mmdPermutationTest } from '../stats/mmd.js';
import { minimalDetectableShift, pairedShift } from '../stats/paired-shift.js';
import { novelClusterTest, type NovelClusterTest } from '../stats/novel-cluster.js';
import { newScaffoldPairsTest, type NewScaffoldPairsTest } from '../stats/new-scaffold-pairs.js';
import { IN_DOMAIN_SIMILARITY, LOW_SIMILARITY, unpackFingerprints, type SignalBaseline } from '../validate/signal-baseline.js';
import { permutationKs } from '../stats/permutation-ks.js';
import { fisherExactGreater } from '../stats/fisher-exact.js';

/** Permutations per test: p-values resolve to 0.001, enough for BH over ~25 descriptors at q = 0.05. */
export const PERMUTATIONS = 999;
/** Besag–Clifford stop: after this many permutation statistics at or above the observed one, p = h / L (a null window costs ~h / p permutations). */
export const STOP_AFTER = 10;
/** FDR level at which a descriptor counts as drifted. */
export const DESCRIPTOR_FDR = 0.05;
/** Two-sided level of the paired reference-compound test for a confirmed assay shift. */
export const ASSAY_SHIFT_ALPHA = 0.001;
/** Power at which the minimal detectable shift is stated. */
export const ASSAY_SHIFT_POWER = 0.8;
/** Reference compounds per descriptor (a seeded sample of the training set) and window compounds for the MMD (cost bounds). */
export const DESCRIPTOR_REFERENCE_SIZE = 1000;
export const CHEMISTRY_WINDOW_SIZE = 200;
/**
 * Permutations of the two chemistry tests (MMD, novel cluster): p
 * resolves to 1e-4, below the default policy's 0.001. With 999 a p-value cannot go below
 * 0.001, so a rule at 0.001 could never fire. Besag–Clifford stopping keeps a null window
 * at ~10 / p draws.
 */
export const CHEMISTRY_DRAWS = 9999;

/**
 * Training sets up to this size get the training-pool novel-pairs test (its setup is n²
 * Tanimoto per model version, under a second at 2,000). Above it the held-out sample (20 % of the
 * data, up to 500 kept) is a large enough null for the held-out version.
 */
export const TRAINING_POOL_MAX = 2000;

/**
 * A window's packed fingerprints as the chemistry tests read them: all of them, or above
 * CHEMISTRY_WINDOW_SIZE a seeded subsample (cost bound) with the rows it kept.
 */
function cappedWindow(window: Uint32Array, words: number, rng: Random): { fps: Uint32Array; rows: number[] | null } {
  const m = window.length / words;
  if (m <= CHEMISTRY_WINDOW_SIZE) return { fps: window, rows: null };
  const rows = rng.shuffle(Array.from({ length: m }, (_, i) => i)).slice(0, CHEMISTRY_WINDOW_SIZE);
  const fps = new Uint32Array(rows.length * words);
  rows.forEach((r, k) => fps.set(window.subarray(r * words, (r + 1) * words), k * words));
  return { fps, rows };
}

/** A generator for one window's permutations, from its label (replays reproduce p-values). */
export function windowRandom(label: string, purpose: string): Random {
  return Random.stream(Number.parseInt(hashOf({ label, purpose }).slice(0, 12), 16), 0);
}

export interface ShareTest {
  share: number;
  baseline: number;
  excess: number;
  /**
   * One-sided Fisher exact p (stats/fisher-exact.ts): small when the window has more than
   * the baseline's share, which is itself measured on `baselineN` held-out compounds.
   */
  pValue: number;
}

export function shareAgainstBaseline(count: number, n: number, baseline: number, baselineN: number): ShareTest | null {
  if (n === 0) return null;
  const baselineCount = Math.round(baseline * baselineN);
  const pValue = baselineN > 0 ? fisherExactGreater(count, n, baselineCount, baselineN) : Number.NaN;
  return { share: count / n, baseline, excess: count / n - baseline, pValue };
}

export interface DescriptorTests {
  pValues: Array<number | null>;
  qValues: Array<number | null>;
  drifted: number;
  minQ: number | null;
}

/** Permutation KS per descriptor (null where either sample has fewer than 2 values), BH across those tested. */
export function descriptorDriftTests(reference: Float64Array[], current: Float64Array[], rng: Random): DescriptorTests {
  const pValues = current.map((cur, d) => {
    const ref = reference[d];
    return ref && ref.length >= 2 && cur.length >= 2 ? permutationKs(ref, cur, PERMUTATIONS, rng, STOP_AFTER).pValue : null;
  });
  const tested = pValues.map((p, d) => [p, d] as const).filter((x): x is readonly [number, number] => x[0] !== null);
  const q = tested.length ? benjaminiHochberg(tested.map((x) => x[0])) : new Float64Array(0);
  const qValues: Array<number | null> = pValues.map(() => null);
  tested.forEach(([, d], i) => (qValues[d] = q[i]!));
  const qs = [...q];
  return { pValues, qValues, drifted: qs.filter((v) => v <= DESCRIPTOR_FDR).length, minQ: qs.length ? Math.min(...qs) : null };
}

/** A seeded subsample of at most `size` values (the reference for the permutation tests). */
export function subsample(xs: Float64Array, size: number, rng: Random): Float64Array {
  if (xs.length <= size) return xs;
  const idx = rng.shuffle(Array.from({ length: xs.length }, (_, i) => i)).slice(0, size);
  return Float64Array.from(idx, (i) => xs[i]!);
}

/**
 * MMD (Tanimoto kernel) of the window's fingerprints against the reference; null with
 * fewer than 5 window compounds. `referenceGram` (the reference's own Gram matrix) may be
 * passed to save recomputing it for every window.
 */
export function chemistryShift(
  reference: Uint32Array,
  window: Uint32Array,
  words: number,
  rng: Random,
  referenceGram?: Float64Array,
): { mmd2: number; pValue: number } | null {
  const n = reference.length / words;
  if (window.length / words < 5 || n < 5) return null;
  const win = cappedWindow(window, words, rng).fps;
  const m = win.length / words;
  const t = mmdPermutationTest(
    pooledTanimotoGram(reference, referenceGram ?? tanimotoGram(reference, words), win, words),
    n + m,
    n,
    CHEMISTRY_DRAWS,
    rng,
    STOP_AFTER,
  );
  return { mmd2: t.mmd2, pValue: t.pValue };
}

export interface ErrorEstimate {
  n: number;
  estimatedMae: number;
  /** The validation (test-set) MAE the estimate is compared with. */
  baselineMae: number;
  estimatedMaeRatio: number;
  /** MAE on the window's predictions whose labels are known by now; null before any. */
  realisedMae: number | null;
  realisedN: number;
}

export function errorEstimate(model: LossModel, sigma: number[], similarity: number[], baselineMae: number, realised: number[]): ErrorEstimate | null {
  if (!sigma.length || !(baselineMae > 0)) return null;
  let s = 0;
  for (let i = 0; i < sigma.length; i++) s += expectedLoss(model, sigma[i]!, similarity[i]!);
  const est = s / sigma.length;
  return {
    n: sigma.length,
    estimatedMae: est,
    baselineMae,
    estimatedMaeRatio: est / baselineMae,
    realisedMae: realised.length ? realised.reduce((a, b) => a + b, 0) / realised.length : null,
    realisedN: realised.length,
  };
}

export interface PairedAssayShift {
  referencesCompared: number;
  pairedShift: number | null;
  shiftCiLow: number | null;
  shiftCiHigh: number | null;
  shiftPValue: number | null;
  shiftSdDifference: number | null;
  minimalDetectableShift: number | null;
  confirmedShift: boolean;
}

/**
 * Paired test over reference compounds (after − before per compound): confirmed when the
 * two-sided p-value is below ASSAY_SHIFT_ALPHA with at least 3 references. The mean, not
 * the median or a vote: labs that agree on average do not freeze however noisy each
 * compound is, and a real offset shows at realistic per-compound noise once enough
 * references are in. The minimal detectable shift says what this set of references could
 * have seen (at 80 % power).
 */
export function pairedAssayShift(shifts: number[]): PairedAssayShift {
  if (shifts.length < 2) {
    return {
      referencesCompared: shifts.length,
      pairedShift: shifts[0] ?? null,
      shiftCiLow: null,
      shiftCiHigh: null,
      shiftPValue: null,
      shiftSdDifference: null,
      minimalDetectableShift: null,
      confirmedShift: false,
    };
  }
  const r = pairedShift(shifts, 0.95);
  return {
    referencesCompared: r.n,
    pairedShift: r.shift,
    shiftCiLow: r.ciLow,
    shiftCiHigh: r.ciHigh,
    shiftPValue: r.pValue,
    shiftSdDifference: r.sdDifference,
    minimalDetectableShift: minimalDetectableShift(r.n, r.sdDifference, ASSAY_SHIFT_ALPHA, ASSAY_SHIFT_POWER),
    confirmedShift: r.n >= 3 && r.pValue < ASSAY_SHIFT_ALPHA,
  };
}

/** The build's held-out sample, decoded once per version, with its Gram matrix. */
export interface HeldOutSample {
  words: number;
  fingerprints: Uint32Array;
  gram: Float64Array;
  nearest: Float64Array;
  far: number;
  /** Each compound's scaffold when unseen in training (else null); null for builds made before it was recorded. */
  newScaffolds: Array<string | null> | null;
  /** The new-scaffold-pairs test counts only compounds whose nearest-training similarity is below this. */
  newScaffoldBelow: number;
}

export function heldOutSampleOf(b: SignalBaseline | null): HeldOutSample | null {
  const h = b?.heldOut;
  if (!h) return null;
  const fingerprints = unpackFingerprints(h.fingerprints);
  return {
    words: h.fingerprintWords,
    fingerprints,
    gram: tanimotoGram(fingerprints, h.fingerprintWords),
    nearest: Float64Array.from(h.nearest),
    far: h.far,
    newScaffolds: h.newScaffolds ?? null,
    newScaffoldBelow: h.newScaffoldBelow ?? IN_DOMAIN_SIMILARITY,
  };
}

/**
 * The novel-cluster permutation test of a window's distinct compounds (fingerprints and
 * nearest-training similarities in the same order), pooled with the held-out sample. A
 * window above CHEMISTRY_WINDOW_SIZE is tested on a seeded subsample (cost bound).
 */
export function novelCluster(heldOut: HeldOutSample, window: Uint32Array, nearest: ArrayLike<number>, rng: Random): NovelClusterTest | null {
  const words = heldOut.words;
  const { fps, rows } = cappedWindow(window, words, rng);
  const near = rows ? Float64Array.from(rows, (r) => nearest[r]!) : Float64Array.from(nearest);
  const m = near.length;
  const gram = pooledTanimotoGram(heldOut.fingerprints, heldOut.gram, fps, words);
  const pooledNearest = new Float64Array(heldOut.nearest.length + m);
  pooledNearest.set(heldOut.nearest);
  pooledNearest.set(near, heldOut.nearest.length);
  return novelClusterTest({ gram, nearest: pooledNearest }, m, heldOut.far, CHEMISTRY_DRAWS, rng, STOP_AFTER);
}

/**
 * The new-scaffold-pairs permutation test (stats/new-scaffold-pairs.ts) of a window's
 * distinct compounds (each one's scaffold when unseen in training, else null, and its
 * nearest-training similarity), pooled with the held-out sample. On both sides a compound
 * counts only below the recorded `newScaffoldBelow` (0.5, the in-domain band): an unseen
 * scaffold with a close training analogue is a variant the model covers. (A programme that
 * swaps one ring of a known series makes a new Murcko scaffold every week at Tanimoto
 * 0.6–0.8 to its parent, and makes those variants together: counting them would watch
 * routine SAR.) Null for a build that did not
 * record the held-out scaffolds. A window above CHEMISTRY_WINDOW_SIZE is tested on a seeded
 * subsample (cost bound).
 */
export function newScaffoldPairsOfWindow(
  heldOut: HeldOutSample,
  window: ReadonlyArray<{ scaffold: string | null; nearest: number }>,
  rng: Random,
): NewScaffoldPairsTest | null {
  if (!heldOut.newScaffolds) return null;
  const below = heldOut.newScaffoldBelow;
  const sample = window.length > CHEMISTRY_WINDOW_SIZE ? rng.shuffle([...window]).slice(0, CHEMISTRY_WINDOW_SIZE) : window;
  const pooled = [
    ...heldOut.newScaffolds.map((s, i) => (heldOut.nearest[i]! < below ? s : null)),
    ...sample.map((c) => (c.nearest < below ? c.scaffold : null)),
  ];
  return newScaffoldPairsTest(pooled, sample.length, CHEMISTRY_DRAWS, rng, STOP_AFTER);
}

/** A model version's training compounds as the null pool of the training-pool novel-pairs test. */
export interface TrainingPool {
  neighbours: TrainingNeighbours;
  /** Out-of-domain threshold (the build's recorded one). */
  far: number;
}

/**
 * The training pool of a version: null when its training set is above TRAINING_POOL_MAX
 * (or under 5 compounds). `far` is the threshold the build recorded for the held-out test.
 */
export function trainingPoolOf(training: Uint32Array, words: number, baseline: SignalBaseline | null): TrainingPool | null {
  const n = training.length / words;
  if (n < 5 || n > TRAINING_POOL_MAX) return null;
  return { neighbours: trainingNeighbours(fingerprintSet(training, words), CHEMISTRY_WINDOW_SIZE + 1), far: baseline?.heldOut?.far ?? LOW_SIMILARITY };
}

/**
 * The training-pool novel-pairs test of a window's distinct compounds (not training
 * compounds themselves). A window above CHEMISTRY_WINDOW_SIZE is tested on a seeded subsample.
 */
export function trainingNovelPairs(pool: TrainingPool, window: Uint32Array, rng: Random): TrainingNovelPairsTest | null {
  const words = pool.neighbours.set.words;
  const { fps } = cappedWindow(window, words, rng);
  const pooled = pooledNeighbours(pool.neighbours, fingerprintSet(fps, words));
  return trainingNovelPairsTest(pooled, pool.far, CHEMISTRY_DRAWS, rng, STOP_AFTER);
}
