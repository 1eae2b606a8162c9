/** Descriptive statistics on plain numeric arrays (pure functions, no dependencies). */

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return xs.length ? s / xs.length : Number.NaN;
}

/** Sample standard deviation (n − 1), NaN below two values. */
export function sd(xs: ArrayLike<number>): number {
  if (xs.length < 2) return Number.NaN;
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i]! - m) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}

/** Quantile with linear interpolation between order statistics (numpy's default, type 7). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (!sorted.length) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function median(xs: ArrayLike<number>): number {
  return quantile(Float64Array.from(xs).sort(), 0.5);
}

export interface Summary {
  n: number;
  mean: number;
  sd: number;
  min: number;
  p10: number;
  median: number;
  p90: number;
  max: number;
}

export function summarize(xs: ArrayLike<number>): Summary {
  const s = Float64Array.from(xs).sort();
  return {
    n: s.length,
    mean: mean(s),
    sd: sd(s),
    min: s[0] ?? Number.NaN,
    p10: quantile(s, 0.1),
    median: quantile(s, 0.5),
    p90: quantile(s, 0.9),
    max: s[s.length - 1] ?? Number.NaN,
  };
}

/** Two-sample Kolmogorov–Smirnov statistic D = sup |F_a − F_b| (ties handled as scipy does). */
export function ksStatistic(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  if (!x.length || !y.length) return Number.NaN;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}
