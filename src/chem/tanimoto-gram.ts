import { fingerprintSet } from './similarity.js';

/**
 * The Tanimoto Gram matrix of packed fingerprints (row-major, count × count): the kernel
 * matrix of a two-sample test on chemistry. Two empty fingerprints count as identical (1),
 * as RDKit's TanimotoSimilarity does.
 */
export function tanimotoGram(data: Uint32Array, words: number): Float64Array {
  const set = fingerprintSet(data, words);
  const n = set.count;
  const gram = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    gram[i * n + i] = 1;
    const bi = i * words;
    for (let j = i + 1; j < n; j++) {
      const bj = j * words;
      let common = 0;
      for (let w = 0; w < words; w++) {
        let v = data[bi + w]! & data[bj + w]!;
        // Inline popcount: this loop is the whole cost.
        v -= (v >>> 1) & 0x55555555;
        v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
        common += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
      }
      const union = set.onBits[i]! + set.onBits[j]! - common;
      const t = union > 0 ? common / union : 1;
      gram[i * n + j] = t;
      gram[j * n + i] = t;
    }
  }
  return gram;
}

/**
 * The Gram matrix of reference ∪ window (reference first) from the reference's own Gram
 * matrix: only the window's rows are computed, so a fixed reference is paid for once.
 */
export function pooledTanimotoGram(reference: Uint32Array, referenceGram: Float64Array, window: Uint32Array, words: number): Float64Array {
  const n = reference.length / words;
  const m = window.length / words;
  const size = n + m;
  const gram = new Float64Array(size * size);
  for (let i = 0; i < n; i++) gram.set(referenceGram.subarray(i * n, (i + 1) * n), i * size);
  const pooled = new Uint32Array(size * words);
  pooled.set(reference, 0);
  pooled.set(window, n * words);
  const set = fingerprintSet(pooled, words);
  for (let i = n; i < size; i++) {
    gram[i * size + i] = 1;
    for (let j = 0; j < i; j++) {
      let common = 0;
      for (let w = 0; w < words; w++) {
        let v = pooled[i * words + w]! & pooled[j * words + w]!;
        v -= (v >>> 1) & 0x55555555;
        v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
        common += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
      }
      const union = set.onBits[i]! + set.onBits[j]! - common;
      const t = union > 0 ? common / union : 1;
      gram[i * size + j] = t;
      gram[j * size + i] = t;
    }
  }
  return gram;
}
