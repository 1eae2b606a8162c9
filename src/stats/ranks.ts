/**
 * Ranks 1..n with ties given the average of the ranks they span (scipy.stats.rankdata,
 * method='average'). Spearman's rho and the Mann–Whitney form of AUROC both use them.
 */
export function averageRanks(xs: ArrayLike<number>): Float64Array {
  const n = xs.length;
  const order = sortedOrder(xs);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i + 1;
    while (j < n && xs[order[j]!] === xs[order[i]!]) j++;
    // Positions i..j-1 (0-based) share ranks i+1..j: their mean is (i + 1 + j) / 2.
    const r = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) ranks[order[k]!] = r;
    i = j;
  }
  return ranks;
}

/** Indices that sort xs ascending; stable, so equal values keep their input order. */
export function sortedOrder(xs: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(xs.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  // TypedArray sort with a comparator is stable (ES2019+).
  return order.sort((a, b) => xs[a]! - xs[b]! || a - b);
}
