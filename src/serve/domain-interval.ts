import type { ValidationReport } from '../validate/report.js';

/**
 * The conformal interval a served prediction gets: conditional on its applicability-domain
 * band (nearest training Tanimoto) when the validation calibrated one per band (Mondrian),
 * so intervals widen out of domain; the single calibrated quantile otherwise (older
 * versions, imported models, no training set to measure similarity against).
 */
export interface ServingInterval {
  level: number;
  q: number;
  normalized: boolean;
  bands: Array<{ from: number; to: number; q: number }> | null;
}

export function domainBands(report: ValidationReport, level: number): ServingInterval['bands'] {
  const row = report.conformalByBand?.find((c) => Math.abs(c.level - level) < 1e-9);
  // A band whose quantile is unbounded (too few calibration compounds) would serve (−∞, ∞): keep the global q then.
  if (!row || row.bands.some((b) => b.q === null || !Number.isFinite(b.q))) return null;
  return row.bands.map((b) => ({ from: b.from, to: b.to, q: b.q }));
}

export function intervalHalfWidth(interval: ServingInterval, sigma: number, similarity: number | null): number {
  const q = interval.bands && similarity !== null ? interval.bands[bandIndex(interval.bands, similarity)]!.q : interval.q;
  return q * (interval.normalized ? sigma : 1);
}

/** The band holding a similarity: [from, to), the last band closed (as stats/conformal-mondrian.ts calibrated them). */
function bandIndex(bands: ReadonlyArray<{ to: number }>, s: number): number {
  for (let b = 0; b < bands.length - 1; b++) if (s < bands[b]!.to) return b;
  return bands.length - 1;
}
