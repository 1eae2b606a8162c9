import type { Prediction, FeatureMatrix } from './trainers/index.js';
import { signalBaseline, type SignalBaseline } from '../validate/signal-baseline.js';

/**
 * The build's side of the signal baseline: which held-out compounds sit on scaffolds the
 * training set has, their predictions and nearest-neighbour similarities, and the
 * development compounds' fingerprints (the in-distribution chemistry reference).
 */
export function buildSignalBaseline(
  data: { matrix: FeatureMatrix; labels: Float64Array; scaffolds: string[] },
  split: { train: number[]; calibration: number[]; test: number[] },
  held: { cal: Prediction; test: Prediction; calibrationNearest: Float64Array; testNearest: Float64Array },
  seed: number,
): SignalBaseline {
  const trainScaffolds = new Set(split.train.map((i) => data.scaffolds[i]!));
  const part = (idx: number[], p: Prediction, nearest: Float64Array) => ({
    yTrue: Float64Array.from(idx, (i) => data.labels[i]!),
    yPred: p.value,
    sigma: p.uncertainty,
    nearest,
    scaffoldSeen: idx.map((i) => trainScaffolds.has(data.scaffolds[i]!)),
  });
  const fp = data.matrix.fingerprints!;
  const all = [...split.train, ...split.calibration, ...split.test].sort((a, b) => a - b);
  const fingerprints = new Uint32Array(all.length * fp.words);
  all.forEach((r, k) => fingerprints.set(fp.data.subarray(r * fp.words, (r + 1) * fp.words), k * fp.words));
  const heldOut = [...split.calibration, ...split.test];
  const heldOutFingerprints = new Uint32Array(heldOut.length * fp.words);
  heldOut.forEach((r, k) => heldOutFingerprints.set(fp.data.subarray(r * fp.words, (r + 1) * fp.words), k * fp.words));
  return signalBaseline({
    calibration: part(split.calibration, held.cal, held.calibrationNearest),
    test: part(split.test, held.test, held.testNearest),
    fingerprints,
    heldOutFingerprints,
    heldOutScaffolds: heldOut.map((i) => data.scaffolds[i]!),
    words: fp.words,
    seed,
  });
}
