import { nonFiniteAsNull } from '../core/hash.js';
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { RotguardError } from '../core/errors.js';
import type { Recipe } from '../training/recipe.js';
import { monitorModel, type WindowKind } from '../monitor/monitor.js';
import { recordEvent } from '../registry/registry.js';
import { latestEvent } from '../store/event-log.js';
import type { Store } from '../store/store.js';
import { decide, type Decision } from './decide.js';
import type { Policy } from './policy-file.js';
import { recipeDocument, retrainRecipe } from './retrain-recipe.js';
import { requireOverrideReason, type RetrainBasis } from './override.js';

/**
 * The stateful side of policy: measure (a monitoring run), decide (pure, from the policy and
 * that evidence only), record the decision with the policy hash and the evidence, and —
 * when applying — act: a freeze is recorded (promotions are refused while frozen), a retrain
 * emits the recipe for the new training window.
 */
export async function decideNow(store: Store, o: { policy: Policy; window?: WindowKind; asOf?: string; actor: string }): Promise<Decision> {
  // Watching widens monitoring: per batch (request) windows instead of weeks, unless told otherwise.
  const window = o.window ?? ((await latestAction(store, o.policy.model)) === 'watch' ? 'request' : 'week');
  const run = await monitorModel(store, { model: o.policy.model, window, asOf: o.asOf, actor: o.actor });
  // The history a policy reads is the current version's: windows served by older versions are not its record.
  const current = run.windows[run.windows.length - 1]!.model;
  const history = run.windows.filter((w) => w.model === current);
  const decision = decide(o.policy, history);
  await recordEvent(store.db, {
    kind: 'decision', model: o.policy.model, versionId: current, actor: o.actor, reason: decision.reason,
    // Not-measurable evidence (NaN) is stored as null, as in the monitoring run's blob.
    payload: nonFiniteAsNull({ action: decision.action, policy: decision.policy, policyHash: decision.policyHash, window: decision.window, windowKind: window, monitorRun: run.blob, decision }),
  });
  return decision;
}

export interface Applied {
  decision: Decision;
  frozen: boolean;
  recipe: Recipe | null;
  recipePath: string | null;
}

export async function applyPolicy(store: Store, o: { policy: Policy; window?: WindowKind; asOf?: string; actor: string; recipeOut?: string }): Promise<Applied> {
  const decision = await decideNow(store, o);
  const versionId = decision.evidence.model;
  if (decision.action === 'freeze') {
    await recordEvent(store.db, { kind: 'frozen', model: o.policy.model, versionId, actor: o.actor, reason: decision.reason, payload: { policyHash: decision.policyHash, window: decision.window } });
    return { decision, frozen: true, recipe: null, recipePath: null };
  }
  if (decision.action === 'retrain') {
    const build = await store.db.selectFrom('model_versions as v').innerJoin('builds as b', 'b.hash', 'v.build_hash').select(['b.recipe', 'b.snapshot']).where('v.id', '=', versionId).executeTakeFirst();
    if (!build) throw new RotguardError('no_recipe', `${versionId} was not built by rotguard (imported?): there is no recipe to retrain from`);
    const last = JSON.parse(build.recipe) as Recipe;
    const snap = await store.db.selectFrom('snapshots').select('definition').where('hash', '=', build.snapshot).executeTakeFirstOrThrow();
    const def = JSON.parse(snap.definition) as { protocolVersions?: string[]; sites?: string[]; teams?: string[]; measuredFrom?: string; measuredTo?: string; reportedBy?: string; aggregation: { method: 'mean' | 'median'; censored: 'drop' | 'as_bound' | 'prefer_exact' } };
    const recipe = retrainRecipe(decision, last, decision.window.end, {
      snapshotWindow: {
        protocols: def.protocolVersions, sites: def.sites, teams: def.teams, measuredFrom: def.measuredFrom, measuredTo: def.measuredTo, reportedBy: def.reportedBy,
        aggregate: def.aggregation.method, censored: def.aggregation.censored,
      },
    });
    let recipePath: string | null = null;
    if (o.recipeOut) {
      writeFileSync(o.recipeOut, `# emitted by rotguard policy apply: ${decision.reason.split('\n')[0]}\n# policy ${decision.policy} ${decision.policyHash.slice(0, 12)}, window ${decision.window.label}\n` + stringify(recipeDocument(recipe)));
      recipePath = o.recipeOut;
    }
    return { decision, frozen: false, recipe, recipePath };
  }
  return { decision, frozen: false, recipe: null, recipePath: null };
}

/** The action of the model's latest recorded decision, if any. */
export async function latestAction(store: Store, model: string): Promise<Decision['action'] | null> {
  const e = await latestEvent(store.db, { model, kind: 'decision' });
  return e ? (JSON.parse(e.payload) as { action: Decision['action'] }).action : null;
}

/**
 * A new version of a model already in production (it has a champion) is a retrain: it
 * needs the latest policy decision to be a retrain, or an explicit override reason. The
 * basis is logged either way.
 */
export async function retrainBasis(store: Store, model: string, overrideReason: string | undefined, actor: string): Promise<RetrainBasis | null> {
  const champion = await store.db.selectFrom('model_aliases').select('version_id').where('model', '=', model).where('alias', '=', 'champion').executeTakeFirst();
  if (!champion) return null;
  const last = await latestEvent(store.db, { model, kind: 'decision' });
  const decision = last ? ((JSON.parse(last.payload) as { decision: Decision }).decision) : null;
  const basis = requireOverrideReason(decision, overrideReason);
  await recordEvent(store.db, { kind: basis.kind === 'decision' ? 'retrain_by_decision' : 'retrain_override', model, versionId: champion.version_id, actor, reason: basis.reason });
  return basis;
}
