import { nonFiniteAsNull } from '../core/hash.js';
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { decodeJson } from '../core/decode.js';
import { RotguardError } from '../core/errors.js';
import { snapshotDefinitionDecoder } from '../data/decoders.js';
import { decodeStoredRecipe } from '../training/decoders.js';
import type { Recipe } from '../training/recipe.js';
import { monitorModel, type WindowKind } from '../monitor/monitor.js';
import { lockModel, recordEvent, recordFreeze, withModelLock, type Db } from '../registry/registry.js';
import type { BuildGovernance } from '../training/build.js';
import type { Transaction } from 'kysely';
import type { Database } from '../store/schema.js';
import { decodeEventPayload } from '../store/event-kinds.js';
import { latestEvent } from '../store/event-log.js';
import type { Store } from '../store/store.js';
import { decide, type Decision } from './decide.js';
import { describeScope, policyGoverns, type Policy } from './policy-file.js';
import { recipeDocument, retrainRecipe } from './retrain-recipe.js';
import { requireOverrideReason, type RetrainBasis } from './override.js';

/**
 * The stateful side of policy: measure (a monitoring run), decide (pure, from the policy and
 * that evidence only), record the decision with the policy hash and the evidence, and —
 * when applying — act: a freeze is recorded (promotions are refused while frozen), a retrain
 * emits the recipe for the new training window.
 */
export interface DecideOptions {
  policy: Policy;
  /** The governed model: required for a scoped policy (applies_to), else the policy's own model. */
  model?: string;
  window?: WindowKind;
  asOf?: string;
  actor: string;
}

export async function decideNow(store: Store, o: DecideOptions): Promise<Decision> {
  const model = await governedModel(store, o.policy, o.model);
  const d = await evaluatePolicy(store, { ...o, model });
  await store.db.transaction().execute((trx) => recordDecision(trx, model, d, o.actor));
  return d.decision;
}

/** The model a decision governs: the one named (checked against the policy's scope), or the policy's own. */
export async function governedModel(store: Store, policy: Policy, named?: string): Promise<string> {
  const model = named ?? policy.model;
  if (!model)
    throw new RotguardError('usage', `policy ${policy.name} applies to ${describeScope(policy)}: say which model (--model), or decide for all of them`);
  const row = await store.db
    .selectFrom('model_versions')
    .select(['model', 'endpoint', 'team'])
    .where('model', '=', model)
    .orderBy('version', 'desc')
    .executeTakeFirst();
  if (!row) throw new RotguardError('unknown_model', `no model named ${model}; see "rotguard models list"`);
  if (!policyGoverns(policy, row))
    throw new RotguardError(
      'policy_model_mismatch',
      `policy ${policy.name} applies to ${describeScope(policy)}, not to ${model} (endpoint ${row.endpoint}, team ${row.team})`,
      { field: 'model' },
    );
  return model;
}

/** Every model with a champion that the policy governs, by name. */
export async function governedModels(store: Store, policy: Policy): Promise<string[]> {
  const rows = await store.db
    .selectFrom('model_aliases as a')
    .innerJoin('model_versions as v', 'v.id', 'a.version_id')
    .select(['v.model', 'v.endpoint', 'v.team'])
    .where('a.alias', '=', 'champion')
    .orderBy('v.model')
    .execute();
  return rows.filter((r) => policyGoverns(policy, r)).map((r) => r.model);
}

interface Evaluated {
  decision: Decision;
  versionId: string;
  windowKind: WindowKind;
  monitorRun: string;
}

/** Measures (a monitoring run, recorded as such) and decides, without recording the decision. */
async function evaluatePolicy(store: Store, o: DecideOptions & { model: string }): Promise<Evaluated> {
  // Watching widens monitoring: per batch (request) windows instead of weeks, unless told otherwise.
  const window = o.window ?? ((await latestAction(store, o.model)) === 'watch' ? 'request' : 'week');
  const run = await monitorModel(store, { model: o.model, window, asOf: o.asOf, actor: o.actor });
  // The history a policy reads is the current version's: windows served by older versions are not its record.
  const current = run.windows[run.windows.length - 1]!.model;
  const history = run.windows.filter((w) => w.model === current);
  return { decision: decide(o.policy, history), versionId: current, windowKind: window, monitorRun: run.blob };
}

async function recordDecision(trx: Transaction<Database>, model: string, d: Evaluated, actor: string): Promise<void> {
  const { decision } = d;
  await recordEvent(trx, {
    kind: 'decision',
    model,
    versionId: d.versionId,
    actor,
    reason: decision.reason,
    // Not-measurable evidence (NaN) is stored as null, as in the monitoring run's blob.
    payload: nonFiniteAsNull({
      action: decision.action,
      policy: decision.policy,
      policyHash: decision.policyHash,
      window: decision.window,
      windowKind: d.windowKind,
      monitorRun: d.monitorRun,
      decision,
    }),
  });
}

export interface Applied {
  decision: Decision;
  frozen: boolean;
  recipe: Recipe | null;
  recipePath: string | null;
}

