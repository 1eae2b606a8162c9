/**
 * Compensated (Neumaier) summation. numpy sums pairwise, with an error that grows like
 * log n; a naive loop grows like n. Summing almost exactly keeps our results within a
 * few ulps of numpy's whatever the order, which is what lets the tests compare to 1e-12.
 */
export class Sum {
  private s = 0;
  private c = 0;

  add(x: number): this {
    const t = this.s + x;
    // Keep the low-order bits lost by whichever addend is smaller in magnitude.
    this.c += Math.abs(this.s) >= Math.abs(x) ? this.s - t + x : x - t + this.s;
    this.s = t;
    return this;
  }

  get value(): number {
    return this.s + this.c;
  }
}

export function sum(xs: ArrayLike<number>): number {
  const acc = new Sum();
  for (let i = 0; i < xs.length; i++) acc.add(xs[i]!);
  return acc.value;
}

/** Arithmetic mean, compensated; NaN when empty. */
export function fmean(xs: ArrayLike<number>): number {
  return xs.length ? sum(xs) / xs.length : Number.NaN;
}
