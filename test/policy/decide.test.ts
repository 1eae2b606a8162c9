import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RotguardError } from '../../src/core/errors.js';
import { decide } from '../../src/policy/decide.js';
import { parsePolicy } from '../../src/policy/policy-file.js';
import { DECAY, examplePolicy, history, NEW_CHEMISTRY, SHIFT, STABLE, windowEvidence } from './evidence.js';

const policy = examplePolicy();
const fired = (d: ReturnType<typeof decide>) => d.triggered.map((t) => t.rule);

describe('decide: each action', () => {
  it('continues when no rule holds, storing the policy hash, the window and the evidence', () => {
    const h = history(STABLE, STABLE, STABLE);
    const d = decide(policy, h);
    assert.equal(d.action, 'continue');
    assert.equal(d.policyHash, policy.hash);
    assert.equal(d.policy, 'sol-monitoring');
    assert.equal(d.model, 'sol-rf@3');
    assert.deepEqual(d.window, h[2]!.window);
    assert.deepEqual(d.evidence, h[2]);
    assert.deepEqual(d.triggered, []);
    assert.equal(d.maturity, null);
    assert.equal(d.retrainDeferred, false);
    assert.equal(d.rules.length, 3);
    assert.equal(d.reason, 'continue: no rule triggered in window 2024-W03.');
  });

  it('watches when new chemistry holds in 2 of the last 3 windows', () => {
    const d = decide(policy, history(STABLE, NEW_CHEMISTRY, NEW_CHEMISTRY));
    assert.equal(d.action, 'watch');
    assert.deepEqual(fired(d), ['new_chemistry']);
    assert.equal(d.maturity, null, 'the gate is only evaluated for a retrain');
    assert.equal(d.reason, 'watch: new_chemistry (input.unseenScaffoldShare > 0.3: true in 2 of the last 3 windows; needs 2 of 3).');
  });

  it('retrains when performance decays in 2 of 3 windows and the data is mature', () => {
    const d = decide(policy, history(DECAY, STABLE, DECAY));
    assert.equal(d.action, 'retrain');
    assert.deepEqual(fired(d), ['performance_decay']);
    assert.equal(d.maturity?.passed, true);
    assert.deepEqual(
      d.maturity?.checks.map((c) => [c.check, c.value, c.comparison, c.threshold, c.passed]),
      [
        ['min_new_labels', 120, '>=', 50, true],
        ['min_labels_on_new_chemistry', 35, '>=', 20, true],
        ['min_label_age_spread_days', 60, '>=', 14, true],
        ['single_protocol_version', 1, '<=', 1, true],
      ],
    );
    assert.match(
      d.reason,
      /^retrain: performance_decay \(performance\.maeRatio > 1\.3: true in 2 of the last 3 windows; needs 2 of 3\); the data-maturity gate passed/,
    );
  });

  it('freezes on a confirmed assay shift in the current window (sustained 1 of 1)', () => {
    const d = decide(policy, history(STABLE, STABLE, SHIFT));
    assert.equal(d.action, 'freeze');
    assert.deepEqual(fired(d), ['assay_shift']);
    assert.equal(d.reason, 'freeze: assay_shift (assay.confirmedShift == true: true in 1 of the last 1 window).');
    assert.equal(decide(policy, history(SHIFT, STABLE, STABLE)).action, 'continue', 'a 1-of-1 rule looks at the current window only');
  });

  it('records, per triggered rule, the action, k of n and the values in every window it looked at', () => {
    const d = decide(policy, history(STABLE, { performance: { maeRatio: 1.4 } }, { performance: { maeRatio: 1.6 } }, { performance: { maeRatio: 1.2 } }));
    const t = d.triggered[0]!;
    assert.deepEqual(
      { rule: t.rule, action: t.action, k: t.k, n: t.n, windowsSeen: t.windowsSeen, windowsTrue: t.windowsTrue },
      { rule: 'performance_decay', action: 'retrain', k: 2, n: 3, windowsSeen: 3, windowsTrue: 2 },
    );
    assert.deepEqual(
      t.windows.map((w) => [w.window, w.holds, w.values['performance.maeRatio']]),
      [
        ['2024-W02', true, 1.4],
        ['2024-W03', true, 1.6],
        ['2024-W04', false, 1.2],
      ],
    );
  });
});

