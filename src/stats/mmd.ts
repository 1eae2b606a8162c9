/**
 * Maximum mean discrepancy between two samples under a given kernel (Gretton et al. 2012),
 * with a permutation p-value. With the Tanimoto kernel on fingerprints (a positive-definite
 * kernel on bit vectors) it tests whether a window's chemistry comes from the same
 * distribution as the reference: one test over the whole fingerprint space, not one per
 * bit or per descriptor, and it needs no threshold on similarity.
 *
 * Input: the (n + m) × (n + m) Gram matrix, the first n rows the reference. The statistic
 * is the unbiased MMD²_u. Permutations relabel which m points form the window; the sums
 * are kept as (total, row sums), so each permutation costs O(m²), not O((n + m)²).
 * p = (1 + #{MMD²* ≥ MMD²}) / (B + 1).
 */
import type { Random } from '../core/random.js';

export interface MmdTest {
  /** Unbiased MMD² (can be slightly negative under the null). */
  mmd2: number;
  pValue: number;
  permutations: number;
}

/** Unbiased MMD² of the labelled split: the first n of `gram` are X, the rest Y (or `window` marks Y). */
export function mmd2Unbiased(gram: Float64Array, size: number, n: number): number {
  const window = Int32Array.from({ length: size - n }, (_, i) => n + i);
  const { total, rowSums } = sums(gram, size);
  return statistic(gram, size, window, total, rowSums);
}

/** `stopAfter`: Besag–Clifford sequential stopping at that many exceedances (see permutation-ks.ts). */
export function mmdPermutationTest(gram: Float64Array, size: number, n: number, permutations: number, rng: Random, stopAfter = Infinity): MmdTest {
  const fn = 'mmdPermutationTest';
  const m = size - n;
  if (gram.length !== size * size) throw new RangeError(`${fn}: gram has ${gram.length} entries; expected ${size}×${size}`);
  if (n < 2 || m < 2) throw new RangeError(`${fn}: needs at least 2 points in each sample (reference ${n}, window ${m})`);
  if (!Number.isInteger(permutations) || permutations < 1) throw new RangeError(`${fn}: permutations is ${permutations}; it must be a positive integer`);
  const { total, rowSums } = sums(gram, size);
  const observed = statistic(
    gram,
    size,
    Int32Array.from({ length: m }, (_, i) => n + i),
    total,
    rowSums,
  );
  const positions = Int32Array.from({ length: size }, (_, i) => i);
  const window = new Int32Array(m);
  let exceed = 0;
  const bar = observed - 1e-12 * Math.max(1, Math.abs(observed));
  for (let b = 0; b < permutations; b++) {
    rng.drawInto(positions, window);
    if (statistic(gram, size, window, total, rowSums) >= bar && ++exceed >= stopAfter) return { mmd2: observed, pValue: exceed / (b + 1), permutations: b + 1 };
  }
  return { mmd2: observed, pValue: (1 + exceed) / (permutations + 1), permutations };
}

/** Off-diagonal total and row sums. */
function sums(gram: Float64Array, size: number): { total: number; rowSums: Float64Array } {
  const rowSums = new Float64Array(size);
  let total = 0;
  for (let i = 0; i < size; i++) {
    let s = 0;
    for (let j = 0; j < size; j++) if (j !== i) s += gram[i * size + j]!;
    rowSums[i] = s;
    total += s;
  }
  return { total, rowSums };
}

function statistic(gram: Float64Array, size: number, window: Int32Array, total: number, rowSums: Float64Array): number {
  const m = window.length;
  const n = size - m;
  let yy = 0;
  let rows = 0;
  for (let a = 0; a < m; a++) {
    const i = window[a]!;
    rows += rowSums[i]!;
    for (let b = 0; b < m; b++) if (a !== b) yy += gram[i * size + window[b]!]!;
  }
  const xy = rows - yy;
  const xx = total - yy - 2 * xy;
  return xx / (n * (n - 1)) + yy / (m * (m - 1)) - (2 * xy) / (n * m);
}
