/** Synthetic training data for trainer tests: sparse random fingerprints and descriptors from a seed. */
import type { Random } from '../../src/core/random.js';
import type { FeatureMatrix, Task, TrainingData } from '../../src/training/trainers/types.js';

export function bit(fp: Uint32Array, words: number, row: number, i: number): number {
  return (fp[row * words + (i >>> 5)]! >>> (i & 31)) & 1;
}

export function setBit(fp: Uint32Array, words: number, row: number, i: number): void {
  fp[row * words + (i >>> 5)] = (fp[row * words + (i >>> 5)]! | (1 << (i & 31))) >>> 0;
}

/** `rows` fingerprints of `words` words with about `onBits` random bits each. */
export function randomFingerprints(rng: Random, rows: number, words: number, onBits: number): Uint32Array {
  const fp = new Uint32Array(rows * words);
  for (let r = 0; r < rows; r++) for (let k = 0; k < onBits; k++) setBit(fp, words, r, rng.below(words * 32));
  return fp;
}

/** Uniform descriptors in [0, 1), row-major. */
export function randomDescriptors(rng: Random, rows: number, columns: number): Float64Array {
  const d = new Float64Array(rows * columns);
  for (let i = 0; i < d.length; i++) d[i] = rng.uniform();
  return d;
}

export function withLabels(x: FeatureMatrix, labels: Float64Array, task: Task): TrainingData {
  return { ...x, labels, task };
}

/** Rows [from, to) of a feature matrix. */
export function sliceRows(x: FeatureMatrix, from: number, to: number): FeatureMatrix {
  const out: FeatureMatrix = { rows: to - from };
  if (x.descriptors)
    out.descriptors = { columns: x.descriptors.columns, data: x.descriptors.data.slice(from * x.descriptors.columns, to * x.descriptors.columns) };
  if (x.fingerprints)
    out.fingerprints = { words: x.fingerprints.words, data: x.fingerprints.data.slice(from * x.fingerprints.words, to * x.fingerprints.words) };
  return out;
}

export function mse(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s / a.length;
}

export function variance(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m += a[i]!;
  m /= a.length;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - m) ** 2;
  return s / a.length;
}

/** Same numbers, bit for bit (Object.is tells -0 from 0 and compares NaN to itself). */
export function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
