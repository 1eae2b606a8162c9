/**
 * Exact top-k Tanimoto search over a fixed set of fingerprints (a model version's training
 * set), with Swamidass–Baldi popcount bounds and the SIMD popcount kernel.
 *
 * Targets are stored sorted by on-bit count (stable, so each bucket keeps the original
 * order). For a query with a bits, a target with b bits has Tanimoto ≤ min(a,b)/max(a,b).
 * Buckets are visited from the best bound down, and the search stops as soon as a bucket's
 * bound is below the k-th best similarity found (or below `minSimilarity`): nothing there
 * can enter the result. Within a bucket all targets share b, so the vector kernel's common
 * counts rank them directly.
 *
 * Results are exactly those of brute force (`nearestNeighbours` in similarity.ts):
 * similarity = c / (a + b − c) in doubles (1 for two empty fingerprints), best first, ties
 * broken by the lower target index. Pruning is exact too: the bound and the similarity are
 * correctly rounded quotients of integers, so sim ≤ bound holds in doubles, and a bucket is
 * skipped only when its bound is strictly below what it would have to beat.
 */
import { popcountKernel, simdAvailable, type PopcountKernel } from './popcount-wasm.js';
import { fingerprintSet, popcount32, type Neighbours } from './similarity.js';

export interface SearchOptions {
  /** Only similarities ≥ this are returned (index −1 and NaN fill the rest). Default 0. */
  minSimilarity?: number;
  /** Skip target j for query j (a set searched against itself). */
  excludeSelf?: boolean;
  /** Index of query 0 within the full query set, for excludeSelf on a slice of it. */
  queryOffset?: number;
}

export interface SearchStats {
  /** Query × target pairs whose common bits were counted (the rest were pruned). */
  compared: number;
}

export class SimilarityIndex {
  readonly words: number;
  readonly count: number;
  /** 16-byte chunks per stored fingerprint (words padded with zeros to a multiple of 4). */
  private readonly chunks: number;
  /** Sorted position → original target index. */
  private readonly order: Int32Array;
  /** Targets with b on-bits are sorted positions bucketStart[b] … bucketStart[b+1]−1. */
  private readonly bucketStart: Int32Array;
  /** Distinct on-bit counts present, ascending. */
  private readonly present: Int32Array;
  private readonly kernel: PopcountKernel | null;
  private readonly targetsAt: number;
  private readonly countsAt: number;
  private readonly u32: Uint32Array;
  private readonly counts: Int32Array;
  /** Targets in sorted order for the JS popcount, when the kernel is not used. */
  private readonly sorted: Uint32Array | null;
  readonly stats: SearchStats = { compared: 0 };

  /**
   * `data`: count × words packed fingerprints (fingerprint.ts layout). `simd: false` uses the
   * portable JS popcount even where the vector kernel runs (tests check both give the same).
   */
  constructor(data: Uint32Array, words: number, options: { simd?: boolean } = {}) {
    const set = fingerprintSet(data, words);
    this.words = words;
    this.count = set.count;
    const maxBits = words * 32;
    // Counting sort by on-bit count: stable, O(n).
    const start = new Int32Array(maxBits + 2);
    for (let i = 0; i < set.count; i++) start[set.onBits[i]! + 1]!++;
    for (let b = 0; b <= maxBits; b++) start[b + 1]! += start[b]!;
    this.bucketStart = start.slice();
    const order = new Int32Array(set.count);
    for (let i = 0; i < set.count; i++) order[start[set.onBits[i]!]!++] = i;
    this.order = order;
    const present: number[] = [];
    for (let b = 0; b <= maxBits; b++) if (this.bucketStart[b + 1]! > this.bucketStart[b]!) present.push(b);
    this.present = Int32Array.from(present);

    this.chunks = Math.ceil(words / 4);
    const stride = this.chunks * 4;
    if (options.simd !== false && simdAvailable()) {
      // Memory: [query: stride words][targets in sorted order: count × stride words][counts: count i32].
      this.targetsAt = stride * 4;
      this.countsAt = this.targetsAt + set.count * stride * 4;
      this.kernel = popcountKernel(this.countsAt + set.count * 4, this.chunks);
      this.u32 = new Uint32Array(this.kernel.memory.buffer);
      this.counts = new Int32Array(this.kernel.memory.buffer, this.countsAt, set.count);
      for (let p = 0; p < set.count; p++) this.u32.set(data.subarray(order[p]! * words, (order[p]! + 1) * words), (this.targetsAt >>> 2) + p * stride);
      this.sorted = null;
    } else {
      this.kernel = null;
      this.targetsAt = 0;
      this.countsAt = 0;
      this.u32 = new Uint32Array(0);
      this.counts = new Int32Array(set.count);
      this.sorted = new Uint32Array(set.count * words);
      for (let p = 0; p < set.count; p++) this.sorted.set(data.subarray(order[p]! * words, (order[p]! + 1) * words), p * words);
    }
  }

