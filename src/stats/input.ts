/**
 * Input checks shared by the statistics functions. The policy (see README.md here):
 * inputs must be non-empty, of matching length and finite; a violation is a RangeError
 * naming the function and the argument. A NaN in an input is refused rather than passed
 * through, because a metric computed around a silent NaN hides a data bug.
 */

export type Numbers = ArrayLike<number>;

export function requireNonEmpty(fn: string, name: string, xs: Numbers): void {
  if (xs.length === 0) throw new RangeError(`${fn}: ${name} is empty`);
}

export function requireSameLength(fn: string, names: string[], arrays: Numbers[]): void {
  const n = arrays[0]!.length;
  for (let i = 1; i < arrays.length; i++) {
    if (arrays[i]!.length !== n) {
      throw new RangeError(`${fn}: ${names[0]} has ${n} values but ${names[i]} has ${arrays[i]!.length}`);
    }
  }
}

export function requireFinite(fn: string, name: string, xs: Numbers): void {
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(xs[i])) throw new RangeError(`${fn}: ${name}[${i}] is ${xs[i]}; values must be finite numbers`);
  }
}

/** Labels must be exactly 0 or 1 (the positive class is 1). */
export function requireBinary(fn: string, name: string, xs: Numbers): void {
  for (let i = 0; i < xs.length; i++) {
    if (xs[i] !== 0 && xs[i] !== 1) throw new RangeError(`${fn}: ${name}[${i}] is ${xs[i]}; labels must be 0 or 1`);
  }
}

export function requireProbabilities(fn: string, name: string, xs: Numbers): void {
  for (let i = 0; i < xs.length; i++) {
    const p = xs[i]!;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`${fn}: ${name}[${i}] is ${p}; probabilities must lie in [0, 1]`);
  }
}

export function requirePositive(fn: string, name: string, xs: Numbers): void {
  for (let i = 0; i < xs.length; i++) {
    const s = xs[i]!;
    if (!(s > 0 && s < Infinity)) throw new RangeError(`${fn}: ${name}[${i}] is ${s}; it must be a finite number > 0`);
  }
}

/** Non-empty, equal lengths, all finite: the usual check for paired arrays. */
export function requirePaired(fn: string, names: string[], arrays: Numbers[]): void {
  requireSameLength(fn, names, arrays);
  requireNonEmpty(fn, names[0]!, arrays[0]!);
  arrays.forEach((xs, i) => requireFinite(fn, names[i]!, xs));
}

export function requireLevel(fn: string, name: string, level: number): void {
  if (!(level > 0 && level < 1)) throw new RangeError(`${fn}: ${name} is ${level}; it must lie strictly between 0 and 1`);
}

export function requireCount(fn: string, name: string, k: number, min: number): void {
  if (!Number.isInteger(k) || k < min) throw new RangeError(`${fn}: ${name} is ${k}; it must be an integer >= ${min}`);
}
