/**
 * Butina (Taylor–Butina) clustering on Tanimoto distance (Butina 1999; RDKit's
 * rdkit.ML.Cluster.Butina.ClusterData with isDistData=True): two compounds are neighbours
 * when their distance 1 − Tanimoto is ≤ `cutoff`. Repeatedly, the compound with the most
 * not-yet-clustered neighbours becomes a centroid and takes them all as its cluster.
 *
 * Ties on neighbour count go to the higher index, as RDKit's ClusterData does (it sorts by
 * count and then index, both descending), so cluster assignments match RDKit's for the
 * same fingerprints. Cluster 0 is the first centroid picked (the largest cluster).
 * O(n²) similarities; fine for tens of thousands of compounds.
 */
import { tanimotoOneToMany, type FingerprintSet } from './similarity.js';

export interface ButinaClusters {
  /** Cluster of each compound, 0 … count − 1. */
  cluster: Int32Array;
  count: number;
  /** Index of each cluster's centroid. */
  centroids: number[];
}

export function butinaClusters(set: FingerprintSet, cutoff: number): ButinaClusters {
  if (!(cutoff >= 0 && cutoff <= 1)) throw new RangeError(`Butina cutoff must be a Tanimoto distance in [0, 1], got ${cutoff}`);
  const n = set.count;
  const neighbours: Int32Array[] = [];
  const sims = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    tanimotoOneToMany(set.data.subarray(i * set.words, (i + 1) * set.words), set, sims);
    const list: number[] = [];
    for (let j = 0; j < n; j++) if (j !== i && 1 - sims[j]! <= cutoff) list.push(j);
    neighbours.push(Int32Array.from(list));
  }
  // RDKit: candidates by (neighbour count, index) descending; the count is the static one.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => neighbours[b]!.length - neighbours[a]!.length || b - a);
  const cluster = new Int32Array(n).fill(-1);
  const centroids: number[] = [];
  for (const i of order) {
    if (cluster[i] !== -1) continue;
    const id = centroids.length;
    centroids.push(i);
    cluster[i] = id;
    for (const j of neighbours[i]!) if (cluster[j] === -1) cluster[j] = id;
  }
  return { cluster, count: centroids.length, centroids };
}
