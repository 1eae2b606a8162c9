/**
 * Decoders for what the policy layer stores: a decision (in the decision event's payload,
 * with the evidence it was decided on). Pure: core, the evidence-path list and monitor's
 * evidence decoder.
 */
import { d, ShapeError, type Decoder } from '../core/decode.js';
import { windowEvidenceDecoder } from '../monitor/decoders.js';
import type { Decision, RuleOutcome, WindowTrail } from './decide.js';
import { isEvidencePath, type EvidencePath } from './evidence-paths.js';
import type { MaturityResult } from './maturity.js';

const evidencePath: Decoder<EvidencePath> = (v) => {
  if (typeof v !== 'string' || !isEvidencePath(v)) throw new ShapeError('an evidence path (see policy/evidence-paths.ts)', v);
  return v;
};

const trail: Decoder<WindowTrail> = d.object({
  window: d.string,
  end: d.string,
  holds: d.boolean,
  values: d.record(d.nullable(d.oneOf('a number or a boolean', d.reportNumber, d.boolean))),
  unmeasurable: d.array(evidencePath),
});

const ruleAction = d.literal('watch', 'freeze', 'retrain');

const outcome: Decoder<RuleOutcome> = d.object({
  rule: d.string,
  action: ruleAction,
  when: d.string,
  k: d.integer,
  n: d.integer,
  windowsSeen: d.integer,
  windowsTrue: d.integer,
  triggered: d.boolean,
  windows: d.array(trail),
});

const maturity: Decoder<MaturityResult> = d.object({
  passed: d.boolean,
  checks: d.array(
    d.object({
      check: d.string,
      value: d.nullable(d.reportNumber),
      threshold: d.number,
      comparison: d.literal('>=', '<='),
      passed: d.boolean,
      describe: d.string,
    }),
  ),
});

export const decisionDecoder: Decoder<Decision> = d.object({
  policy: d.string,
  policyHash: d.sha256,
  model: d.string,
  window: d.object({ label: d.string, start: d.string, end: d.string }),
  action: d.literal('continue', 'watch', 'freeze', 'retrain'),
  triggered: d.array(outcome),
  rules: d.array(outcome),
  maturity: d.nullable(maturity),
  retrainDeferred: d.boolean,
  reason: d.string,
  evidence: windowEvidenceDecoder,
});
