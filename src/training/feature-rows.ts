import type { FeatureMatrix } from './trainers/types.js';

/** The rows `idx` of a feature matrix, as a new matrix (only the blocks it has). */
export function take(m: FeatureMatrix, idx: ArrayLike<number>): FeatureMatrix {
  const n = idx.length;
  const out: FeatureMatrix = { rows: n };
  if (m.descriptors) {
    const c = m.descriptors.columns;
    const data = new Float64Array(n * c);
    for (let k = 0; k < n; k++) data.set(m.descriptors.data.subarray(idx[k]! * c, (idx[k]! + 1) * c), k * c);
    out.descriptors = { data, columns: c };
  }
  if (m.fingerprints) {
    const w = m.fingerprints.words;
    const data = new Uint32Array(n * w);
    for (let k = 0; k < n; k++) data.set(m.fingerprints.data.subarray(idx[k]! * w, (idx[k]! + 1) * w), k * w);
    out.fingerprints = { data, words: w };
  }
  return out;
}
