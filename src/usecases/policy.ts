import { applyPolicy as applyPolicyNow, decideNow, governedModels, type Applied } from '../policy/decisions.js';
import type { Decision } from '../policy/decide.js';
import type { Policy } from '../policy/policy-file.js';
import type { WindowKind } from '../monitor/monitor.js';
import { unfreeze as unfreezeModel } from '../registry/registry.js';
import { inContext, type Context } from './context.js';

/** Policy as code: decide from agreed thresholds and the evidence, act on the decision, lift a freeze. */

/** Monitors, decides from the policy and records the decision with its evidence, without acting. */
export function decide(ctx: Context, o: { policy: Policy; model?: string; window?: WindowKind; asOf?: string }): Promise<Decision> {
  return inContext(ctx, () => decideNow(ctx.store, { ...o, actor: ctx.actor }));
}

/** The models (with a champion) a policy governs: its one model, or every model its applies_to matches. */
export function governed(ctx: Context, policy: Policy): Promise<string[]> {
  return inContext(ctx, async () => (policy.model !== null ? [policy.model] : governedModels(ctx.store, policy)));
}

/** Decides and acts: a freeze is recorded with its decision in one transaction; a retrain emits the recipe for the new window. */
export function applyPolicy(ctx: Context, o: { policy: Policy; model?: string; window?: WindowKind; asOf?: string; recipeOut?: string }): Promise<Applied> {
  return inContext(ctx, () => applyPolicyNow(ctx.store, { ...o, actor: ctx.actor }));
}

/** Lifts a freeze with a reason (refused when the model is not frozen); checked and recorded under the model's lock. */
export function unfreeze(ctx: Context, o: { model: string; reason: string }): Promise<void> {
  return inContext(ctx, () => unfreezeModel(ctx.store, { ...o, actor: ctx.actor }));
}
