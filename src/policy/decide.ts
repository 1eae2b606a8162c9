import { RotguardError } from '../core/errors.js';
import type { WindowEvidence } from '../monitor/evidence.js';
import { evaluateCondition } from './conditions.js';
import type { EvidencePath } from './evidence-paths.js';
import { checkMaturity, type MaturityResult } from './maturity.js';
import { describeScope, type Action, type Policy, type PolicyRule, type RuleAction } from './policy-file.js';

/**
 * decide(): the action a policy takes on a window, from the thresholds in the policy and
 * nothing else. Pure and deterministic: the same policy and history always give the same
 * decision, so a stored decision can be re-derived from its policy hash and evidence.
 *
 * Precedence: freeze > retrain > watch > continue. Freeze beats retrain because a
 * confirmed assay shift answered with a retrain would train the shift into the model.
 * A retrain whose data-maturity gate fails is deferred: the decision is watch.
 */
export interface WindowTrail {
  window: string;
  end: string;
  holds: boolean;
  /** Value of each path the rule reads in this window (null: not measurable). */
  values: Partial<Record<EvidencePath, number | boolean | null>>;
  unmeasurable: EvidencePath[];
}

export interface RuleOutcome {
  rule: string;
  action: RuleAction;
  when: string;
  k: number;
  n: number;
  /** Windows looked at: n, or fewer while the history is shorter. */
  windowsSeen: number;
  windowsTrue: number;
  triggered: boolean;
  /** The last windowsSeen windows, oldest first. */
  windows: WindowTrail[];
}

export interface Decision {
  policy: string;
  policyHash: string;
  model: string;
  window: WindowEvidence['window'];
  action: Action;
  /** The rules that fired, in policy order (a subset of `rules`). */
  triggered: RuleOutcome[];
  /** Every rule's outcome, in policy order: the evidence trail. */
  rules: RuleOutcome[];
  /** The maturity gate, evaluated when a retrain rule fired; null otherwise. */
  maturity: MaturityResult | null;
  /** True when a retrain fired but the maturity gate failed (the action is then watch). */
  retrainDeferred: boolean;
  reason: string;
  /** The current window's evidence, as decided on. */
  evidence: WindowEvidence;
}

/** Evidence is for model NAME or a version of it (NAME@N). A scoped policy (applies_to) is matched by its caller, who knows the model's endpoint and team. */
function governs(policy: Policy, model: string): boolean {
  if (policy.model === null) return true;
  return model === policy.model || model.startsWith(`${policy.model}@`);
}

/** One rule over the last n windows of the history. */
export function evaluateRule(rule: PolicyRule, history: readonly WindowEvidence[]): RuleOutcome {
  const recent = history.slice(Math.max(0, history.length - rule.sustained.n));
  const windows = recent.map((e): WindowTrail => {
    const r = evaluateCondition(rule.condition, e);
    return { window: e.window.label, end: e.window.end, holds: r.holds, values: r.values, unmeasurable: r.unmeasurable };
  });
  const windowsTrue = windows.filter((w) => w.holds).length;
  // Fewer than n windows of history: count what there is; k true windows are still needed.
  const triggered = windowsTrue >= rule.sustained.k;
  return {
    rule: rule.name,
    action: rule.action,
    when: rule.when,
    k: rule.sustained.k,
    n: rule.sustained.n,
    windowsSeen: windows.length,
    windowsTrue,
    triggered,
    windows,
  };
}

