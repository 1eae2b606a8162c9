import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { yamlToJs } from '../core/yaml-file.js';
import { yamlLineLocator } from '../core/yaml-file.js';
import { RotguardError } from '../core/errors.js';
import { hashOf } from '../core/hash.js';
import { ConditionSyntaxError, formatCondition, parseCondition, type Condition } from './conditions.js';
import { MATURITY_CHECKS, type MaturityGate } from './maturity.js';

/**
 * A policy: thresholds agreed in advance, as YAML, that turn window evidence into an
 * action. Example:
 *
 *   policy: sol-monitoring
 *   model: sol-rf                            # the model the policy governs, or instead:
 *   # applies_to: { endpoint: solubility, team: adme, models: "sol-*" }   # every model matching all given fields
 *   rules:
 *     - name: performance_decay
 *       when: performance.maeRatio > 1.3     # see conditions.ts for the grammar
 *       sustained: { k: 2, n: 3 }            # true in at least k of the last n windows (default 1 of 1)
 *       action: retrain                      # watch | freeze | retrain
 *   maturity:                                # required when a rule can retrain
 *     min_new_labels: 50
 *     min_labels_on_new_chemistry: 20
 *     min_label_age_spread_days: 14
 *     single_protocol_version: true
 *
 * The normalized policy (conditions re-printed canonically, defaults filled in) is
 * hashed; every decision stores that hash, so what was agreed can be shown later.
 */
export type Action = 'continue' | 'watch' | 'freeze' | 'retrain';
export type RuleAction = Exclude<Action, 'continue'>;
export const RULE_ACTIONS: readonly RuleAction[] = ['watch', 'freeze', 'retrain'];

export interface PolicyRule {
  name: string;
  /** The condition's canonical text. */
  when: string;
  condition: Condition;
  sustained: { k: number; n: number };
  action: RuleAction;
}

/** Which models a policy governs: all of the given fields must match (models: a name pattern, * for any run of characters). */
export interface PolicyScope {
  endpoint?: string;
  team?: string;
  models?: string;
}

export interface Policy {
  name: string;
  /** The one model the policy governs (`model:`), or null when it applies to a scope (`applies_to:`). */
  model: string | null;
  appliesTo: PolicyScope | null;
  rules: PolicyRule[];
  maturity: MaturityGate | null;
  /** sha256 of the canonical JSON of policyDocument(policy). */
  hash: string;
}

/** Longest sustained window: a year of weekly windows is already a long memory. */
export const MAX_SUSTAINED_N = 52;

const NAME = /^[a-z][a-z0-9_-]{0,63}$/;
const TOP_KEYS = ['policy', 'model', 'applies_to', 'rules', 'maturity'];
const RULE_KEYS = ['name', 'when', 'sustained', 'action'];

type FieldPath = Array<string | number>;
/** Finds the source line of a field, for error messages (undefined when not known). */
export type LineLocator = (path: FieldPath) => number | undefined;

export function readPolicyFile(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RotguardError('file_not_found', `cannot read policy ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`, { file: path });
  }
  return parsePolicy(text, path);
}

/** Parses policy YAML text; errors name the file, the line and the field. */
export function parsePolicy(text: string, file?: string): Policy {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const err = doc.errors[0];
  if (err) {
    throw new RotguardError('bad_yaml', `policy is not valid YAML: ${err.message.split('\n')[0]}`, { file, line: err.linePos?.[0]?.line });
  }
  const locate: LineLocator = yamlLineLocator(doc, lines);
  return validatePolicy(yamlToJs(doc, 'policy', file), file, locate);
}

