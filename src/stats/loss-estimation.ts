/**
 * Direct loss estimation (as NannyML's DLE): before labels arrive, estimate a window's
 * mean absolute error from its inputs alone, with a model of |y − ŷ| fitted on the
 * calibration set (compounds the model did not train on). The features are the model's
 * own uncertainty σ and the nearest-neighbour Tanimoto to the training set: a linear
 * least-squares fit |r| ≈ b0 + b1·σ + b2·sim, clamped at 0. Linear on purpose: a few
 * hundred calibration residuals do not support a flexible model, and the two features
 * move the expected error monotonically. Its error is reported against the realised
 * MAE once labels come.
 */
import { requireFinite, requireSameLength, type Numbers } from './input.js';

export interface LossModel {
  /** Coefficients of [1, σ, similarity]. */
  coefficients: [number, number, number];
  /** Calibration compounds it was fitted on. */
  n: number;
  /** Mean |residual| on those compounds (the estimate's anchor). */
  calibrationMae: number;
}

export function fitLossModel(absResidual: Numbers, sigma: Numbers, similarity: Numbers): LossModel {
  const fn = 'fitLossModel';
  requireSameLength(fn, ['absResidual', 'sigma', 'similarity'], [absResidual, sigma, similarity]);
  requireFinite(fn, 'absResidual', absResidual);
  requireFinite(fn, 'sigma', sigma);
  requireFinite(fn, 'similarity', similarity);
  const n = absResidual.length;
  if (n < 3) throw new RangeError(`${fn}: ${n} calibration compounds; at least 3 are needed`);
  // Normal equations X'X b = X'y for X = [1, σ, sim], solved by Gaussian elimination with pivoting.
  const a = [
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 0],
  ];
  for (let i = 0; i < n; i++) {
    const x = [1, sigma[i]!, similarity[i]!];
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) a[r]![c]! += x[r]! * x[c]!;
      a[r]![3]! += x[r]! * absResidual[i]!;
    }
  }
  const b = solve3(a);
  let mae = 0;
  for (let i = 0; i < n; i++) mae += absResidual[i]!;
  return { coefficients: b, n, calibrationMae: mae / n };
}

/** Expected |residual| of one prediction (never below 0). */
export function expectedLoss(model: LossModel, sigma: number, similarity: number): number {
  const [b0, b1, b2] = model.coefficients;
  return Math.max(0, b0 + b1 * sigma + b2 * similarity);
}

/**
 * Solves the 3×3 augmented system; a singular direction (e.g. σ constant, as for a model
 * without per-compound uncertainty) gets coefficient 0, so the fit falls back to fewer features.
 */
function solve3(a: number[][]): [number, number, number] {
  const m = a.map((r) => r.slice());
  const scale = Math.max(...m.map((r) => Math.max(...r.slice(0, 3).map(Math.abs))), 1e-300);
  const pivotOf: number[] = [];
  let row = 0;
  for (let col = 0; col < 3 && row < 3; col++) {
    let p = row;
    for (let r = row + 1; r < 3; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[p]![col]!)) p = r;
    if (Math.abs(m[p]![col]!) < 1e-10 * scale) continue;
    [m[row], m[p]] = [m[p]!, m[row]!];
    for (let r = 0; r < 3; r++) {
      if (r === row) continue;
      const f = m[r]![col]! / m[row]![col]!;
      for (let c = col; c < 4; c++) m[r]![c]! -= f * m[row]![c]!;
    }
    pivotOf[col] = row;
    row++;
  }
  const out: [number, number, number] = [0, 0, 0];
  for (let col = 0; col < 3; col++) if (pivotOf[col] !== undefined) out[col] = m[pivotOf[col]!]![3]! / m[pivotOf[col]!]![col]!;
  return out;
}
