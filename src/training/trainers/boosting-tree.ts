/**
 * Grows one regression tree of a gradient-boosting model on gradients and hessians, the
 * way LightGBM and scikit-learn's HistGradientBoosting do: best-first (the leaf whose best
 * split gains most is split next) until `maxLeafNodes` leaves, on histograms.
 *
 * Features are numbered as in ./tree-builder.ts: fingerprint bits 0 … bits − 1 (unset:
 * left), then descriptor columns (bin ≤ b: left, using ./binning.ts). For a node with
 * gradient sum G and hessian sum H the leaf value is −G / (H + λ) and the gain of a split
 * is G_L²/(H_L + λ) + G_R²/(H_R + λ) − G²/(H + λ), scikit-learn's formula (its
 * splitting.pyx, also with the 1e-15 guard in the denominator). A split needs
 * `minSamplesLeaf` rows on each side and a gain > 0; ties keep the lower-numbered feature
 * (scikit-learn scans features in order and keeps the first strict maximum).
 *
 * Bit histograms use the rows' on-bit lists (Morgan fingerprints are sparse), so a node
 * costs O(rows × on-bits + columns × rows + features) whatever the fingerprint width.
 */
import type { DescriptorBins } from './binning.js';

export interface BoostingData {
  rows: number;
  fingerprintBits: number;
  fingerprintWords: number;
  fingerprints: Uint32Array;
  onBitStart: Int32Array;
  onBits: Int32Array;
  bins: DescriptorBins | null;
}

export interface BoostingTreeSettings {
  maxLeafNodes: number;
  minSamplesLeaf: number;
  maxDepth: number;
  l2: number;
}

/** A boosted tree. feature −1: leaf with `value`; else split on `feature` at `value` (threshold). */
export interface BoostedTree {
  feature: Int32Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
}

interface Candidate {
  gain: number;
  feature: number;
  bin: number;
}

interface GrowingNode {
  start: number;
  end: number;
  depth: number;
  g: number;
  h: number;
  split: Candidate | null;
  id: number;
}

const GUARD = 1e-15;

export class BoostingTreeGrower {
  private readonly d: BoostingData;
  private readonly s: BoostingTreeSettings;
  private readonly bitG: Float64Array;
  private readonly bitH: Float64Array;
  private readonly bitN: Int32Array;
  private readonly touched: Int32Array;
  private readonly histG: Float64Array;
  private readonly histH: Float64Array;
  private readonly histN: Int32Array;

  constructor(data: BoostingData, settings: BoostingTreeSettings) {
    this.d = data;
    this.s = settings;
    this.bitG = new Float64Array(data.fingerprintBits);
    this.bitH = new Float64Array(data.fingerprintBits);
    this.bitN = new Int32Array(data.fingerprintBits);
    this.touched = new Int32Array(data.fingerprintBits);
    const maxBins = data.bins ? data.bins.maxBins : 0;
    this.histG = new Float64Array(maxBins);
    this.histH = new Float64Array(maxBins);
    this.histN = new Int32Array(maxBins);
  }

  /**
   * Grows a tree on the rows in `samples` (reordered in place) with gradients `grad` and
   * hessians `hess` (indexed by row). `allowed[f]` = 0 excludes feature f (column subsampling).
   * Leaf values are the Newton steps −G/(H + λ), before any learning rate.
   */
  grow(samples: Int32Array, grad: Float64Array, hess: Float64Array, allowed: Uint8Array | null): BoostedTree {
    const feature: number[] = [];
    const left: number[] = [];
    const right: number[] = [];
    const value: number[] = [];
    const newNode = (): number => {
      feature.push(-1);
      left.push(-1);
      right.push(-1);
      value.push(0);
      return feature.length - 1;
    };
    let g = 0;
    let h = 0;
    for (let i = 0; i < samples.length; i++) {
      g += grad[samples[i]!]!;
      h += hess[samples[i]!]!;
    }
    const root: GrowingNode = { start: 0, end: samples.length, depth: 0, g, h, split: null, id: newNode() };
    root.split = this.bestSplit(samples, root, grad, hess, allowed);
    const open: GrowingNode[] = [root];
    let leaves = 1;
    const finalize = (n: GrowingNode) => {
      value[n.id] = -n.g / (n.h + this.s.l2 + GUARD);
    };
    while (leaves < this.s.maxLeafNodes) {
      // Best-first: the open node with the largest gain (first one found on ties).
      let pick = -1;
      for (let i = 0; i < open.length; i++) {
        const c = open[i]!.split;
        if (c && (pick < 0 || c.gain > open[pick]!.split!.gain)) pick = i;
      }
      if (pick < 0) break;
      const node = open[pick]!;
      open.splice(pick, 1);
      const split = node.split!;
      const mid = this.partition(samples, node.start, node.end, split.feature, split.bin);
      feature[node.id] = split.feature;
      value[node.id] =
        split.feature < this.d.fingerprintBits ? 0.5 : this.d.bins!.thresholds[(split.feature - this.d.fingerprintBits) * this.d.bins!.maxBins + split.bin]!;
      const children: GrowingNode[] = [];
      for (const [start, end] of [
        [node.start, mid],
        [mid, node.end],
      ] as const) {
        let cg = 0;
        let ch = 0;
        for (let i = start; i < end; i++) {
          cg += grad[samples[i]!]!;
          ch += hess[samples[i]!]!;
        }
        const child: GrowingNode = { start, end, depth: node.depth + 1, g: cg, h: ch, split: null, id: newNode() };
        children.push(child);
      }
      left[node.id] = children[0]!.id;
      right[node.id] = children[1]!.id;
      leaves++;
      for (const c of children) {
        c.split = leaves < this.s.maxLeafNodes ? this.bestSplit(samples, c, grad, hess, allowed) : null;
        open.push(c);
      }
    }
    for (const n of open) finalize(n);
    return { feature: Int32Array.from(feature), left: Int32Array.from(left), right: Int32Array.from(right), value: Float64Array.from(value) };
  }

