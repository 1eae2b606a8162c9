/**
 * What the monitoring statistics look like on in-distribution compounds the model did not
 * train on: its calibration and test compounds. Recorded at build time, stored in the
 * validation report, and read by monitoring, which reports every window statistic next
 * to this baseline with an excess or a p-value against it. A threshold on a raw share
 * ("over 30 % unseen scaffolds") means something different for every data set: in diverse
 * real chemistry half of a random in-distribution batch has an unseen scaffold, in a
 * focused programme a fifth. An excess over the model's own baseline transfers.
 *
 * With a scaffold split the held-out compounds are, by construction, all on unseen
 * scaffolds and further from training than a random new compound: the baseline is then
 * conservative (a window must be stranger than a scaffold-split test set to stand out).
 */
import { Random } from '../core/random.js';
import { mean, sd } from '../stats/describe.js';
import { expectedLoss, fitLossModel, type LossModel } from '../stats/loss-estimation.js';

/** Nearest-neighbour Tanimoto below which a compound is outside the training chemistry (as serving flags it). */
export const LOW_SIMILARITY = 0.3;
/**
 * Nearest-neighbour Tanimoto from which a compound is well inside the training chemistry (the
 * upper domain band of the conformal intervals). A compound on an unseen scaffold with a
 * training analogue this close is a variant the model covers, not a new series.
 */
export const IN_DOMAIN_SIMILARITY = 0.5;
/** Compounds kept as the chemistry reference for the fingerprint two-sample test. */
export const CHEMISTRY_REFERENCE_SIZE = 500;
/** Held-out compounds kept (a seeded sample) as the null sample of the novel-cluster test. */
export const HELD_OUT_SAMPLE_SIZE = 500;

export interface SignalBaseline {
  /** Held-out (calibration + test) compounds the shares were measured on. */
  n: number;
  unseenScaffoldShare: number;
  lowSimilarityShare: number;
  nearestSimilarity: { mean: number; sd: number };
  /** Test-set predictions: mean and SD, to express a window's mean prediction as a z-score at its own size. */
  prediction: { mean: number; sd: number };
  /** Direct loss estimation: |residual| from σ and similarity, fitted on the calibration set. */
  lossModel: LossModel | null;
  /** That model's estimate of the test MAE next to the realised test MAE. */
  lossModelCheck: { estimatedMae: number; realisedMae: number } | null;
  /** A seeded sample of the development compounds (train + calibration + test): the in-distribution chemistry. */
  chemistryReference: { size: number; fingerprintWords: number; fingerprints: string };
  /**
   * The held-out compounds themselves (a seeded sample): fingerprints and nearest-training
   * similarities, the null sample of the novel-cluster test (stats/novel-cluster.ts).
   * `far` is the out-of-domain threshold the novel-cluster test counts below (LOW_SIMILARITY
   * when the version was built: recorded so a later default cannot change an old version's
   * test). Absent in builds made before it.
   *
   * `newScaffolds`: each sampled compound's Murcko scaffold when the training set lacks it
   * (null when the training set has it, or the compound has no ring), the null sample of
   * the new-scaffold-pairs test (stats/new-scaffold-pairs.ts); `newScaffoldBelow`: that
   * test counts only compounds whose nearest-training similarity is below it (recorded,
   * like `far`). Both absent in builds made before them.
   */
  heldOut?: {
    size: number;
    fingerprintWords: number;
    fingerprints: string;
    nearest: number[];
    far: number;
    newScaffolds?: Array<string | null>;
    newScaffoldBelow?: number;
  };
}

export interface BaselineInput {
  calibration: { yTrue: Float64Array; yPred: Float64Array; sigma: Float64Array; nearest: Float64Array; scaffoldSeen: boolean[] };
  test: { yTrue: Float64Array; yPred: Float64Array; sigma: Float64Array; nearest: Float64Array; scaffoldSeen: boolean[] };
  /** Packed fingerprints of every development compound, `words` per compound. */
  fingerprints: Uint32Array;
  /** Packed fingerprints of the calibration then the test compounds (the order of their `nearest`). */
  heldOutFingerprints: Uint32Array;
  /** Murcko scaffolds of the calibration then the test compounds (their `scaffoldSeen` says which the training set has). */
  heldOutScaffolds?: string[];
  words: number;
  seed: number;
}

