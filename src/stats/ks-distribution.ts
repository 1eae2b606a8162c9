/**
 * Null distributions of the Kolmogorov–Smirnov statistics, following SciPy 1.10's choice
 * of algorithms so that p-values agree with scipy.stats.ks_2samp:
 *
 * - ksTwoSampleExactSf: P(D_{m,n} ≥ h / lcm(m, n)) by counting lattice paths: Hodges'
 *   formula for m = n, otherwise the "inside" recursion in Viehmann's 1 − p form
 *   (arXiv:2102.08037), which stays inside [0, 1] and never overflows.
 * - kolmogorovSf (scipy.stats.kstwo.sf): the one-sample two-sided statistic, by the rules
 *   of Simard & L'Ecuyer (2011): Ruben–Gambino near the ends, Durbin's matrix (Marsaglia,
 *   Tsang & Wang) or Pomeranz for small n·d², twice the one-sided tail for large n·d²,
 *   Pelz–Good for very large n. ks_2samp's 'asymp' method evaluates it at round(mn/(m+n)).
 * - smirnovSf (scipy.special.smirnov): the one-sided tail by the Birnbaum–Tingey sum,
 *   in double-double arithmetic as SciPy (van Mulbregt, arXiv:1802.06966).
 */
import * as D from './double-double.js';
import type { DD } from './double-double.js';

// --------------------------------------------------------------------- two-sample, exact

/**
 * Two-sided P(D ≥ h / lcm(n1, n2)) under H0 for samples of sizes n1 and n2. NaN if the
 * computation fails (SciPy then falls back to the asymptotic method).
 */
export function ksTwoSampleExactSf(n1: number, n2: number, h: number): number {
  if (h === 0) return 1;
  const g = gcd(n1, n2);
  const p = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideInside(n1, n2, g, h);
  return p >= 0 && p <= 1 ? p : Number.NaN;
}

/** m = n: P = 2 Σ_k (−1)^(k+1) C(2n, n − kh) / C(2n, n), summed Horner-wise from the tail. */
function probOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    p = p1 * (1 - p);
  }
  return 2 * p;
}

/**
 * Share of monotone lattice paths (0,0) → (m,n) that touch |x/m − y/n| ≥ h/lcm, computed
 * column by column over the band of cells still inside, each cell holding the share of
 * paths through it that already left the band (so values stay in [0, 1]).
 */
function probOutsideInside(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const a = new Float64Array(Math.min(2 * maxj + 2, n + 1)).fill(1);
  a.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (a[jj + minj - lastminj]! * i + val * j) / (i + j);
      a[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) a.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return a[maxj - minj - 1]!;
}

export function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

// ------------------------------------------------------------- one-sample two-sided (kstwo)

const E128 = 2 ** 128;
const EM128 = 2 ** -128;

/** scipy.stats.kstwo.sf(d, n): P(D_n ≥ d) for the two-sided one-sample statistic. */
export function kolmogorovSf(n: number, d: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`kolmogorovSf: n is ${n}; it must be an integer >= 1`);
  if (Number.isNaN(d)) return Number.NaN;
  // Support (0.5/n, 1): scipy answers 1 below it and 0 from 1 on.
  if (d <= 0.5 / n) return 1;
  if (d >= 1) return 0;
  const t = n * d;
  if (t <= 1) {
    // Ruben–Gambino: P(D_n ≤ d) = n!/n^n (2nd − 1)^n for 1/(2n) ≤ d ≤ 1/n.
    let cdf: number;
    if (n <= 140) {
      cdf = 1;
      for (let i = 1; i <= n; i++) cdf *= i * (1 / n) * (2 * t - 1);
    } else {
      cdf = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    }
    return clip01(1 - cdf);
  }
  if (t >= n - 1) return clip01(2 * (1 - d) ** n); // Ruben–Gambino at the top end
  if (d >= 0.5) return clip01(2 * smirnovSf(n, d)); // the two one-sided tails cannot both occur
  const nxx = t * d;
  if (n <= 140) {
    if (nxx <= 0.754693) return clip01(1 - durbinMatrixCdf(n, d));
    if (nxx <= 4) return clip01(1 - pomeranzCdf(n, d));
    return clip01(2 * smirnovSf(n, d));
  }
  if (nxx >= 370) return 0;
  if (nxx >= 2.2) return clip01(2 * smirnovSf(n, d));
  const cdf = nxx >= 18 ? 1 : n <= 100000 && n * d ** 1.5 <= 1.4 ? durbinMatrixCdf(n, d) : pelzGoodCdf(n, d);
  return clip01(1 - cdf);
}

