import { RotguardError } from '../core/errors.js';
import type { ValidationReport } from './report.js';

/**
 * An endpoint's release gate, shared by every team: thresholds a model version's
 * validation report must meet before it may become champion. Only the thresholds given
 * are checked; a scaffold split is required unless the gate says otherwise.
 */
export interface GateThresholds {
  minTestSize: number;
  requireSplit?: 'scaffold' | 'time' | 'any';
  maxRmse?: number;
  maxMae?: number;
  minR2?: number;
  minSpearman?: number;
  minAuroc?: number;
  minAuprc?: number;
  /** Conformal interval coverage at `level` on the test set must be at least `min`. */
  coverage?: { level: number; min: number };
}

export interface GateCheck {
  check: string;
  value: number | string | null;
  threshold: number | string;
  passed: boolean;
}

export interface GateResult {
  passed: boolean;
  checks: GateCheck[];
}

const KEYS = ['minTestSize', 'requireSplit', 'maxRmse', 'maxMae', 'minR2', 'minSpearman', 'minAuroc', 'minAuprc', 'coverage'];

export function validateGate(doc: unknown): GateThresholds {
  const fail = (field: string, m: string): never => {
    throw new RotguardError('bad_gate', m, { field });
  };
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) fail('(top)', 'a gate is a mapping of thresholds');
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) if (!KEYS.includes(k)) fail(k, `unknown threshold "${k}" (known: ${KEYS.join(', ')})`);
  const num = (k: string) => {
    const v = d[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(k, `${k} must be a number`);
    return v as number;
  };
  const g: GateThresholds = { minTestSize: num('minTestSize') ?? 50 };
  if (!Number.isInteger(g.minTestSize) || g.minTestSize < 1) fail('minTestSize', 'minTestSize must be a positive integer');
  if (d.requireSplit !== undefined) {
    if (!['scaffold', 'time', 'any'].includes(d.requireSplit as string)) fail('requireSplit', 'requireSplit must be scaffold, time or any');
    g.requireSplit = d.requireSplit as GateThresholds['requireSplit'];
  }
  for (const k of ['maxRmse', 'maxMae', 'minR2', 'minSpearman', 'minAuroc', 'minAuprc'] as const) {
    const v = num(k);
    if (v !== undefined) g[k] = v;
  }
  if (d.coverage !== undefined) {
    const c = d.coverage as Record<string, unknown>;
    if (!c || typeof c.level !== 'number' || typeof c.min !== 'number' || c.level <= 0 || c.level >= 1 || c.min <= 0 || c.min > 1) {
      fail('coverage', 'coverage must be { level: 0–1, min: 0–1 }');
    }
    g.coverage = { level: c.level as number, min: c.min as number };
  }
  return g;
}

export function evaluateGate(report: ValidationReport, gate: GateThresholds): GateResult {
  const checks: GateCheck[] = [];
  const add = (check: string, value: number | string | null, threshold: number | string, passed: boolean) => checks.push({ check, value, threshold, passed });
  const m = report.test as unknown as Record<string, number>;
  const n = report.split.sizes.test;
  add('test set size', n, `≥ ${gate.minTestSize}`, n >= gate.minTestSize);
  const split = gate.requireSplit ?? 'scaffold';
  if (split !== 'any') add('split method', report.split.method, split, report.split.method === split);
  const metric = (check: string, key: string, bound: number | undefined, higherIsBetter: boolean) => {
    if (bound === undefined) return;
    const v = m[key];
    const ok = typeof v === 'number' && Number.isFinite(v) && (higherIsBetter ? v >= bound : v <= bound);
    add(check, typeof v === 'number' ? v : null, `${higherIsBetter ? '≥' : '≤'} ${bound}`, ok);
  };
  metric('test RMSE', 'rmse', gate.maxRmse, false);
  metric('test MAE', 'mae', gate.maxMae, false);
  metric('test R²', 'r2', gate.minR2, true);
  metric('test Spearman', 'spearman', gate.minSpearman, true);
  metric('test AUROC', 'auroc', gate.minAuroc, true);
  metric('test AUPRC', 'averagePrecision', gate.minAuprc, true);
  if (gate.coverage) {
    const row = report.conformal?.find((r) => Math.abs(r.level - gate.coverage!.level) < 1e-9);
    add(`interval coverage at ${gate.coverage.level}`, row ? row.coverage : null, `≥ ${gate.coverage.min}`, Boolean(row && row.coverage >= gate.coverage.min));
  }
  return { passed: checks.every((c) => c.passed), checks };
}
