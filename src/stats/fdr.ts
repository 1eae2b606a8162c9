/**
 * Benjamini–Hochberg false-discovery-rate control across a family of tests (one per
 * descriptor). Adjusted p-values q_(i) = min_{j ≥ i} min(1, p_(j) · m / j), as
 * statsmodels' multipletests(method='fdr_bh'); rejecting every q ≤ α controls the FDR
 * at α for independent or positively dependent tests. Under the global null (no
 * descriptor drifted) any rejection is a false one, so P(any rejection) ≤ α as well.
 */
import { requireFinite, type Numbers } from './input.js';

export function benjaminiHochberg(pValues: Numbers): Float64Array {
  const fn = 'benjaminiHochberg';
  requireFinite(fn, 'pValues', pValues);
  const m = pValues.length;
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => pValues[a]! - pValues[b]! || a - b);
  const q = new Float64Array(m);
  let running = 1;
  for (let r = m - 1; r >= 0; r--) {
    const i = order[r]!;
    if (pValues[i]! < 0 || pValues[i]! > 1) throw new RangeError(`${fn}: pValues[${i}] is ${pValues[i]}; p-values lie in [0, 1]`);
    running = Math.min(running, (pValues[i]! * m) / (r + 1));
    q[i] = Math.min(1, running);
  }
  return q;
}