// Stirling series coefficients B_{2j} / (2j (2j − 1)), highest order first.
const STIRLING = [
  -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3, 8.4175084175084175084e-4, -5.952380952380952381e-4, 7.9365079365079365079e-4,
  -2.7777777777777777778e-3, 8.3333333333333333333e-2,
];

/** log(n! / n^n) by Stirling, with n·log n removed analytically. */
function logFactorialOverPower(n: number): number {
  const rn = 1 / n;
  const x = rn / n;
  let poly = 0;
  for (const c of STIRLING) poly = poly * x + c;
  return Math.log(n) / 2 - n + Math.log(2 * Math.PI) / 2 + rn * poly;
}

/** Durbin's matrix method, P(D_n ≤ d) = n!/n^n · (H^n)_{kk}, powering H by squaring with rescaling. */
function durbinMatrixCdf(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1 - h ** j) * fac;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * fac;
  let H = new Float64Array(m * m);
  for (let i = 1; i < m; i++) for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1]!;
  for (let r = 0; r < m; r++) H[r * m] = v[r]!;
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c]!;

  let P = new Float64Array(m * m);
  for (let i = 0; i < m; i++) P[i * m + i] = 1;
  let expnt = 0;
  let hExpnt = 0;
  for (let nn = n; nn > 0; nn = Math.floor(nn / 2)) {
    if (nn % 2) {
      P = matmul(P, H, m);
      expnt += hExpnt;
    }
    H = matmul(H, H, m);
    hExpnt *= 2;
    if (Math.abs(H[(k - 1) * m + (k - 1)]!) > E128) {
      for (let i = 0; i < H.length; i++) H[i]! /= E128;
      hExpnt += 128;
    }
  }
  let p = P[(k - 1) * m + (k - 1)]!;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < EM128) {
      p *= E128;
      expnt -= 128;
    }
  }
  return D.ldexp(p, expnt);
}

function matmul(a: Float64Array, b: Float64Array, m: number): Float64Array<ArrayBuffer> {
  const c = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let l = 0; l < m; l++) {
      const x = a[i * m + l]!;
      if (x === 0) continue;
      for (let j = 0; j < m; j++) c[i * m + j]! += x * b[l * m + j]!;
    }
  }
  return c;
}

/** Pomeranz's recursion for P(D_n ≤ d): rows of Poisson-weighted convolutions. */
function pomeranzCdf(n: number, d: number): number {
  const t = n * d;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const npwrs = 2 * (ll + 1);
  const gpower = new Float64Array(npwrs);
  const twogpower = new Float64Array(npwrs);
  const onem2gpower = new Float64Array(npwrs);
  gpower[0] = twogpower[0] = onem2gpower[0] = 1;
  const gn = g / n;
  const g2n = (2 * g) / n;
  const g12n = (1 - 2 * g) / n;
  for (let k = 1; k < npwrs; k++) {
    gpower[k] = (gpower[k - 1]! * gn) / k;
    twogpower[k] = (twogpower[k - 1]! * g2n) / k;
    onem2gpower[k] = (onem2gpower[k - 1]! * g12n) / k;
  }
  let v0 = new Float64Array(npwrs);
  let v1 = new Float64Array(npwrs);
  v1[0] = 1;
  let v0s = 0;
  let v1s = 0;
  let expnt = 0;
  let [j1, j2] = pomeranzBounds(0, n, ll, ceilf, roundf);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [v0, v1] = [v1, v0];
    [v0s, v1s] = [v1s, v0s];
    v1.fill(0);
    [j1, j2] = pomeranzBounds(i, n, ll, ceilf, roundf);
    const pwrs = i === 1 || i === 2 * n + 1 ? gpower : i % 2 ? twogpower : onem2gpower;
    const ln2 = j2 - k1 + 1;
    if (ln2 > 0) {
      const start = k1 - v0s;
      const src = v0.subarray(start, Math.min(start + ln2, v0.length));
      const ker = pwrs.subarray(0, Math.min(ln2, pwrs.length));
      const convStart = j1 - k1;
      const convLen = j2 - j1 + 1;
      let max = 0;
      for (let o = 0; o < convLen; o++) {
        // Entry convStart + o of the full convolution of src and ker.
        const idx = convStart + o;
        let s = 0;
        for (let a = Math.max(0, idx - ker.length + 1); a <= Math.min(idx, src.length - 1); a++) s += src[a]! * ker[idx - a]!;
        v1[o] = s;
        if (s > max) max = s;
      }
      if (max > 0 && max < EM128) {
        for (let o = 0; o < v1.length; o++) v1[o]! *= E128;
        expnt -= 128;
      }
      v1s = v0s + j1 - k1;
    }
  }
  let ans = v1[n - v1s]!;
  for (let k = 1; k <= n; k++) {
    if (Math.abs(ans) > E128) {
      ans *= EM128;
      expnt += 128;
    }
    ans *= k;
  }
  return D.ldexp(ans, expnt);
}

