import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RotguardError } from '../../src/core/errors.js';
import { decide } from '../../src/policy/decide.js';
import { requireOverrideReason } from '../../src/policy/override.js';
import { DECAY, examplePolicy, history, SHIFT, STABLE } from './evidence.js';

const policy = examplePolicy();
const refused = (fn: () => unknown, message: RegExp) =>
  assert.throws(
    fn,
    (e: RotguardError) => e instanceof RotguardError && e.code === 'override_reason_required' && e.location.field === 'reason' && message.test(e.message),
  );

describe('override: every retrain has a recorded why', () => {
  it('takes a retrain decision as its own reason', () => {
    const d = decide(policy, history(DECAY, DECAY));
    assert.deepEqual(requireOverrideReason(d), { kind: 'decision', reason: d.reason });
    assert.equal(requireOverrideReason(d, 'also asked for by the project team').kind, 'decision');
  });

  it('refuses a retrain with no decision and no reason, or an empty one', () => {
    refused(() => requireOverrideReason(null), /there is no policy decision; to retrain anyway, give a reason/);
    refused(() => requireOverrideReason(null, ''), /no policy decision/);
    refused(() => requireOverrideReason(null, '   \n'), /no policy decision/);
  });

  it('refuses a retrain against a non-retrain decision without a reason, naming the decision', () => {
    refused(() => requireOverrideReason(decide(policy, history(STABLE))), /the policy decided continue for window 2024-W01/);
    refused(() => requireOverrideReason(decide(policy, history(SHIFT))), /decided freeze/);
    const deferred = decide(policy, history(DECAY, { ...DECAY, labels: { newLabels: 1 } }));
    refused(() => requireOverrideReason(deferred), /decided watch for window 2024-W02 \(retrain deferred until the data matures\)/);
  });

  it('records a given reason as an override, trimmed', () => {
    assert.deepEqual(requireOverrideReason(null, '  new series 12 enters lead op; retrain on the 40 labels we have  '), {
      kind: 'override',
      reason: 'new series 12 enters lead op; retrain on the 40 labels we have',
    });
    assert.deepEqual(requireOverrideReason(decide(policy, history(STABLE)), 'quarterly refresh'), { kind: 'override', reason: 'quarterly refresh' });
  });
});
