/**
 * The little dense linear algebra ridge regression needs: Cholesky factorization of a
 * symmetric positive-definite matrix and the two triangular solves. Matrices are d × d,
 * row-major Float64Arrays; d is a descriptor count (tens), so plain loops are enough.
 */

/** Lower-triangular L with A = L Lᵀ (upper triangle left zero); null if A is not positive definite. */
export function cholesky(a: Float64Array, d: number): Float64Array | null {
  const l = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    let diag = a[j * d + j]!;
    for (let k = 0; k < j; k++) diag -= l[j * d + k]! ** 2;
    if (!(diag > 0)) return null;
    const ljj = Math.sqrt(diag);
    l[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let s = a[i * d + j]!;
      for (let k = 0; k < j; k++) s -= l[i * d + k]! * l[j * d + k]!;
      l[i * d + j] = s / ljj;
    }
  }
  return l;
}

/** Solves L y = b (forward substitution). */
export function solveLower(l: Float64Array, d: number, b: ArrayLike<number>, out: Float64Array = new Float64Array(d)): Float64Array {
  for (let i = 0; i < d; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * d + k]! * out[k]!;
    out[i] = s / l[i * d + i]!;
  }
  return out;
}

/** Solves Lᵀ x = y (back substitution with the same lower factor). */
export function solveUpperTransposed(l: Float64Array, d: number, y: ArrayLike<number>, out: Float64Array = new Float64Array(d)): Float64Array {
  for (let i = d - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < d; k++) s -= l[k * d + i]! * out[k]!;
    out[i] = s / l[i * d + i]!;
  }
  return out;
}