function pomeranzBounds(i: number, n: number, ll: number, ceilf: number, roundf: number): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const half = Math.floor((i + 1) / 2);
    if ((i + 1) % 2 === 0) {
      if (half === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = half - 1 - ll - roundf - 1;
        j2 = half + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = half - 1 - ll - 1;
      j2 = half + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

const PI2 = Math.PI ** 2;
const PI4 = Math.PI ** 4;
const PI6 = Math.PI ** 6;
const SQRT2PI = Math.sqrt(2 * Math.PI);

/** Pelz–Good expansion of P(D_n ≤ d) in powers of n^(−1/2), theta-function form for small z. */
function pelzGoodCdf(n: number, d: number): number {
  if (d <= 0) return 0;
  if (d >= 1) return 1;
  const z = Math.sqrt(n) * d;
  const z2 = z ** 2;
  const z3 = z ** 3;
  const z4 = z ** 4;
  const z6 = z ** 6;
  const qlog = -PI2 / 8 / z2;
  if (qlog < -708) return 0;
  let q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m ** 2;
    const m4 = m ** 4;
    const m6 = m ** 6;
    const qpower = q ** (8 * k);
    const coeffs = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6];
    for (let i = 0; i < 4; i++) K[i] = K[i]! * qpower + coeffs[i]!;
  }
  const div = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = (K[i]! * q * SQRT2PI) / div[i]!;
  q = Math.exp(-PI2 / 2 / z2);
  let k2extra = 0;
  let k3extra = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = maxk; k > 0; k--) {
    const k2 = k * k;
    const qp = q ** k2;
    const kpi = Math.PI * k;
    k2extra += k2 * qp;
    k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qp;
  }
  K[2]! += (k2extra * PI2 * SQRT2PI) / (-36 * z3);
  K[3]! += (k3extra * PI2 * SQRT2PI) / (216 * z6);
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += K[i]! / n ** (i / 2);
  return sum;
}

// ------------------------------------------------------------------- one-sided (smirnov)

const MINLOG = -7.451332191019412076235e2; // cephes MINLOG with denormals: log(2^-1075)
const EPS = 2 ** -52;

/**
 * scipy.special.smirnov(n, x): P(D_n^+ ≥ x) for the one-sided one-sample statistic,
 * by the Birnbaum–Tingey sum x Σ_v C(n,v) (x + v/n)^(v−1) (1 − x − v/n)^(n−v).
 */
export function smirnovSf(n: number, x: number): number {
  if (!(n > 0 && x >= 0 && x <= 1)) return Number.NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const { alpha, nxfl } = modNX(n, x);
  let n1mxfl = n - nxfl - (alpha === 0 ? 0 : 1);
  let n1mxceil = n - nxfl;
  if (alpha === 0) {
    // x·n is an integer: the boundary term belongs to neither sum.
    n1mxfl -= 1;
    n1mxceil += 1;
  }
  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) {
    // x ≤ 1/n: only the v = n term of the upper sum, x (1 + x)^(n−1), is the CDF.
    return clip01(1 - x * powDD(D.twoSum(1, x), n - 1).hi);
  }
  if (-2 * n * x * x < MINLOG) return 0;
  if (nxfl >= n - 1) return clip01(powDD(D.twoSum(1, -x), n).hi);
  if (n > 1000000) {
    // SciPy's approximation for very large n: p ≈ exp(−(6nx + 1)² / (18n)).
    const logp = -((6 * n * x + 1) ** 2) / 18 / n;
    return clip01(logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp));
  }
  const nUpperTerms = n - n1mxceil + 1;
  const useUpper = (nUpperTerms <= 1 && x < 0.5) || (n >= 10 && nUpperTerms <= 3 && x <= 0.5 / Math.sqrt(n));
  let start = 0;
  let step = 1;
  let nTerms = n1mxfl + 1;
  let aj: DD;
  if (useUpper) {
    start = n;
    step = -1;
    nTerms = n - n1mxceil + 1;
    aj = powDD(D.twoSum(1, x), n - 1);
  } else {
    aj = D.div(powDD(D.twoSum(1, -x), n), D.dd(x));
  }
  let ajSum = aj;
  const binom = { man: D.dd(1), expt: 0 };
  updateBinomial(binom, n, 0);
  const vmid = Math.floor(n / 2);
  for (let j = 1; j < nTerms; j++) {
    const v = start + j * step;
    aj = termAv(n, x, v, binom);
    if (Number.isFinite(aj.hi) && aj.hi !== 0) ajSum = D.add(ajSum, aj);
    if (aj.hi !== 0) {
      // The remaining terms can no longer move the sum.
      if (4 * (nTerms - j) * Math.abs(aj.hi) < EPS * ajSum.hi && j !== nTerms - 1) break;
    } else if (j > vmid) {
      break;
    }
    updateBinomial(binom, n, j);
  }
  const prob = D.mulD(ajSum, x).hi;
  return clip01(step < 0 ? 1 - prob : prob);
}

