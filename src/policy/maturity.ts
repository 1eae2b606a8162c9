import type { WindowEvidence } from '../monitor/evidence.js';

/**
 * The data-maturity gate a triggered retrain must pass. Retraining on too few labels,
 * on labels that say nothing about the new chemistry, on a few days of one campaign, or
 * on labels from two protocol versions mixed, replaces a decaying model with a worse or
 * a confounded one; then the right action is to keep watching until the data matures.
 *
 * Checks read the current window's label evidence (which counts everything reported
 * since the model's training cut-off, so it grows window by window).
 */
export interface MaturityGate {
  minNewLabels?: number;
  minLabelsOnNewChemistry?: number;
  minLabelAgeSpreadDays?: number;
  /** True: every new label must come from one protocol version. */
  singleProtocolVersion?: boolean;
}

export interface MaturityCheck {
  /** The check's name as written in the policy file. */
  check: string;
  /** The measured value (null: not measurable, which fails the check). */
  value: number | null;
  threshold: number;
  /** How value is compared with threshold to pass. */
  comparison: '>=' | '<=';
  passed: boolean;
  /** What the value means, in words, for the decision's reason. */
  describe: string;
}

export interface MaturityResult {
  passed: boolean;
  checks: MaturityCheck[];
}

/** Each check: its policy-file key, its field in MaturityGate, and what it measures. */
export const MATURITY_CHECKS = [
  { key: 'min_new_labels', field: 'minNewLabels', kind: 'count', what: 'new labels', read: (e: WindowEvidence) => e.labels.newLabels },
  {
    key: 'min_labels_on_new_chemistry',
    field: 'minLabelsOnNewChemistry',
    kind: 'count',
    what: 'new labels on new chemistry',
    read: (e: WindowEvidence) => e.labels.newLabelsOnNewChemistry,
  },
  {
    key: 'min_label_age_spread_days',
    field: 'minLabelAgeSpreadDays',
    kind: 'days',
    what: 'days between the earliest and latest new label',
    read: (e: WindowEvidence) => e.labels.labelAgeSpreadDays,
  },
  {
    key: 'single_protocol_version',
    field: 'singleProtocolVersion',
    kind: 'flag',
    what: 'protocol versions among the new labels',
    read: (e: WindowEvidence) => e.labels.protocolVersions.length,
  },
] as const satisfies ReadonlyArray<{
  key: string;
  field: keyof MaturityGate;
  kind: 'count' | 'days' | 'flag';
  what: string;
  read: (e: WindowEvidence) => number | null;
}>;

/** Evaluates the gate on the current window; only the checks the policy sets are run. */
export function checkMaturity(gate: MaturityGate, evidence: WindowEvidence): MaturityResult {
  const checks: MaturityCheck[] = [];
  for (const c of MATURITY_CHECKS) {
    const setting = gate[c.field];
    if (setting === undefined || setting === false) continue;
    const raw = c.read(evidence);
    const value = typeof raw === 'number' && Number.isFinite(raw) ? raw : null;
    if (c.kind === 'flag') {
      const versions = evidence.labels.protocolVersions;
      const passed = value !== null && value <= 1;
      checks.push({
        check: c.key,
        value,
        threshold: 1,
        comparison: '<=',
        passed,
        describe: `${value ?? 'unknown'} ${c.what}${versions.length ? ` (${versions.join(', ')})` : ''}, at most 1 allowed`,
      });
    } else {
      const threshold = setting as number;
      const passed = value !== null && value >= threshold;
      checks.push({
        check: c.key,
        value,
        threshold,
        comparison: '>=',
        passed,
        describe: `${value === null ? 'not measurable:' : value} ${c.what}, at least ${threshold} needed`,
      });
    }
  }
  return { passed: checks.every((c) => c.passed), checks };
}