function checkHistory(policy: Policy, history: readonly WindowEvidence[]): WindowEvidence {
  const current = history[history.length - 1];
  if (!current) throw new RotguardError('no_evidence', 'a decision needs at least one window of evidence (the current window last)');
  for (const [i, e] of history.entries()) {
    if (!governs(policy, e.model)) {
      throw new RotguardError(
        'policy_model_mismatch',
        `policy ${policy.name} governs ${describeScope(policy)}, but window ${e.window.label} is evidence for ${e.model}`,
        { field: `history[${i}].model` },
      );
    }
    if (e.model !== current.model) {
      throw new RotguardError(
        'history_mixed_models',
        `window ${e.window.label} is evidence for ${e.model} but the current window is for ${current.model}; sustained rules count windows of one model version`,
        { field: `history[${i}].model` },
      );
    }
    const prev = history[i - 1];
    // Equal ends are allowed: overlapping prediction requests (per-request windows) can finish in the same millisecond.
    if (prev && Date.parse(prev.window.end) > Date.parse(e.window.end)) {
      throw new RotguardError(
        'history_out_of_order',
        `windows must be oldest first (by their end): ${prev.window.label} (end ${prev.window.end}) comes before ${e.window.label} (end ${e.window.end})`,
        { field: `history[${i}].window.end` },
      );
    }
  }
  return current;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function describeRule(o: RuleOutcome): string {
  const needs = o.n === 1 ? '' : `; needs ${o.k} of ${o.n}`;
  return `${o.rule} (${o.when}: true in ${o.windowsTrue} of the last ${plural(o.windowsSeen, 'window')}${needs})`;
}

function list(outcomes: RuleOutcome[]): string {
  return outcomes.map(describeRule).join('; ');
}

export function decide(policy: Policy, history: readonly WindowEvidence[]): Decision {
  const current = checkHistory(policy, history);
  const rules = policy.rules.map((r) => evaluateRule(r, history));
  const triggered = rules.filter((o) => o.triggered);
  const fired = (a: RuleAction) => triggered.filter((o) => o.action === a);
  const freeze = fired('freeze');
  const retrain = fired('retrain');
  const watch = fired('watch');

  // The gate is evaluated whenever a retrain fired, even under a freeze, so the trail
  // shows whether the data would have been ready.
  const maturity = retrain.length && policy.maturity ? checkMaturity(policy.maturity, current) : null;
  const matured = maturity?.passed ?? false;

  let action: Action;
  let reason: string;
  let retrainDeferred = false;
  if (freeze.length) {
    action = 'freeze';
    reason = `freeze: ${list(freeze)}.`;
    if (retrain.length) {
      reason += ` Freeze takes precedence over the retrain also triggered by ${retrain.map((o) => o.rule).join(', ')}: retraining on labels from a shifted assay would build the shift into the model; resolve the assay change first.`;
    }
  } else if (retrain.length && matured) {
    action = 'retrain';
    reason = `retrain: ${list(retrain)}; the data-maturity gate passed (${maturity!.checks.map((c) => c.describe).join('; ')}).`;
  } else if (retrain.length) {
    action = 'watch';
    retrainDeferred = true;
    const failed = maturity ? maturity.checks.filter((c) => !c.passed) : [];
    reason = `watch: retrain deferred until the data matures. ${list(retrain)} triggered a retrain, but the data-maturity gate failed: ${failed.map((c) => `${c.check} (${c.describe})`).join('; ')}.`;
    if (watch.length) reason += ` Also watching: ${list(watch)}.`;
  } else if (watch.length) {
    action = 'watch';
    reason = `watch: ${list(watch)}.`;
  } else {
    action = 'continue';
    reason = `continue: no rule triggered in window ${current.window.label}.`;
  }
  if (action !== 'continue' && action !== 'watch' && watch.length) reason += ` Also watching: ${list(watch)}.`;

  // "Continue" with a rule that could not be measured is not the same as all clear: say so.
  const last = (o: RuleOutcome) => o.windows[o.windows.length - 1]!;
  const blind = rules.filter((o) => !o.triggered && last(o).unmeasurable.length);
  if (blind.length) {
    reason += ` Not measurable in this window: ${blind.map((o) => `${o.rule} (${last(o).unmeasurable.join(', ')} is null)`).join('; ')}.`;
  }

  return {
    policy: policy.name,
    policyHash: policy.hash,
    model: current.model,
    window: { ...current.window },
    action,
    triggered,
    rules,
    maturity,
    retrainDeferred,
    reason,
    evidence: structuredClone(current),
  };
}