  /** Whether the SIMD kernel is in use (false: the portable JS popcount). */
  get vectorised(): boolean {
    return this.kernel !== null;
  }

  /** The k most similar targets of every query (queries × k, best first). */
  search(queries: Uint32Array, k: number, options: SearchOptions = {}): Neighbours {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
    if (queries.length % this.words !== 0) throw new RangeError(`query data length ${queries.length} is not a multiple of ${this.words} words`);
    const n = queries.length / this.words;
    const indices = new Int32Array(n * k).fill(-1);
    const similarities = new Float64Array(n * k).fill(Number.NaN);
    for (let q = 0; q < n; q++)
      this.searchOne(queries.subarray(q * this.words, (q + 1) * this.words), k, options, q + (options.queryOffset ?? 0), indices, similarities, q * k);
    return { k, indices, similarities };
  }

  private searchOne(query: Uint32Array, k: number, options: SearchOptions, self: number, indices: Int32Array, sims: Float64Array, o: number): void {
    const words = this.words;
    let a = 0;
    for (let w = 0; w < words; w++) a += popcount32(query[w]!);
    if (this.kernel) {
      this.u32.fill(0, 0, this.chunks * 4);
      this.u32.set(query, 0);
    }
    const minSim = options.minSimilarity ?? 0;
    const exclude = options.excludeSelf ? self : -1;
    let filled = 0;
    // Walk the present popcounts outwards from a, always taking the side with the better bound.
    const present = this.present;
    let hi = lowerBound(present, a);
    let lo = hi - 1;
    while (lo >= 0 || hi < present.length) {
      let b: number;
      if (hi >= present.length || (lo >= 0 && bound(a, present[lo]!) >= bound(a, present[hi]!))) b = present[lo--]!;
      else b = present[hi++]!;
      const limit = bound(a, b);
      // Everything further out has a bound ≤ this one.
      if (limit < minSim) break;
      if (filled === k && limit < sims[o + k - 1]!) break;
      const from = this.bucketStart[b]!;
      const to = this.bucketStart[b + 1]!;
      this.commonCounts(query, from, to);
      this.stats.compared += to - from;
      const counts = this.counts;
      for (let p = from; p < to; p++) {
        const c = counts[p]!;
        const union = a + b - c;
        const s = union === 0 ? 1 : c / union;
        if (s < minSim) continue;
        const t = this.order[p]!;
        if (t === exclude) continue;
        if (filled === k) {
          const worst = sims[o + k - 1]!;
          if (s < worst || (s === worst && t > indices[o + k - 1]!)) continue;
        }
        // Insertion into the sorted top-k list: similarity descending, index ascending.
        let pos = filled < k ? filled++ : k - 1;
        while (pos > 0 && (s > sims[o + pos - 1]! || (s === sims[o + pos - 1]! && t < indices[o + pos - 1]!))) {
          sims[o + pos] = sims[o + pos - 1]!;
          indices[o + pos] = indices[o + pos - 1]!;
          pos--;
        }
        sims[o + pos] = s;
        indices[o + pos] = t;
      }
    }
  }

  /** counts[p] = popcount(query & target at sorted position p) for p in [from, to). */
  private commonCounts(query: Uint32Array, from: number, to: number): void {
    if (this.kernel) {
      const stride = this.chunks * 16;
      this.kernel.common(0, this.targetsAt + from * stride, to - from, this.countsAt + from * 4);
      return;
    }
    const data = this.sorted!;
    const words = this.words;
    for (let p = from; p < to; p++) {
      let c = 0;
      for (let w = 0, base = p * words; w < words; w++) c += popcount32(query[w]! & data[base + w]!);
      this.counts[p] = c;
    }
  }
}

/** Swamidass–Baldi: Tanimoto of a-bit and b-bit fingerprints is at most min/max (1 when both are empty). */
export function bound(a: number, b: number): number {
  if (a === b) return 1;
  return a < b ? a / b : b / a;
}

/** First position in the ascending array whose value is ≥ x. */
function lowerBound(xs: Int32Array, x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
