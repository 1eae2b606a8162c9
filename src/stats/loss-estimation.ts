/**
 * Direct loss estimation (as NannyML's DLE): before labels arrive, estimate a window's
 * mean absolute error from its inputs alone, with a model of |y − ŷ| fitted on the
 * calibration set (compounds the model did not train on). The features are the model's
 * own uncertainty σ and the nearest-neighbour Tanimoto to the training set: a linear
 * least-squares fit |r| ≈ b0 + b1·σ + b2·sim, clamped at 0. Linear on purpose: a few
 * hundred calibration residuals do not support a flexible model, and the two features
 * move the expected error monotonically. Its error is reported against the realised
 * MAE once labels come.
 *
 * Which features: of the constant, [1, σ], [1, sim] and [1, σ, sim], the one with the
 * smallest leave-one-out squared error on the calibration set (ties to the simpler). A
 * small data set calibrates on a handful of compounds (a model developed on 80 has 8), and
 * three coefficients fitted to 8 residuals extrapolate wildly: on bench/monitor-validity's
 * rat plasma-protein-binding models the full fit overestimated the stable windows' MAE by
 * 30 %. With hundreds of residuals the full model wins and nothing changes.
 */
import { requireFinite, requireSameLength, type Numbers } from './input.js';

export interface LossModel {
  /** Coefficients of [1, σ, similarity] (0 for a feature left out). */
  coefficients: [number, number, number];
  /** The features kept by leave-one-out (absent in baselines built before the choice was made: all). */
  features?: Array<'sigma' | 'similarity'>;
  /** Calibration compounds it was fitted on. */
  n: number;
  /** Mean |residual| on those compounds (the estimate's anchor). */
  calibrationMae: number;
}

/** Candidate features, as masks over [1, σ, similarity]: the constant, σ, similarity, both. */
const FEATURE_SETS: ReadonlyArray<number[]> = [
  [1, 0, 0],
  [1, 1, 0],
  [1, 0, 1],
  [1, 1, 1],
];

/** The leave-one-out squared error (PRESS) of each candidate, in FEATURE_SETS order (what fitLossModel chooses by). */
export function lossModelPress(absResidual: Numbers, sigma: Numbers, similarity: Numbers): number[] {
  const rows = designRows(sigma, similarity);
  return FEATURE_SETS.map((mask) => leaveOneOutError(rows, absResidual, mask));
}

/** Rows [1, σ, similarity] of the design matrix. */
function designRows(sigma: Numbers, similarity: Numbers): number[][] {
  return Array.from({ length: sigma.length }, (_, i) => [1, sigma[i]!, similarity[i]!]);
}

export function fitLossModel(absResidual: Numbers, sigma: Numbers, similarity: Numbers): LossModel {
  const fn = 'fitLossModel';
  requireSameLength(fn, ['absResidual', 'sigma', 'similarity'], [absResidual, sigma, similarity]);
  requireFinite(fn, 'absResidual', absResidual);
  requireFinite(fn, 'sigma', sigma);
  requireFinite(fn, 'similarity', similarity);
  const n = absResidual.length;
  if (n < 3) throw new RangeError(`${fn}: ${n} calibration compounds; at least 3 are needed`);
  const press = lossModelPress(absResidual, sigma, similarity);
  // Simplest first; a richer set must predict left-out residuals strictly better.
  let chosen = 0;
  for (let k = 1; k < FEATURE_SETS.length; k++) if (press[k]! < press[chosen]! * (1 - 1e-12)) chosen = k;
  const mask = FEATURE_SETS[chosen]!;
  const b = solve3(normalEquations(designRows(sigma, similarity), absResidual, mask));
  let mae = 0;
  for (let i = 0; i < n; i++) mae += absResidual[i]!;
  const features = (['sigma', 'similarity'] as const).filter((_, f) => mask[f + 1] === 1 && b[f + 1] !== 0);
  return { coefficients: b, features, n, calibrationMae: mae / n };
}

/** X'X | X'y (3 × 4, augmented) over the rows, features outside `mask` zeroed (solve3 then gives them 0). */
function normalEquations(rows: number[][], y: Numbers, mask: number[]): number[][] {
  const a = [
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 0],
  ];
  for (let i = 0; i < rows.length; i++) addRow(a, rows[i]!, y[i]!, mask, 1);
  return a;
}

function addRow(a: number[][], row: number[], y: number, mask: number[], sign: 1 | -1): void {
  for (let r = 0; r < 3; r++) {
    const xr = row[r]! * mask[r]!;
    for (let c = 0; c < 3; c++) a[r]![c]! += sign * xr * row[c]! * mask[c]!;
    a[r]![3]! += sign * xr * y;
  }
}

/** Σ (y_i − ŷ_i)² with each ŷ_i from the fit without compound i (PRESS): the full system with row i taken out. */
function leaveOneOutError(rows: number[][], y: Numbers, mask: number[]): number {
  const full = normalEquations(rows, y, mask);
  let press = 0;
  for (let i = 0; i < rows.length; i++) {
    const a = full.map((r) => r.slice());
    addRow(a, rows[i]!, y[i]!, mask, -1);
    const b = solve3(a);
    const e = y[i]! - (b[0] * rows[i]![0]! * mask[0]! + b[1] * rows[i]![1]! * mask[1]! + b[2] * rows[i]![2]! * mask[2]!);
    press += e * e;
  }
  return press;
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
