import { RotguardError } from '../core/errors.js';
import type { Decision } from './decide.js';

/**
 * Every retrain has a recorded why: either a policy decision that said retrain, or a
 * person's reason for overriding the policy (which the audit lists as an override).
 * Without one the retrain is refused, so no model is rebuilt on a hunch nobody wrote down.
 */
export interface RetrainBasis {
  kind: 'decision' | 'override';
  reason: string;
}

export function requireOverrideReason(decision: Decision | null, reason?: string): RetrainBasis {
  if (decision?.action === 'retrain') return { kind: 'decision', reason: decision.reason };
  const given = reason?.trim() ?? '';
  if (given) return { kind: 'override', reason: given };
  const why = decision
    ? `the policy decided ${decision.action} for window ${decision.window.label}${decision.retrainDeferred ? ' (retrain deferred until the data matures)' : ''}`
    : 'there is no policy decision';
  throw new RotguardError('override_reason_required', `${why}; to retrain anyway, give a reason (it is recorded as an override)`, { field: 'reason' });
}