describe('decide: sustained k of n', () => {
  it('does not trigger on 1 of 3 windows with k = 2, wherever the window is', () => {
    for (const h of [history(DECAY, STABLE, STABLE), history(STABLE, DECAY, STABLE), history(STABLE, STABLE, DECAY)]) {
      const d = decide(policy, h);
      assert.equal(d.action, 'continue');
      assert.equal(d.rules[1]!.windowsTrue, 1);
    }
  });

  it('triggers on 2 of 3, consecutive or not, and on 3 of 3', () => {
    for (const h of [history(DECAY, DECAY, STABLE), history(DECAY, STABLE, DECAY), history(STABLE, DECAY, DECAY), history(DECAY, DECAY, DECAY)]) {
      assert.deepEqual(fired(decide(policy, h)), ['performance_decay']);
    }
  });

  it('looks only at the last n windows', () => {
    const d = decide(policy, history(DECAY, DECAY, STABLE, STABLE, DECAY));
    assert.equal(d.action, 'continue');
    assert.deepEqual(
      d.rules[1]!.windows.map((w) => w.window),
      ['2024-W03', '2024-W04', '2024-W05'],
    );
  });

  it('with fewer than n windows of history counts what there is: k true windows are still needed', () => {
    const one = decide(policy, history(DECAY));
    assert.equal(one.action, 'continue');
    assert.equal(one.rules[1]!.windowsSeen, 1);
    const two = decide(policy, history(DECAY, DECAY));
    assert.equal(two.action, 'retrain');
    assert.equal(two.triggered[0]!.windowsSeen, 2);
    assert.match(two.reason, /true in 2 of the last 2 windows; needs 2 of 3/);
    assert.equal(decide(policy, history(STABLE, DECAY)).action, 'continue');
  });
});

describe('decide: precedence freeze > retrain > watch > continue', () => {
  it('freezes over a retrain (and says why), still showing whether the data was mature', () => {
    const d = decide(policy, history(DECAY, { ...DECAY, ...NEW_CHEMISTRY }, { ...SHIFT, ...NEW_CHEMISTRY }));
    assert.equal(d.action, 'freeze');
    assert.deepEqual(fired(d), ['new_chemistry', 'performance_decay', 'assay_shift']);
    assert.equal(d.maturity?.passed, true);
    assert.match(
      d.reason,
      /Freeze takes precedence over the retrain also triggered by performance_decay: retraining on labels from a shifted assay would build the shift into the model/,
    );
    assert.match(d.reason, /Also watching: new_chemistry/);
  });

  it('retrains over a watch, and watches over continue', () => {
    const both = decide(policy, history({ ...DECAY, ...NEW_CHEMISTRY }, STABLE, { ...DECAY, ...NEW_CHEMISTRY }));
    assert.equal(both.action, 'retrain');
    assert.match(both.reason, /Also watching: new_chemistry/);
    assert.equal(decide(policy, history(NEW_CHEMISTRY, NEW_CHEMISTRY)).action, 'watch');
  });

  it('does not depend on the order of the rules in the policy', () => {
    const reversed = parsePolicy(`
policy: p
model: sol-rf
rules:
  - { name: assay_shift, when: assay.confirmedShift == true, action: freeze }
  - { name: performance_decay, when: performance.maeRatio > 1.3, action: retrain }
  - { name: new_chemistry, when: input.unseenScaffoldShare > 0.3, action: watch }
maturity: { min_new_labels: 1 }
`);
    const all = { ...SHIFT, ...DECAY, ...NEW_CHEMISTRY };
    assert.equal(decide(reversed, history(all)).action, 'freeze');
    assert.equal(decide(reversed, history({ ...DECAY, ...NEW_CHEMISTRY })).action, 'retrain');
  });
});

