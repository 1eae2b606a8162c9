/**
 * Grows one randomized decision tree of a random forest: the hot loop of training.
 *
 * Features are numbered 0 … bits − 1 for fingerprint bits, then bits … bits + columns − 1
 * for descriptor columns. The bootstrap sample is held as unique rows with integer weights
 * (their multiplicity), as scikit-learn does; min_samples_leaf counts unique rows.
 *
 * At each node:
 *  - fingerprint bits: one pass over the on-bits of the node's rows (Morgan fingerprints are
 *    sparse, ~50 of 2048 bits) gives, for every bit at once, the count, weight and label sum
 *    of rows with the bit set, so scoring a bit split afterwards costs O(1);
 *  - descriptors: a histogram over the precomputed quantile bins (./binning.ts), then a scan
 *    over bin boundaries;
 *  - candidates: features are drawn without replacement until `mtry` have been visited; as
 *    in scikit-learn, features constant in the node count as visited, but drawing goes on
 *    until at least one non-constant feature is seen (or none is left).
 * The score is the impurity decrease up to a constant: Σ_children s²/w for squared error
 * (s = weighted label sum, w = weight) and Σ_children (s² + (w − s)²)/w for Gini. Ties keep
 * the first feature drawn. Like scikit-learn, a valid split is taken even at zero gain (this
 * is what lets trees find interactions such as XOR); a node with one label value is a leaf.
 *
 * Nodes are stored in preorder, so a split node's left child is the next node.
 */
import type { Random } from '../../core/random.js';
import type { DescriptorBins } from './binning.js';

export interface ForestData {
  rows: number;
  labels: Float64Array;
  classification: boolean;
  fingerprintBits: number;
  fingerprintWords: number;
  fingerprints: Uint32Array;
  /** On-bit lists of the rows in CSR form: bits of row r are onBits[onBitStart[r] … onBitStart[r + 1]). */
  onBitStart: Int32Array;
  onBits: Int32Array;
  bins: DescriptorBins | null;
}

export interface TreeSettings {
  mtry: number;
  minSamplesLeaf: number;
  maxDepth: number;
}

/** A tree in preorder. feature −1: leaf. value: the leaf prediction, or the split threshold. */
export interface TreeArrays {
  feature: Int32Array;
  right: Int32Array;
  value: Float64Array;
}

export function onBitLists(fingerprints: Uint32Array, rows: number, words: number): { onBitStart: Int32Array; onBits: Int32Array } {
  const onBitStart = new Int32Array(rows + 1);
  const bits: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let w = 0; w < words; w++) {
      let v = fingerprints[r * words + w]!;
      while (v !== 0) {
        const low = v & -v;
        bits.push(w * 32 + 31 - Math.clz32(low));
        v ^= low;
      }
    }
    onBitStart[r + 1] = bits.length;
  }
  return { onBitStart, onBits: Int32Array.from(bits) };
}

/** Reusable scratch memory for growing many trees on the same data. */
export class TreeBuilder {
  private readonly d: ForestData;
  private readonly s: TreeSettings;
  private readonly features: number;
  private readonly perm: Int32Array;
  private readonly weight: Float64Array;
  private readonly weightedLabel: Float64Array;
  /** Per fingerprint bit, interleaved for locality: [count, weight, weighted label sum] × bits. */
  private readonly bitStats: Float64Array;
  private readonly histCount: Int32Array;
  private readonly histWeight: Float64Array;
  private readonly histSum: Float64Array;

  constructor(data: ForestData, settings: TreeSettings) {
    this.d = data;
    this.s = settings;
    const columns = data.bins ? data.bins.columns : 0;
    this.features = data.fingerprintBits + columns;
    this.perm = new Int32Array(this.features);
    this.weight = new Float64Array(data.rows);
    this.weightedLabel = new Float64Array(data.rows);
    this.bitStats = new Float64Array(3 * data.fingerprintBits);
    const maxBins = data.bins ? data.bins.maxBins : 0;
    this.histCount = new Int32Array(maxBins);
    this.histWeight = new Float64Array(maxBins);
    this.histSum = new Float64Array(maxBins);
  }