export function signalBaseline(input: BaselineInput): SignalBaseline {
  const { calibration: cal, test } = input;
  const sims = Float64Array.from([...cal.nearest, ...test.nearest]);
  const seen = [...cal.scaffoldSeen, ...test.scaffoldSeen];
  const n = sims.length;
  let lossModel: LossModel | null = null;
  let lossModelCheck: SignalBaseline['lossModelCheck'] = null;
  const finiteSigma = (s: Float64Array) => s.every((v) => Number.isFinite(v));
  if (cal.yTrue.length >= 3 && finiteSigma(cal.sigma) && finiteSigma(test.sigma)) {
    const abs = Float64Array.from(cal.yTrue, (y, i) => Math.abs(y - cal.yPred[i]!));
    lossModel = fitLossModel(abs, cal.sigma, cal.nearest);
    const est = mean(Float64Array.from(test.sigma, (s, i) => expectedLoss(lossModel!, s, test.nearest[i]!)));
    lossModelCheck = { estimatedMae: est, realisedMae: mean(Float64Array.from(test.yTrue, (y, i) => Math.abs(y - test.yPred[i]!))) };
  }
  return {
    n,
    unseenScaffoldShare: n ? seen.filter((s) => !s).length / n : 0,
    lowSimilarityShare: n ? sims.filter((s) => s < LOW_SIMILARITY).length / n : 0,
    nearestSimilarity: { mean: mean(sims), sd: sd(sims) },
    prediction: { mean: mean(test.yPred), sd: sd(test.yPred) },
    lossModel,
    lossModelCheck,
    chemistryReference: chemistryReference(input.fingerprints, input.words, input.seed),
    heldOut: heldOutSample(input.heldOutFingerprints, sims, input.words, input.seed, input.heldOutScaffolds && newScaffoldsOf(input.heldOutScaffolds, seen)),
  };
}

function heldOutSample(
  fps: Uint32Array,
  nearest: Float64Array,
  words: number,
  seed: number,
  newScaffolds: Array<string | null> | undefined,
): NonNullable<SignalBaseline['heldOut']> {
  // Stream 12: its own draws, independent of the split's, the trainer's and the chemistry reference's.
  const { pick, packed } = seededFingerprintSample(fps, words, HELD_OUT_SAMPLE_SIZE, Random.stream(seed, 12));
  return {
    size: pick.length,
    fingerprintWords: words,
    fingerprints: packed,
    nearest: pick.map((r) => nearest[r]!),
    far: LOW_SIMILARITY,
    ...(newScaffolds ? { newScaffolds: pick.map((r) => newScaffolds[r]!), newScaffoldBelow: IN_DOMAIN_SIMILARITY } : {}),
  };
}

/** A compound's scaffold when the training set lacks it, else null (also for an acyclic compound's empty scaffold). */
function newScaffoldsOf(scaffolds: string[], seen: boolean[]): Array<string | null> {
  if (scaffolds.length !== seen.length) throw new RangeError(`signalBaseline: ${scaffolds.length} held-out scaffolds for ${seen.length} held-out compounds`);
  return scaffolds.map((s, i) => (seen[i] || !s ? null : s));
}

function chemistryReference(fps: Uint32Array, words: number, seed: number): SignalBaseline['chemistryReference'] {
  // Stream 11: its own draws, independent of the split's and the trainer's.
  const { pick, packed } = seededFingerprintSample(fps, words, CHEMISTRY_REFERENCE_SIZE, Random.stream(seed, 11));
  return { size: pick.length, fingerprintWords: words, fingerprints: packed };
}

/** At most `size` rows of packed fingerprints, drawn by `rng` and kept in row order; base64 of their little-endian words. */
function seededFingerprintSample(fps: Uint32Array, words: number, size: number, rng: Random): { pick: number[]; packed: string } {
  const idx = Array.from({ length: fps.length / words }, (_, i) => i);
  const pick =
    idx.length > size
      ? rng
          .shuffle(idx)
          .slice(0, size)
          .sort((a, b) => a - b)
      : idx;
  const out = new Uint32Array(pick.length * words);
  pick.forEach((r, k) => out.set(fps.subarray(r * words, (r + 1) * words), k * words));
  return { pick, packed: Buffer.from(out.buffer, out.byteOffset, out.byteLength).toString('base64') };
}

/** The chemistry reference's packed fingerprints. */
export function referenceFingerprints(b: SignalBaseline): Uint32Array {
  return unpackFingerprints(b.chemistryReference.fingerprints);
}

/** Little-endian words from base64, as the build wrote them. */
export function unpackFingerprints(base64: string): Uint32Array {
  const bytes = Buffer.from(base64, 'base64');
  return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
}
