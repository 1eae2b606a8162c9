import { RotguardError } from '../core/errors.js';
import type { Store } from '../store/store.js';
import { recordEvent, resolveModel, withModelLock } from './registry.js';

/** The code a human refusal carries in its `promotion_refused` event (the registry's own refusals carry the rule's code). */
export const REFUSED_BY_APPROVER = 'refused_by_approver';

/**
 * An approver looked at a version waiting for promotion and said no, with a reason. Nothing
 * moves; the refusal is an event like the registry's own refusals (gate failed, builder
 * approving), so the audit and the approvals queue show who refused what and why.
 */
export async function refusePromotion(store: Store, o: { ref: string; actor: string; reason: string }): Promise<{ version: string; refusedBy: string }> {
  if (!o.reason.trim()) throw new RotguardError('reason_required', 'say why: a refusal is recorded with its reason', { field: 'reason' });
  const model = o.ref.split('@')[0]!;
  return withModelLock(store, model, async (trx) => {
    const version = await resolveModel(trx, o.ref);
    await recordEvent(trx, {
      kind: 'promotion_refused',
      model: version.model,
      versionId: version.id,
      actor: o.actor,
      reason: o.reason,
      payload: { code: REFUSED_BY_APPROVER, message: `${o.actor} refused to promote ${version.id}` },
    });
    return { version: version.id, refusedBy: o.actor };
  });
}
