/**
 * Bulk Tanimoto similarity on packed fingerprints. This is a hot path (applicability
 * domain, nearest-neighbour models, drift monitoring), so it works on flat Uint32Arrays
 * with the on-bit counts precomputed: per pair only popcount(a & b) is needed, and
 * Tanimoto = c / (|a| + |b| - c). Two empty fingerprints are identical: 1.0, as RDKit.
 */

/** Many fingerprints of one width stored back to back. */
export interface FingerprintSet {
  /** 32-bit words per fingerprint. */
  words: number;
  count: number;
  data: Uint32Array;
  /** On-bit count of each fingerprint. */
  onBits: Int32Array;
}

export function popcount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

export function fingerprintSet(data: Uint32Array, words: number): FingerprintSet {
  if (words <= 0 || data.length % words !== 0) throw new RangeError(`fingerprint data length ${data.length} is not a multiple of ${words} words`);
  const count = data.length / words;
  const onBits = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    let c = 0;
    const base = i * words;
    for (let w = 0; w < words; w++) c += popcount32(data[base + w]!);
    onBits[i] = c;
  }
  return { words, count, data, onBits };
}

/** Fingerprint i of a set, as a view (no copy). */
export function fingerprintAt(set: FingerprintSet, i: number): Uint32Array {
  return set.data.subarray(i * set.words, (i + 1) * set.words);
}

export function tanimoto(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length) throw new RangeError('fingerprints differ in width');
  let common = 0;
  let na = 0;
  let nb = 0;
  for (let w = 0; w < a.length; w++) {
    common += popcount32(a[w]! & b[w]!);
    na += popcount32(a[w]!);
    nb += popcount32(b[w]!);
  }
  const union = na + nb - common;
  return union === 0 ? 1 : common / union;
}

/** Similarity of one query to every fingerprint in the set. */
export function tanimotoOneToMany(query: Uint32Array, set: FingerprintSet, out: Float64Array = new Float64Array(set.count)): Float64Array {
  const words = set.words;
  if (query.length !== words) throw new RangeError(`query has ${query.length} words, set has ${words}`);
  let nq = 0;
  for (let w = 0; w < words; w++) nq += popcount32(query[w]!);
  const data = set.data;
  const onBits = set.onBits;
  for (let i = 0, base = 0; i < set.count; i++, base += words) {
    let common = 0;
    for (let w = 0; w < words; w++) {
      let v = query[w]! & data[base + w]!;
      // Inline popcount: this loop is the whole cost of a bulk search.
      v = v - ((v >>> 1) & 0x55555555);
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      common += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
    }
    const union = nq + onBits[i]! - common;
    out[i] = union === 0 ? 1 : common / union;
  }
  return out;
}

export interface Neighbours {
  k: number;
  /** queries × k target indices, best first; -1 where fewer than k targets exist. */
  indices: Int32Array;
  /** queries × k similarities matching `indices`; NaN where no neighbour. */
  similarities: Float64Array;
}

export interface NeighbourOptions {
  /** Skip target j == query i (for a set searched against itself). */
  excludeSelf?: boolean;
}

/**
 * The k most similar targets for every query (many-vs-many top-k). Ties keep the
 * lower target index first, so results are deterministic.
 */
export function nearestNeighbours(queries: FingerprintSet, targets: FingerprintSet, k: number, options: NeighbourOptions = {}): Neighbours {
  if (queries.words !== targets.words) throw new RangeError('query and target fingerprints differ in width');
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  const indices = new Int32Array(queries.count * k).fill(-1);
  const similarities = new Float64Array(queries.count * k).fill(Number.NaN);
  const row = new Float64Array(targets.count);
  for (let q = 0; q < queries.count; q++) {
    tanimotoOneToMany(fingerprintAt(queries, q), targets, row);
    const o = q * k;
    let filled = 0;
    for (let t = 0; t < targets.count; t++) {
      if (options.excludeSelf && t === q) continue;
      const s = row[t]!;
      if (filled === k && !(s > similarities[o + k - 1]!)) continue;
      // Insertion into the sorted top-k list (k is small).
      let pos = filled < k ? filled++ : k - 1;
      while (pos > 0 && s > similarities[o + pos - 1]!) {
        similarities[o + pos] = similarities[o + pos - 1]!;
        indices[o + pos] = indices[o + pos - 1]!;
        pos--;
      }
      similarities[o + pos] = s;
      indices[o + pos] = t;
    }
  }
  return { k, indices, similarities };
}