  /** Grows one tree; everything random comes from `rng`, so (data, settings, rng) fix the tree. */
  grow(rng: Random): TreeArrays {
    const { rows, labels } = this.d;
    const { minSamplesLeaf, maxDepth } = this.s;
    const weight = this.weight;
    const wy = this.weightedLabel;
    for (let i = 0; i < this.features; i++) this.perm[i] = i;

    weight.fill(0);
    const draws = rng.sampleWithReplacement(rows);
    for (let i = 0; i < rows; i++) weight[draws[i]!]!++;
    let unique = 0;
    for (let r = 0; r < rows; r++) if (weight[r]! > 0) unique++;
    const samples = new Int32Array(unique);
    for (let r = 0, k = 0; r < rows; r++) {
      wy[r] = weight[r]! * labels[r]!;
      if (weight[r]! > 0) samples[k++] = r;
    }

    // A tree with L leaves has 2L − 1 nodes, and every leaf holds at least one unique row.
    const capacity = 2 * unique - 1;
    const feature = new Int32Array(capacity);
    const right = new Int32Array(capacity);
    const value = new Float64Array(capacity);
    const stackStart = new Int32Array(capacity);
    const stackEnd = new Int32Array(capacity);
    const stackDepth = new Int32Array(capacity);
    const stackParent = new Int32Array(capacity);
    stackStart[0] = 0;
    stackEnd[0] = unique;
    stackDepth[0] = 0;
    stackParent[0] = -1;
    let top = 1;
    let nodes = 0;

    while (top > 0) {
      top--;
      const start = stackStart[top]!;
      const end = stackEnd[top]!;
      const depth = stackDepth[top]!;
      const parent = stackParent[top]!;
      const id = nodes++;
      if (parent >= 0) right[parent] = id;

      let w = 0;
      let s = 0;
      let yMin = Infinity;
      let yMax = -Infinity;
      for (let i = start; i < end; i++) {
        const r = samples[i]!;
        w += weight[r]!;
        s += wy[r]!;
        const y = labels[r]!;
        if (y < yMin) yMin = y;
        if (y > yMax) yMax = y;
      }
      const m = end - start;
      const split = m >= 2 * minSamplesLeaf && depth < maxDepth && yMin !== yMax ? this.bestSplit(samples, start, end, w, s, rng) : null;
      if (split === null) {
        feature[id] = -1;
        right[id] = -1;
        value[id] = s / w;
        continue;
      }
      feature[id] = split.feature;
      value[id] = split.threshold;
      const mid = this.partition(samples, start, end, split.feature, split.bin);
      // Right first, so the left child is popped next and lands at id + 1 (preorder).
      stackStart[top] = mid;
      stackEnd[top] = end;
      stackDepth[top] = depth + 1;
      stackParent[top] = id;
      top++;
      stackStart[top] = start;
      stackEnd[top] = mid;
      stackDepth[top] = depth + 1;
      stackParent[top] = -1;
      top++;
    }
    return { feature: feature.slice(0, nodes), right: right.slice(0, nodes), value: value.slice(0, nodes) };
  }

  private bestSplit(
    samples: Int32Array,
    start: number,
    end: number,
    w: number,
    s: number,
    rng: Random,
  ): { feature: number; bin: number; threshold: number } | null {
    const { fingerprintBits: bits, onBitStart, onBits, bins, classification } = this.d;
    const { mtry, minSamplesLeaf: minLeaf } = this.s;
    const weight = this.weight;
    const wy = this.weightedLabel;
    const stats = this.bitStats;
    const m = end - start;

    let touched = 0;
    if (bits > 0) {
      for (let i = start; i < end; i++) {
        const r = samples[i]!;
        const rw = weight[r]!;
        const rs = wy[r]!;
        const e = onBitStart[r + 1]!;
        touched += e - onBitStart[r]!;
        for (let k = onBitStart[r]!; k < e; k++) {
          const b = 3 * onBits[k]!;
          stats[b]!++;
          stats[b + 1] = stats[b + 1]! + rw;
          stats[b + 2] = stats[b + 2]! + rs;
        }
      }
    }

    let best = -Infinity;
    let bestFeature = -1;
    let bestBin = -1;
    const perm = this.perm;
    const p = this.features;
    let visited = 0;
    let found = 0;
    for (let k = 0; k < p && (visited < mtry || found === 0); k++) {
      const j = k + rng.below(p - k);
      const f = perm[j]!;
      perm[j] = perm[k]!;
      perm[k] = f;
      visited++;
      if (f < bits) {
        const c = stats[3 * f]!;
        if (c === 0 || c === m) continue;
        found++;
        if (c < minLeaf || m - c < minLeaf) continue;
        const wR = stats[3 * f + 1]!;
        const sR = stats[3 * f + 2]!;
        const score = classification ? gini(s - sR, w - wR) + gini(sR, wR) : sse(s - sR, w - wR) + sse(sR, wR);
        if (score > best) {
          best = score;
          bestFeature = f;
          bestBin = -1;
        }
      } else {
        const b = this.bestBinSplit(samples, start, end, f - bits, w, s, best);
        if (b.constant) continue;
        found++;
        if (b.bin >= 0) {
          best = b.score;
          bestFeature = f;
          bestBin = b.bin;
        }
      }
    }

    // Clear what was touched: bit by bit in small nodes, wholesale in large ones.
    if (touched >= bits) stats.fill(0);
    else {
      for (let i = start; i < end; i++) {
        const r = samples[i]!;
        for (let k = onBitStart[r]!, e = onBitStart[r + 1]!; k < e; k++) {
          const b = 3 * onBits[k]!;
          stats[b] = 0;
          stats[b + 1] = 0;
          stats[b + 2] = 0;
        }
      }
    }
    if (bestFeature < 0) return null;
    // Bit splits: 0 left, 1 right; 0.5 is the threshold scikit-learn would show for a 0/1 feature.
    const threshold = bestFeature < bits ? 0.5 : bins!.thresholds[(bestFeature - bits) * bins!.maxBins + bestBin]!;
    return { feature: bestFeature, bin: bestBin, threshold };
  }

