import { tanimotoOneToMany, type FingerprintSet } from './similarity.js';

/**
 * Sorted neighbour lists for the training-pool novel-pairs test (stats/training-novel-pairs.ts):
 * the training set's own lists once per model version, merged with a window's compounds per
 * window. Lists are cut at the window size + 1, which is all the test reads.
 */

/** Each training compound's nearest other training compounds, sorted by Tanimoto (descending). */
export interface TrainingNeighbours {
  set: FingerprintSet;
  /** Neighbours kept per compound. */
  keep: number;
  /** Row-major n × keep: neighbour indices and their similarities (−1 / −Infinity past the end). */
  index: Int32Array;
  similarity: Float64Array;
}

export function trainingNeighbours(set: FingerprintSet, keep: number): TrainingNeighbours {
  const n = set.count;
  const k = Math.min(keep, Math.max(0, n - 1));
  const index = new Int32Array(n * k).fill(-1);
  const similarity = new Float64Array(n * k).fill(-Infinity);
  const sims = new Float64Array(n);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    tanimotoOneToMany(set.data.subarray(i * set.words, (i + 1) * set.words), set, sims);
    sims[i] = -Infinity; // not its own neighbour
    for (let j = 0; j < n; j++) order[j] = j;
    order.sort((a, b) => sims[b]! - sims[a]! || a - b);
    for (let r = 0; r < k; r++) {
      index[i * k + r] = order[r]!;
      similarity[i * k + r] = sims[order[r]!]!;
    }
  }
  return { set, keep: k, index, similarity };
}

/** Neighbour lists of training ∪ window (pool numbering: training 0 … n − 1, window n … n + m − 1). */
export function pooledNeighbours(
  training: TrainingNeighbours,
  window: FingerprintSet,
): { size: number; m: number; width: number; index: Int32Array; similarity: Float64Array } {
  const n = training.set.count;
  const m = window.count;
  const size = n + m;
  const width = Math.max(1, Math.min(m + 1, size - 1));
  const index = new Int32Array(size * width).fill(-1);
  const similarity = new Float64Array(size * width).fill(-Infinity);
  const toTraining: Float64Array[] = [];
  const toWindow: Float64Array[] = [];
  for (let j = 0; j < m; j++) {
    const q = window.data.subarray(j * window.words, (j + 1) * window.words);
    toTraining.push(tanimotoOneToMany(q, training.set));
    toWindow.push(tanimotoOneToMany(q, window));
  }
  const candIndex: number[] = [];
  const candSim: number[] = [];
  const keepTop = (row: number) => {
    const order = candIndex.map((_, c) => c).sort((a, b) => candSim[b]! - candSim[a]! || candIndex[a]! - candIndex[b]!);
    for (let r = 0; r < Math.min(width, order.length); r++) {
      index[row * width + r] = candIndex[order[r]!]!;
      similarity[row * width + r] = candSim[order[r]!]!;
    }
    candIndex.length = 0;
    candSim.length = 0;
  };
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < Math.min(width, training.keep); r++) {
      const t = training.index[i * training.keep + r]!;
      if (t < 0) break;
      candIndex.push(t);
      candSim.push(training.similarity[i * training.keep + r]!);
    }
    for (let j = 0; j < m; j++) {
      candIndex.push(n + j);
      candSim.push(toTraining[j]![i]!);
    }
    keepTop(i);
  }
  for (let j = 0; j < m; j++) {
    for (let t = 0; t < n; t++) {
      candIndex.push(t);
      candSim.push(toTraining[j]![t]!);
    }
    for (let k = 0; k < m; k++) {
      if (k === j) continue;
      candIndex.push(n + k);
      candSim.push(toWindow[j]![k]!);
    }
    keepTop(n + j);
  }
  return { size, m, width, index, similarity };
}