  private bestSplit(samples: Int32Array, node: GrowingNode, grad: Float64Array, hess: Float64Array, allowed: Uint8Array | null): Candidate | null {
    const { start, end, g, h } = node;
    const m = end - start;
    const { minSamplesLeaf: minLeaf, maxDepth, l2 } = this.s;
    if (m < 2 * minLeaf || node.depth >= maxDepth) return null;
    const parentScore = (g * g) / (h + l2 + GUARD);
    let best: Candidate | null = null;
    let bestGain = 0;
    const bits = this.d.fingerprintBits;
    if (bits > 0) {
      const { onBitStart, onBits } = this.d;
      const bg = this.bitG;
      const bh = this.bitH;
      const bn = this.bitN;
      const touched = this.touched;
      let nt = 0;
      for (let i = start; i < end; i++) {
        const r = samples[i]!;
        const gr = grad[r]!;
        const hr = hess[r]!;
        for (let k = onBitStart[r]!, e = onBitStart[r + 1]!; k < e; k++) {
          const b = onBits[k]!;
          if (bn[b]!++ === 0) touched[nt++] = b;
          bg[b] = bg[b]! + gr;
          bh[b] = bh[b]! + hr;
        }
      }
      // Only bits set in some row of the node can split it; visit those, lower index first on ties.
      for (let t = 0; t < nt; t++) {
        const f = touched[t]!;
        const nR = bn[f]!;
        if (nR >= minLeaf && m - nR >= minLeaf && (allowed === null || allowed[f] === 1)) {
          const gR = bg[f]!;
          const hR = bh[f]!;
          const gL = g - gR;
          const hL = h - hR;
          const gain = (gL * gL) / (hL + l2 + GUARD) + (gR * gR) / (hR + l2 + GUARD) - parentScore;
          if (gain > bestGain || (gain === bestGain && best !== null && f < best.feature)) {
            bestGain = gain;
            best = { gain, feature: f, bin: -1 };
          }
        }
        bg[f] = 0;
        bh[f] = 0;
        bn[f] = 0;
      }
    }
    const bins = this.d.bins;
    if (bins) {
      const hg = this.histG;
      const hh = this.histH;
      const hn = this.histN;
      for (let c = 0; c < bins.columns; c++) {
        if (allowed !== null && allowed[bits + c] !== 1) continue;
        const nb = bins.binCount[c]!;
        const base = c * bins.rows;
        for (let i = start; i < end; i++) {
          const r = samples[i]!;
          const b = bins.codes[base + r]!;
          hg[b] = hg[b]! + grad[r]!;
          hh[b] = hh[b]! + hess[r]!;
          hn[b]!++;
        }
        let nL = 0;
        let gL = 0;
        let hL = 0;
        for (let b = 0; b + 1 < nb; b++) {
          nL += hn[b]!;
          gL += hg[b]!;
          hL += hh[b]!;
          if (nL < minLeaf) continue;
          if (m - nL < minLeaf) break;
          const gR = g - gL;
          const hR = h - hL;
          const gain = (gL * gL) / (hL + l2 + GUARD) + (gR * gR) / (hR + l2 + GUARD) - parentScore;
          if (gain > bestGain) {
            bestGain = gain;
            best = { gain, feature: bits + c, bin: b };
          }
        }
        hg.fill(0, 0, nb);
        hh.fill(0, 0, nb);
        hn.fill(0, 0, nb);
      }
    }
    return best;
  }

  /** Rows going left (bit unset / bin ≤ b) before rows going right; returns the boundary. */
  private partition(samples: Int32Array, start: number, end: number, f: number, bin: number): number {
    const { fingerprintBits: bits, fingerprintWords: words, fingerprints, bins } = this.d;
    let i = start;
    let j = end - 1;
    const goesLeft =
      f < bits
        ? (r: number) => ((fingerprints[r * words + (f >>> 5)]! >>> (f & 31)) & 1) === 0
        : (r: number) => bins!.codes[(f - bits) * bins!.rows + r]! <= bin;
    // Stable for the left side is not needed: sums over a node do not depend on row order
    // beyond floating-point rounding, and the order itself is deterministic.
    while (i <= j) {
      const r = samples[i]!;
      if (goesLeft(r)) i++;
      else {
        samples[i] = samples[j]!;
        samples[j--] = r;
      }
    }
    return i;
  }
}

/** The leaf value a tree gives one row of raw features. */
export function walkTree(tree: BoostedTree, fp: Uint32Array | undefined, words: number, desc: Float64Array | undefined, columns: number, row: number): number {
  const bits = words * 32;
  let node = 0;
  for (let f = tree.feature[0]!; f >= 0; f = tree.feature[node]!) {
    const goRight = f < bits ? ((fp![row * words + (f >>> 5)]! >>> (f & 31)) & 1) === 1 : desc![row * columns + f - bits]! > tree.value[node]!;
    node = goRight ? tree.right[node]! : tree.left[node]!;
  }
  return tree.value[node]!;
}
