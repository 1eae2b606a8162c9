import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Random } from '../../src/core/random.js';
import type { WindowEvidence } from '../../src/monitor/evidence.js';
import { decide } from '../../src/policy/decide.js';
import { parsePolicy, type Policy } from '../../src/policy/policy-file.js';
import { EXAMPLE_POLICY, windowEvidence } from './evidence.js';

/**
 * How often the example policy raises an alarm on a model that is NOT rotting: windows
 * simulated from a stable process (seeded), decided one after another as monitoring would.
 * Each window: 100 predictions, each on an unseen scaffold with probability 0.20 (the
 * example's watch threshold is 0.3); 30 new labels with errors N(0, 0.6) on the label
 * scale, so MAE / validation MAE (σ·√(2/π)) scatters around 1 (the retrain threshold is
 * 1.3); no assay shift. The only thing that differs between the two runs is sustained.
 */
const PREDICTIONS = 100;
const UNSEEN_SHARE = 0.2;
const LABELS = 30;
const SIGMA = 0.6;

function normal(r: Random): number {
  // Box–Muller; 1 - u keeps the logarithm's argument in (0, 1].
  return Math.sqrt(-2 * Math.log(1 - r.uniform())) * Math.cos(2 * Math.PI * r.uniform());
}

function stableWindows(count: number, seed: number): WindowEvidence[] {
  const r = new Random(seed);
  const baselineMae = SIGMA * Math.sqrt(2 / Math.PI);
  return Array.from({ length: count }, (_, i) => {
    let unseen = 0;
    for (let j = 0; j < PREDICTIONS; j++) if (r.uniform() < UNSEEN_SHARE) unseen++;
    let abs = 0;
    let sq = 0;
    for (let j = 0; j < LABELS; j++) {
      const e = SIGMA * normal(r);
      abs += Math.abs(e);
      sq += e * e;
    }
    const mae = abs / LABELS;
    return windowEvidence(i, {
      predictions: PREDICTIONS,
      input: { unseenScaffoldShare: unseen / PREDICTIONS },
      performance: { n: LABELS, mae, rmse: Math.sqrt(sq / LABELS), baselineMae, maeRatio: mae / baselineMae },
    });
  });
}

interface Rates {
  alarms: number;
  perRule: Record<string, number>;
  actions: Record<string, number>;
}

/** Decides every window on the history so far (the last 3 windows suffice for n ≤ 3). */
function run(policy: Policy, windows: WindowEvidence[]): Rates {
  const out: Rates = { alarms: 0, perRule: {}, actions: {} };
  for (let i = 0; i < windows.length; i++) {
    const d = decide(policy, windows.slice(Math.max(0, i - 2), i + 1));
    if (d.triggered.length) out.alarms++;
    for (const t of d.triggered) out.perRule[t.rule] = (out.perRule[t.rule] ?? 0) + 1;
    out.actions[d.action] = (out.actions[d.action] ?? 0) + 1;
  }
  return out;
}

const pct = (x: number, n: number) => `${((100 * x) / n).toFixed(2)} %`;

describe('false alarms on stable simulated windows', () => {
  const sustained = parsePolicy(EXAMPLE_POLICY);
  const single = parsePolicy(EXAMPLE_POLICY.replaceAll('sustained: { k: 2, n: 3 }', 'sustained: { k: 1, n: 1 }'));

  for (const [count, seed] of [
    [1000, 7],
    [20000, 8],
  ] as const) {
    it(`measures the rate of windows that trigger any rule, sustained 2 of 3 vs 1 of 1 (${count} windows, seed ${seed})`, (t) => {
      const windows = stableWindows(count, seed);
      const a = run(sustained, windows);
      const b = run(single, windows);
      const line = (name: string, r: Rates) =>
        `${name}: ${r.alarms} of ${count} windows trigger a rule (${pct(r.alarms, count)}; ` +
        `new_chemistry ${r.perRule.new_chemistry ?? 0}, performance_decay ${r.perRule.performance_decay ?? 0}, assay_shift ${r.perRule.assay_shift ?? 0}); ` +
        `actions ${JSON.stringify(r.actions)}${r.alarms ? `; one false alarm every ${(count / r.alarms).toFixed(0)} weekly windows` : ''}`;
      t.diagnostic(
        `stable process: ${PREDICTIONS} predictions/window, unseen-scaffold p=${UNSEEN_SHARE} (threshold 0.3), ${LABELS} labels/window, errors N(0, ${SIGMA}) (maeRatio threshold 1.3), no assay shift`,
      );
      t.diagnostic(line('sustained 2 of 3 (example policy)', a));
      t.diagnostic(line('sustained 1 of 1', b));
      // Loose sanity bounds only: the point is the printed rates.
      assert.ok(b.alarms > 0 && b.alarms < 0.15 * count, `1-of-1 rate ${pct(b.alarms, count)}`);
      assert.ok(a.alarms < b.alarms, 'requiring 2 of 3 windows alarms less often than 1 of 1');
      assert.ok(a.alarms < 0.02 * count, `2-of-3 rate ${pct(a.alarms, count)}`);
      assert.equal(a.perRule.assay_shift ?? 0, 0, 'no assay shift is simulated');
    });
  }
});
