/**
 * numpy's default quantile (method 'linear', Hyndman–Fan type 7) to the last bit: the
 * virtual index (n − 1)·q, and numpy's two-sided lerp (from the upper neighbour when the
 * weight is ≥ 0.5). Bin edges built from quantiles (PSI, quantile reliability bins) must
 * equal numpy's exactly, or a value sitting on an edge lands in a different bin.
 * (describe.ts keeps its own one-sided version: snapshot summaries depend on it.)
 */
export function quantileLinear(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const v = (n - 1) * q;
  if (v >= n - 1) return sorted[n - 1]!;
  if (v <= 0) return sorted[0]!;
  const lo = Math.floor(v);
  const t = v - lo;
  const a = sorted[lo]!;
  const b = sorted[lo + 1]!;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** numpy.linspace(start, stop, num) with endpoint: start + i·step, the last exactly stop. */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  if (num === 1) {
    out[0] = start;
    return out;
  }
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  out[num - 1] = stop;
  return out;
}