export async function applyPolicy(store: Store, o: DecideOptions & { recipeOut?: string }): Promise<Applied> {
  const model = await governedModel(store, o.policy, o.model);
  const evaluated = await evaluatePolicy(store, { ...o, model });
  const { decision } = evaluated;
  const versionId = decision.evidence.model;
  // The decision and the freeze it orders are one transaction under the model's lock:
  // there is never a recorded freeze decision without the freeze.
  await withModelLock(store, model, async (trx) => {
    await recordDecision(trx, model, evaluated, o.actor);
    if (decision.action === 'freeze')
      await recordFreeze(trx, {
        model,
        versionId,
        actor: o.actor,
        reason: decision.reason,
        payload: { policyHash: decision.policyHash, window: decision.window },
      });
  });
  if (decision.action === 'freeze') return { decision, frozen: true, recipe: null, recipePath: null };
  if (decision.action === 'retrain') {
    const build = await store.db
      .selectFrom('model_versions as v')
      .innerJoin('builds as b', 'b.hash', 'v.build_hash')
      .select(['b.hash', 'b.recipe', 'b.snapshot'])
      .where('v.id', '=', versionId)
      .executeTakeFirst();
    if (!build) throw new RotguardError('no_recipe', `${versionId} was not built by rotguard (imported?): there is no recipe to retrain from`);
    const last = decodeStoredRecipe(build.recipe, build.hash);
    const snap = await store.db.selectFrom('snapshots').select('definition').where('hash', '=', build.snapshot).executeTakeFirstOrThrow();
    const def = decodeJson(snap.definition, snapshotDefinitionDecoder, { kind: 'row', what: 'definition of snapshot', id: build.snapshot });
    const recipe = retrainRecipe(decision, last, decision.window.end, {
      snapshotWindow: {
        protocols: def.protocolVersions,
        sites: def.sites,
        teams: def.teams,
        measuredFrom: def.measuredFrom,
        measuredTo: def.measuredTo,
        reportedBy: def.reportedBy,
        aggregate: def.aggregation.method,
        censored: def.aggregation.censored,
      },
    });
    let recipePath: string | null = null;
    if (o.recipeOut) {
      writeFileSync(
        o.recipeOut,
        `# emitted by rotguard policy apply: ${decision.reason.split('\n')[0]}\n# policy ${decision.policy} ${decision.policyHash.slice(0, 12)}, window ${decision.window.label}\n` +
          stringify(recipeDocument(recipe)),
      );
      recipePath = o.recipeOut;
    }
    return { decision, frozen: false, recipe, recipePath };
  }
  return { decision, frozen: false, recipe: null, recipePath: null };
}

/** The action of the model's latest recorded decision, if any. */
export async function latestAction(store: Store, model: string): Promise<Decision['action'] | null> {
  const e = await latestEvent(store.db, { model, kind: 'decision' });
  return e ? decodeEventPayload(e, 'decision').action : null;
}

/**
 * A new version of a model already in production (it has a champion) is a retrain: it
 * needs the latest policy decision to be a retrain, or an explicit override reason.
 * Returns null when the model has no champion (not a retrain). Reads only.
 */
export async function retrainBasis(db: Db, model: string, overrideReason: string | undefined): Promise<(RetrainBasis & { champion: string }) | null> {
  const champion = await db.selectFrom('model_aliases').select('version_id').where('model', '=', model).where('alias', '=', 'champion').executeTakeFirst();
  if (!champion) return null;
  const last = await latestEvent(db, { model, kind: 'decision' });
  const decision = last ? decodeEventPayload(last, 'decision').decision : null;
  return { ...requireOverrideReason(decision, overrideReason), champion: champion.version_id };
}

/** Checks the retrain basis again and logs it, inside the caller's transaction (which holds the model's lock). */
export async function recordRetrainBasis(
  trx: Transaction<Database>,
  model: string,
  overrideReason: string | undefined,
  actor: string,
): Promise<RetrainBasis | null> {
  const basis = await retrainBasis(trx, model, overrideReason);
  if (!basis) return null;
  await recordEvent(trx, {
    kind: basis.kind === 'decision' ? 'retrain_by_decision' : 'retrain_override',
    model,
    versionId: basis.champion,
    actor,
    reason: basis.reason,
  });
  return { kind: basis.kind, reason: basis.reason };
}

/**
 * The rules a build of `model` must hold to register a version (training/build's
 * BuildGovernance): a new version of a model in production needs a retrain decision or an
 * override reason, checked before training and again, logged, where the version is
 * registered (under the model's lock). Every caller that builds uses this: the build use
 * case and a compute job running a build.
 */
export function retrainGovernance(store: Store, model: string, overrideReason: string | undefined, actor: string): BuildGovernance {
  return {
    beforeTrain: async () => {
      await retrainBasis(store.db, model, overrideReason);
    },
    beforeRegister: async (trx) => {
      await lockModel(trx, model);
      await recordRetrainBasis(trx, model, overrideReason, actor);
    },
  };
}