/** floor(n·x) and its remainder, exactly (n·x in double-double). */
function modNX(n: number, x: number): { alpha: number; nxfl: number } {
  const nx = D.twoProd(n, x);
  let fl = D.dd(Math.floor(nx.hi));
  if (fl.hi === nx.hi) fl = D.twoSum(fl.hi, Math.floor(nx.lo));
  let alpha = D.add(nx, D.neg(fl)).hi;
  let nxfl = fl.hi + fl.lo;
  if (alpha === 1) {
    nxfl += 1;
    alpha = 0;
  }
  return { alpha, nxfl };
}

/** The binomial coefficient C(n, j) as a double-double mantissa and a binary exponent. */
function updateBinomial(c: { man: DD; expt: number }, n: number, j: number): void {
  const [man, e] = D.frexpDD(D.mul(c.man, D.divDD(n - j, j + 1)));
  c.man = man;
  c.expt += e;
}

/** A_v = C(n,v) (x + v/n)^(v−1) (1 − x − v/n)^(n−v). */
function termAv(n: number, x: number, v: number, c: { man: DD; expt: number }): DD {
  const [t2, t2e] = powScaled(D.addD(D.divDD(n - v, n), -x), n - v);
  const [t1, t1e] = powScaled(D.addD(D.divDD(v, n), x), v - 1);
  return D.ldexpDD(D.mul(D.mul(t1, t2), c.man), c.expt + t1e + t2e);
}

/** a^m with the high part from Math.pow and a first-order (or log1p) correction for a.lo. */
function powDD(a: DD, m: number): DD {
  if (m <= 0) return m === 0 ? D.dd(1) : D.div(D.dd(1), powDD(a, -m));
  if (D.isZero(a)) return D.dd(0);
  const ans = a.hi ** m;
  const r = a.lo / a.hi;
  let adj = m * r;
  if (Math.abs(adj) > 1e-8) adj = Math.abs(adj) < 1e-4 ? adj + m * r * (((m - 1) / 2) * r) : Math.expm1(m * Math.log1p(r));
  return D.twoSum(ans, ans * adj);
}

const MAX_EXPONENT = 960;

/** a^m as (mantissa in [0.5, 1), binary exponent), splitting the power before it underflows. */
function powScaled(a: DD, m: number): [DD, number] {
  if (m <= 0) {
    if (m === 0) return [D.dd(1), 0];
    const [inv, e1] = powScaled(a, -m);
    const [man, e2] = D.frexpDD(D.div(D.dd(1), inv));
    return [man, -e1 + e2];
  }
  const [y, ye] = D.frexpDD(a);
  if (m === 1) return [y, ye];
  let maxExpt = MAX_EXPONENT;
  if ((m * (y.hi - 1)) / y.hi < -MAX_EXPONENT * Math.LN2) {
    const lg2y = Math.log(y.hi) / Math.LN2;
    if (m * lg2y <= -MAX_EXPONENT) maxExpt = Math.trunc(nudgeUp(-MAX_EXPONENT / lg2y + 1) / 2);
  }
  if (m <= maxExpt) {
    const [man, e] = D.frexpDD(powDD(y, m));
    return [man, e + m * ye];
  }
  const q = Math.trunc(m / maxExpt);
  const r = m % maxExpt;
  const [y2r, y2rE] = powScaled(y, r);
  const [y2m, y2mE] = powScaled(y, maxExpt);
  const [y2mq, y2mqE] = powScaled(y2m, q);
  const [man, e] = D.frexpDD(D.mul(y2r, y2mq));
  return [man, e + y2mqE + y2mE * q + y2rE + m * ye];
}

/** SciPy's nextPowerOf2 helper (despite the name: x nudged up by one ulp, integral if it was). */
function nudgeUp(x: number): number {
  const l = Math.abs(D.ldexp(x, 1 - 53) + x);
  if (l === 0) return Math.abs(x);
  return Math.trunc(l) === l ? Math.trunc(l) : l;
}

function clip01(p: number): number {
  return p < 0 ? 0 : Math.min(p, 1);
}