describe('decide: the data-maturity gate defers a retrain', () => {
  const decaying = (current: Parameters<typeof windowEvidence>[1]) => history(DECAY, STABLE, { ...DECAY, ...current });
  const cases: Array<[string, Parameters<typeof windowEvidence>[1], RegExp]> = [
    ['min_new_labels', { labels: { newLabels: 12 } }, /min_new_labels \(12 new labels, at least 50 needed\)/],
    [
      'min_labels_on_new_chemistry',
      { labels: { newLabelsOnNewChemistry: 3 } },
      /min_labels_on_new_chemistry \(3 new labels on new chemistry, at least 20 needed\)/,
    ],
    [
      'min_label_age_spread_days',
      { labels: { labelAgeSpreadDays: 5 } },
      /min_label_age_spread_days \(5 days between the earliest and latest new label, at least 14 needed\)/,
    ],
    [
      'single_protocol_version',
      { labels: { protocolVersions: ['sol-ph68@1', 'sol-ph68@2'] } },
      /single_protocol_version \(2 protocol versions among the new labels \(sol-ph68@1, sol-ph68@2\), at most 1 allowed\)/,
    ],
  ];
  for (const [check, current, message] of cases) {
    it(`watches instead of retraining when ${check} fails`, () => {
      const d = decide(policy, decaying(current));
      assert.equal(d.action, 'watch');
      assert.equal(d.retrainDeferred, true);
      assert.deepEqual(fired(d), ['performance_decay']);
      assert.equal(d.maturity?.passed, false);
      assert.deepEqual(
        d.maturity?.checks.filter((c) => !c.passed).map((c) => c.check),
        [check],
      );
      assert.match(d.reason, /^watch: retrain deferred until the data matures\. performance_decay .* triggered a retrain, but the data-maturity gate failed: /);
      assert.match(d.reason, message);
    });
  }

  it('fails a check whose value is not measurable, and names every failed check', () => {
    const d = decide(policy, decaying({ labels: { labelAgeSpreadDays: null, newLabels: 3, newLabelsOnNewChemistry: 0 } }));
    assert.equal(d.action, 'watch');
    const spread = d.maturity!.checks.find((c) => c.check === 'min_label_age_spread_days')!;
    assert.deepEqual([spread.value, spread.passed], [null, false]);
    assert.deepEqual(
      d.maturity!.checks.filter((c) => !c.passed).map((c) => c.check),
      ['min_new_labels', 'min_labels_on_new_chemistry', 'min_label_age_spread_days'],
    );
    assert.match(d.reason, /min_label_age_spread_days \(not measurable: days between/);
  });

  it('checks only what the policy sets', () => {
    const p = parsePolicy(
      'policy: p\nmodel: sol-rf\nrules:\n  - { name: decay, when: performance.maeRatio > 1.3, action: retrain }\nmaturity: { min_new_labels: 10 }\n',
    );
    const d = decide(p, history({ ...DECAY, labels: { protocolVersions: ['a@1', 'a@2'], labelAgeSpreadDays: null } }));
    assert.equal(d.action, 'retrain');
    assert.deepEqual(
      d.maturity!.checks.map((c) => c.check),
      ['min_new_labels'],
    );
  });
});

describe('decide: null (not measurable) evidence', () => {
  it('treats a rule on missing performance as not triggered and says it was not measurable', () => {
    const d = decide(policy, history({ performance: null }, { performance: null }, { performance: null }));
    assert.equal(d.action, 'continue');
    const decay = d.rules[1]!;
    assert.deepEqual(
      decay.windows.map((w) => [w.holds, w.values['performance.maeRatio'], w.unmeasurable]),
      Array(3).fill([false, null, ['performance.maeRatio']]),
    );
    assert.equal(d.reason, 'continue: no rule triggered in window 2024-W03. Not measurable in this window: performance_decay (performance.maeRatio is null).');
  });

  it('counts measurable windows only: a null window neither helps nor blocks a trigger', () => {
    assert.equal(decide(policy, history(DECAY, { performance: null }, DECAY)).action, 'retrain');
    assert.equal(decide(policy, history({ performance: null }, { performance: null }, DECAY)).action, 'continue');
    const d = decide(policy, history(NEW_CHEMISTRY, NEW_CHEMISTRY, { input: { unseenScaffoldShare: null } }));
    assert.equal(d.action, 'watch');
    assert.deepEqual(d.triggered[0]!.windows[2]!.unmeasurable, ['input.unseenScaffoldShare']);
  });
});

describe('decide: purity and the history it accepts', () => {
  it('is deterministic and leaves its inputs untouched', () => {
    const h = history(DECAY, { ...NEW_CHEMISTRY, performance: null }, { ...DECAY, ...NEW_CHEMISTRY });
    const before = structuredClone(h);
    const a = decide(policy, h);
    const b = decide(policy, h);
    assert.deepEqual(a, b);
    assert.deepEqual(h, before);
    a.evidence.labels.newLabels = -1;
    assert.equal(h[2]!.labels.newLabels, 120, 'the stored evidence is a copy');
  });

  it('refuses an empty history, evidence for another model, mixed model versions and windows out of order', () => {
    const code = (fn: () => unknown, expected: string) => assert.throws(fn, (e: RotguardError) => e instanceof RotguardError && e.code === expected);
    code(() => decide(policy, []), 'no_evidence');
    code(() => decide(policy, [windowEvidence(0, { model: 'sol-knn@1' })]), 'policy_model_mismatch');
    code(() => decide(policy, [windowEvidence(0, { model: 'sol-rf-2@1' })]), 'policy_model_mismatch');
    code(() => decide(policy, [windowEvidence(0, { model: 'sol-rf@2' }), windowEvidence(1)]), 'history_mixed_models');
    code(() => decide(policy, [windowEvidence(1), windowEvidence(0)]), 'history_out_of_order');
    // Equal ends are fine: two overlapping prediction requests can end in the same millisecond.
    assert.equal(decide(policy, [windowEvidence(0), windowEvidence(0)]).action, 'continue');
    assert.equal(decide(policy, [windowEvidence(0, { model: 'sol-rf' })]).action, 'continue', 'the bare model name is accepted');
  });
});