  /** Best "bin ≤ b" split of one descriptor column that beats `best`; bin −1 if none does. */
  private bestBinSplit(
    samples: Int32Array,
    start: number,
    end: number,
    column: number,
    w: number,
    s: number,
    best: number,
  ): { constant: boolean; bin: number; score: number } {
    const bins = this.d.bins!;
    const { minSamplesLeaf: minLeaf } = this.s;
    const classification = this.d.classification;
    const count = this.histCount;
    const hw = this.histWeight;
    const hs = this.histSum;
    const nb = bins.binCount[column]!;
    const codes = bins.codes;
    const base = column * bins.rows;
    for (let i = start; i < end; i++) {
      const r = samples[i]!;
      const b = codes[base + r]!;
      count[b]!++;
      hw[b] = hw[b]! + this.weight[r]!;
      hs[b] = hs[b]! + this.weightedLabel[r]!;
    }
    const m = end - start;
    let bin = -1;
    let score = best;
    let constant = false;
    let cumCount = 0;
    let cumWeight = 0;
    let cumSum = 0;
    for (let b = 0; b < nb; b++) {
      const c = count[b]!;
      if (c === 0) continue;
      if (c === m) {
        constant = true;
        break;
      }
      cumCount += c;
      cumWeight += hw[b]!;
      cumSum += hs[b]!;
      if (cumCount === m) break;
      if (cumCount < minLeaf || m - cumCount < minLeaf) continue;
      const sc = classification ? gini(cumSum, cumWeight) + gini(s - cumSum, w - cumWeight) : sse(cumSum, cumWeight) + sse(s - cumSum, w - cumWeight);
      if (sc > score) {
        score = sc;
        bin = b;
      }
    }
    count.fill(0, 0, nb);
    hw.fill(0, 0, nb);
    hs.fill(0, 0, nb);
    return { constant, bin, score };
  }

  /** Moves rows going left (bit unset / bin ≤ b) before rows going right; returns the boundary. */
  private partition(samples: Int32Array, start: number, end: number, f: number, bin: number): number {
    const { fingerprintBits: bits, fingerprintWords: words, fingerprints, bins } = this.d;
    let i = start;
    let j = end - 1;
    if (f < bits) {
      const word = f >>> 5;
      const shift = f & 31;
      while (i <= j) {
        const r = samples[i]!;
        if (((fingerprints[r * words + word]! >>> shift) & 1) === 0) i++;
        else {
          samples[i] = samples[j]!;
          samples[j--] = r;
        }
      }
    } else {
      const codes = bins!.codes;
      const base = (f - bits) * bins!.rows;
      while (i <= j) {
        const r = samples[i]!;
        if (codes[base + r]! <= bin) i++;
        else {
          samples[i] = samples[j]!;
          samples[j--] = r;
        }
      }
    }
    return i;
  }
}

/** Squared-error score of one child: s²/w (the part of −SSE that depends on the split). */
function sse(s: number, w: number): number {
  return (s * s) / w;
}

/** Gini score of one child with weight w and class-1 weight s: (s² + (w − s)²)/w. */
function gini(s: number, w: number): number {
  const z = w - s;
  return (s * s + z * z) / w;
}
