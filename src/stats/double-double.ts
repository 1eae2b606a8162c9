/**
 * Double-double arithmetic (a value as an unevaluated sum hi + lo of two doubles, about
 * 106 bits), after Dekker and the QD library of Hida, Li and Bailey. The one-sided
 * Smirnov tail sums hundreds of terms like (1 − x − v/n)^(n−v); in plain doubles the error
 * of the base is raised to the power n − v and the result drifts far from scipy's, which
 * does this in double-double too.
 */
export interface DD {
  hi: number;
  lo: number;
}

export const dd = (hi: number, lo = 0): DD => ({ hi, lo });

/** Exact a + b as (s, e), |e| ≤ ulp(s)/2. */
export function twoSum(a: number, b: number): DD {
  const s = a + b;
  const bb = s - a;
  return { hi: s, lo: a - (s - bb) + (b - bb) };
}

/** As twoSum, valid when |a| ≥ |b|. */
function quickTwoSum(a: number, b: number): DD {
  const s = a + b;
  return { hi: s, lo: b - (s - a) };
}

const SPLITTER = 134217729; // 2^27 + 1

function split(a: number): [number, number] {
  const t = SPLITTER * a;
  const hi = t - (t - a);
  return [hi, a - hi];
}

/** Exact a · b as (p, e). */
export function twoProd(a: number, b: number): DD {
  const p = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return { hi: p, lo: ah * bh - p + ah * bl + al * bh + al * bl };
}

export function add(a: DD, b: DD): DD {
  const s = twoSum(a.hi, b.hi);
  const t = twoSum(a.lo, b.lo);
  const u = quickTwoSum(s.hi, s.lo + t.hi);
  return quickTwoSum(u.hi, u.lo + t.lo);
}

export function addD(a: DD, b: number): DD {
  const s = twoSum(a.hi, b);
  return quickTwoSum(s.hi, s.lo + a.lo);
}

export function neg(a: DD): DD {
  return { hi: -a.hi, lo: -a.lo };
}

export function mul(a: DD, b: DD): DD {
  const p = twoProd(a.hi, b.hi);
  return quickTwoSum(p.hi, p.lo + (a.hi * b.lo + a.lo * b.hi));
}

export function mulD(a: DD, b: number): DD {
  const p = twoProd(a.hi, b);
  return quickTwoSum(p.hi, p.lo + a.lo * b);
}

export function div(a: DD, b: DD): DD {
  const q1 = a.hi / b.hi;
  let r = add(a, neg(mulD(b, q1)));
  const q2 = r.hi / b.hi;
  r = add(r, neg(mulD(b, q2)));
  const q3 = r.hi / b.hi;
  return addD(quickTwoSum(q1, q2), q3);
}

/** a / b for doubles, to double-double precision. */
export function divDD(a: number, b: number): DD {
  const q1 = a / b;
  const p = twoProd(q1, b);
  const s = twoSum(a, -p.hi);
  const q2 = (s.hi + (s.lo - p.lo)) / b;
  return quickTwoSum(q1, q2);
}

export function isZero(a: DD): boolean {
  return a.hi === 0;
}

// 2^k for k = -1022 … 1023: the hot loops of the Smirnov sum call ldexp per term.
const POW2 = Float64Array.from({ length: 2046 }, (_, i) => 2 ** (i - 1022));

/** x · 2^e without intermediate overflow or underflow. */
export function ldexp(x: number, e: number): number {
  while (e > 1023) {
    x *= POW2[1023 + 1022]!;
    e -= 1023;
  }
  while (e < -1022) {
    x *= POW2[0]!;
    e += 1022;
  }
  return x * POW2[e + 1022]!;
}

export function ldexpDD(a: DD, e: number): DD {
  return { hi: ldexp(a.hi, e), lo: ldexp(a.lo, e) };
}

// Read the exponent field directly (IEEE 754 binary64; typed arrays use the platform's
// byte order, which is little-endian on every platform Node supports).
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** x = m · 2^e with 0.5 ≤ |m| < 1 (C frexp); 0, ±Infinity and NaN come back with e = 0. */
export function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  let shift = 0;
  f64[0] = x;
  if ((u32[1]! & 0x7ff00000) === 0) {
    // Subnormal: scale into the normal range first.
    f64[0] = x * 2 ** 64;
    shift = 64;
  }
  const e = ((u32[1]! >>> 20) & 0x7ff) - 1022;
  u32[1] = (u32[1]! & 0x800fffff) | (1022 << 20);
  return [f64[0]!, e - shift];
}

/** Scale a double-double so its high part lies in [0.5, 1); returns the exponent. */
export function frexpDD(a: DD): [DD, number] {
  const [m, e] = frexp(a.hi);
  let hi = m;
  let lo = ldexp(a.lo, -e);
  // Keep hi ≥ 0.5 when hi is exactly 0.5 and lo pulls the value below it.
  if (Math.abs(hi) === 0.5 && hi * lo < 0) {
    hi *= 2;
    lo *= 2;
    return [{ hi, lo }, e - 1];
  }
  return [{ hi, lo }, e];
}