/** Checks and normalizes a parsed policy document. */
export function validatePolicy(doc: unknown, file?: string, locate: LineLocator = () => undefined): Policy {
  const fail = (path: FieldPath, message: string): never => {
    const field = path.length ? path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${p}` : p)).join('') : undefined;
    throw new RotguardError('bad_policy', message, { file, line: locate(path), field });
  };
  const mapping = (v: unknown, path: FieldPath, what: string): Record<string, unknown> => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) fail(path, `${what} must be a mapping`);
    return v as Record<string, unknown>;
  };
  const onlyKeys = (o: Record<string, unknown>, path: FieldPath, keys: readonly string[]) => {
    for (const k of Object.keys(o)) if (!keys.includes(k)) fail([...path, k], `unknown field "${k}" (expected ${keys.join(', ')})`);
  };
  const name = (v: unknown, path: FieldPath, what: string): string => {
    if (v === undefined || v === null) fail(path, `${what} is required`);
    if (typeof v !== 'string' || !NAME.test(v)) fail(path, `${what} must be a lower-case name (letters, digits, - and _), got ${JSON.stringify(v)}`);
    return v as string;
  };

  const d = mapping(doc, [], 'a policy');
  onlyKeys(d, [], TOP_KEYS);
  const policyName = name(d.policy, ['policy'], 'policy');
  let model: string | null = null;
  let appliesTo: PolicyScope | null = null;
  if (d.model !== undefined && d.applies_to !== undefined)
    fail(['applies_to'], 'give either model (one model) or applies_to (endpoint, team, models pattern), not both');
  if (d.applies_to !== undefined) {
    const a = mapping(d.applies_to, ['applies_to'], 'applies_to ({ endpoint, team, models })');
    onlyKeys(a, ['applies_to'], ['endpoint', 'team', 'models']);
    appliesTo = {};
    for (const key of ['endpoint', 'team'] as const) if (a[key] !== undefined) appliesTo[key] = name(a[key], ['applies_to', key], `applies_to.${key}`);
    if (a.models !== undefined) {
      if (typeof a.models !== 'string' || !/^[a-z0-9*][a-z0-9_*-]{0,63}$/.test(a.models))
        fail(
          ['applies_to', 'models'],
          `applies_to.models must be a model name pattern (lower-case letters, digits, -, _ and *), got ${JSON.stringify(a.models)}`,
        );
      appliesTo.models = a.models as string;
    }
    if (!Object.keys(appliesTo).length) fail(['applies_to'], 'applies_to names no endpoint, team or models pattern: it would govern every model; say which');
  } else {
    model = name(d.model, ['model'], 'model (the registry name the policy governs)');
  }
  if (!Array.isArray(d.rules) || d.rules.length === 0) fail(['rules'], 'rules must be a list of at least one rule (name, when, sustained, action)');

  const seen = new Set<string>();
  const rules = (d.rules as unknown[]).map((raw, i): PolicyRule => {
    const at = (...rest: FieldPath): FieldPath => ['rules', i, ...rest];
    const r = mapping(raw, at(), `rules[${i}]`);
    onlyKeys(r, at(), RULE_KEYS);
    const ruleName = name(r.name, at('name'), `rules[${i}].name`);
    if (seen.has(ruleName)) fail(at('name'), `two rules are named "${ruleName}"; rule names must be unique`);
    seen.add(ruleName);

    if (typeof r.when !== 'string')
      fail(at('when'), `rule ${ruleName}: when must be a condition such as "performance.maeRatio > 1.3", got ${JSON.stringify(r.when)}`);
    let condition: Condition;
    try {
      condition = parseCondition(r.when as string);
    } catch (e) {
      if (e instanceof ConditionSyntaxError) fail(at('when'), `rule ${ruleName}: condition "${r.when}" ${e.message}`);
      throw e;
    }

    let k = 1;
    let n = 1;
    if (r.sustained !== undefined) {
      const s = mapping(r.sustained, at('sustained'), `rule ${ruleName}: sustained ({ k, n })`);
      onlyKeys(s, at('sustained'), ['k', 'n']);
      const int = (v: unknown, key: 'k' | 'n') => {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_SUSTAINED_N) {
          fail(
            at('sustained', key),
            `rule ${ruleName}: sustained.${key} must be a whole number of windows from 1 to ${MAX_SUSTAINED_N}, got ${JSON.stringify(v)}`,
          );
        }
        return v as number;
      };
      k = int(s.k, 'k');
      n = int(s.n, 'n');
      if (k > n)
        fail(
          at('sustained', 'k'),
          `rule ${ruleName}: sustained.k (${k}) cannot exceed sustained.n (${n}): a condition cannot hold in more windows than are looked at`,
        );
    }

    if (!RULE_ACTIONS.includes(r.action as RuleAction)) {
      fail(at('action'), `rule ${ruleName}: action must be one of ${RULE_ACTIONS.join(', ')}, got ${JSON.stringify(r.action)}`);
    }
    return { name: ruleName, when: formatCondition(condition!), condition: condition!, sustained: { k, n }, action: r.action as RuleAction };
  });

  let maturity: MaturityGate | null = null;
  if (d.maturity !== undefined && d.maturity !== null) {
    const m = mapping(d.maturity, ['maturity'], 'maturity');
    onlyKeys(
      m,
      ['maturity'],
      MATURITY_CHECKS.map((c) => c.key),
    );
    const gate: MaturityGate = {};
    for (const c of MATURITY_CHECKS) {
      const v = m[c.key];
      if (v === undefined) continue;
      if (c.kind === 'flag') {
        if (typeof v !== 'boolean') fail(['maturity', c.key], `maturity.${c.key} must be true or false, got ${JSON.stringify(v)}`);
        if (v) gate.singleProtocolVersion = true; // false checks nothing: normalized away
      } else {
        const ok = typeof v === 'number' && Number.isFinite(v) && v >= 0 && (c.kind === 'days' || Number.isInteger(v));
        if (!ok)
          fail(['maturity', c.key], `maturity.${c.key} must be a ${c.kind === 'count' ? 'whole number' : 'number of days'} ≥ 0, got ${JSON.stringify(v)}`);
        gate[c.field] = v as number;
      }
    }
    if (Object.keys(gate).length === 0) fail(['maturity'], `maturity sets no check; give at least one of ${MATURITY_CHECKS.map((c) => c.key).join(', ')}`);
    maturity = gate;
  }
  const retrainRule = rules.find((r) => r.action === 'retrain');
  if (retrainRule && !maturity) {
    fail(['maturity'], `rule ${retrainRule.name} can retrain, so the policy needs a maturity gate (e.g. min_new_labels) agreed in advance`);
  }

  const policy: Policy = { name: policyName, model, appliesTo, rules, maturity, hash: '' };
  policy.hash = hashOf(policyDocument(policy));
  return policy;
}

/**
 * The normalized policy in the file's own vocabulary: what is hashed, and what a report
 * shows as "the policy that was agreed". Key order and whitespace of the source do not
 * matter; rule order does (it is the order decisions list rules in).
 */
export function policyDocument(p: Policy): Record<string, unknown> {
  const maturity: Record<string, number | boolean> = {};
  if (p.maturity) for (const c of MATURITY_CHECKS) if (p.maturity[c.field] !== undefined) maturity[c.key] = p.maturity[c.field]!;
  return {
    policy: p.name,
    // A single-model policy hashes exactly as before applies_to existed.
    ...(p.model !== null ? { model: p.model } : { applies_to: { ...p.appliesTo } }),
    rules: p.rules.map((r) => ({ name: r.name, when: r.when, sustained: { k: r.sustained.k, n: r.sustained.n }, action: r.action })),
    maturity: p.maturity ? maturity : null,
  };
}

/** Whether the policy governs a model (its registry name, endpoint and owning team). */
export function policyGoverns(p: Policy, m: { model: string; endpoint: string; team: string }): boolean {
  if (p.model !== null) return m.model === p.model;
  const a = p.appliesTo!;
  if (a.endpoint !== undefined && a.endpoint !== m.endpoint) return false;
  if (a.team !== undefined && a.team !== m.team) return false;
  if (
    a.models !== undefined &&
    !new RegExp(
      `^${a.models
        .split('*')
        .map((x) => x.replace(/[.+?^${}()|[\]\\-]/g, '\\$&'))
        .join('.*')}$`,
    ).test(m.model)
  )
    return false;
  return true;
}

/** What the policy governs, in words. */
export function describeScope(p: Policy): string {
  if (p.model !== null) return `model ${p.model}`;
  const a = p.appliesTo!;
  return [
    a.models !== undefined ? `models ${a.models}` : 'every model',
    a.endpoint !== undefined ? `of endpoint ${a.endpoint}` : '',
    a.team !== undefined ? `of team ${a.team}` : '',
  ]
    .filter(Boolean)
    .join(' ');
}
