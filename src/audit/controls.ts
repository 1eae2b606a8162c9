import { descriptorDictionary } from '../chem/descriptors.js';
import { nowIso } from '../core/clock.js';
import { buildHashOf } from '../training/build.js';
import { decodeJson } from '../core/decode.js';
import { StoredDataError } from '../core/errors.js';
import { featureSetDefinitionDecoder } from '../data/decoders.js';
import { decodeStoredRecipe, readTrainingSet } from '../training/decoders.js';
import { buildEnvironmentDecoder, trainingSetBlobOf } from '../registry/decoders.js';
import type { ModelVersion } from '../registry/registry.js';
import { decodeEventPayload } from '../store/event-kinds.js';
import { readValidationReport } from '../validate/decoders.js';
import { requestBatchDigests } from '../serve/prediction-digest.js';
import type { Row } from '../store/schema.js';
import type { Store } from '../store/store.js';
import type { SnapshotProvenance } from './provenance.js';
import type { ControlResult } from './report-types.js';

/**
 * The controls every registered model version is audited against. Each check reads the
 * store (and blobs) and says pass, fail or n/a with a reason a reviewer can act on.
 * Recomputing is preferred to trusting a stored flag: the build hash is recomputed from its
 * parts, blobs are re-hashed on read, prediction requests are checked against the digest
 * logged when they were served.
 */
export type AuditEvent = Pick<Row<'events'>, 'seq' | 'at' | 'actor' | 'kind' | 'subject' | 'model' | 'version_id' | 'reason' | 'payload'>;

export interface AuditContext {
  store: Store;
  /** Every event, oldest first. */
  events: AuditEvent[];
  /** Now (the store's clock): "recent" is measured from here. */
  now: string;
  /** Monitoring older than this many days (relative to the latest prediction or now) fails the recency control. */
  maxMonitorAgeDays: number;
  /** A snapshot's rows and measurement provenance, read once per audit (see provenance.ts). */
  snapshot: (hash: string) => Promise<SnapshotProvenance>;
  /** How many predictions a version has stored, counted once per audit (the control and the report both need it). */
  predictionCount: (versionId: string) => Promise<number>;
}

/** Counts a version's stored predictions (an index-only scan of predictions_model_time), once per version. */
export function predictionCounter(store: Store): (versionId: string) => Promise<number> {
  const counts = new Map<string, Promise<number>>();
  return (versionId) => {
    let n = counts.get(versionId);
    if (!n) {
      n = store.db
        .selectFrom('predictions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('model_version', '=', versionId)
        .executeTakeFirst()
        .then((r) => Number(r?.n ?? 0));
      counts.set(versionId, n);
    }
    return n;
  };
}

export const CONTROL_TITLES: Record<string, string> = {
  'data.sources_versioned': 'Assay sources versioned',
  'data.compound_set_versioned': 'Compound set versioned',
  'features.code_versioned': 'Featurization code versioned',
  'features.dictionary_versioned': 'Descriptor dictionary versioned',
  'validation.split_rule': 'Split rule recorded',
  'build.artifact_versioned': 'Artifact versioned and reproducible',
  'validation.evaluation_set_versioned': 'Evaluation set versioned',
  'release.gate_passed': 'Release gate passed',
  'release.second_approver': 'Approved by a second person',
  'serve.predictions_traceable': 'Every prediction traceable',
  'policy.retrain_justified': 'Retrain tied to a triggered decision',
  'monitor.recent': 'Monitoring running and recent',
};

const result = (control: string, status: ControlResult['status'], reason: string): ControlResult => ({
  control,
  title: CONTROL_TITLES[control] ?? control,
  status,
  reason,
});
const short = (h: string) => h.slice(0, 12);
const DAY = 86_400_000;

export async function auditVersion(ctx: AuditContext, v: ModelVersion): Promise<ControlResult[]> {
  const { store } = ctx;
  const out: ControlResult[] = [];
  const build = v.buildHash ? await store.db.selectFrom('builds').selectAll().where('hash', '=', v.buildHash).executeTakeFirst() : undefined;
  const imported = v.origin !== 'built';
  const missing = v.lineage.missing;

  // --- data: sources and compound set.
  let snapshotRows: Array<{ inchikey: string; measurements: string[] }> | null = null;
  if (!build) {
    out.push(
      result(
        'data.sources_versioned',
        'fail',
        imported
          ? `imported model: its training data is declared, not versioned here${missing.length ? ` (missing: ${missing.join(', ')})` : ''}`
          : `build ${v.buildHash ? short(v.buildHash) : '(none)'} is not in the store`,
      ),
    );
    out.push(result('data.compound_set_versioned', 'fail', 'no build: no snapshot or training set to check'));
  } else {
    try {
      const { rows, provenance } = await ctx.snapshot(build.snapshot);
      snapshotRows = rows;
      const { total, found } = provenance;
      const sources = new Set(provenance.bySource.keys());
      const known = sources.size
        ? await store.db
            .selectFrom('sources')
            .select(['id', 'file_sha256'])
            .where('id', 'in', [...sources])
            .execute()
        : [];
      const ingested = new Set(ctx.events.filter((e) => e.kind === 'source_ingested').map((e) => e.subject.replace(/^source:/, '')));
      const unlogged = known.filter((s) => !ingested.has(s.id));
      if (found !== total) out.push(result('data.sources_versioned', 'fail', `${total - found} of ${total} training measurements are missing from the store`));
      else if (known.length !== sources.size)
        out.push(result('data.sources_versioned', 'fail', `${sources.size - known.length} source files behind the training data are not recorded`));
      else if (unlogged.length)
        out.push(result('data.sources_versioned', 'fail', `${unlogged.length} source files have no ingest event in the log (e.g. ${short(unlogged[0]!.id)})`));
      else
        out.push(
          result(
            'data.sources_versioned',
            'pass',
            `${total} training measurements from ${known.length} source files, each by content hash with its ingest logged`,
          ),
        );
    } catch (e) {
      out.push(result('data.sources_versioned', 'fail', `snapshot ${short(build.snapshot)} cannot be read: ${e instanceof Error ? e.message : String(e)}`));
    }
    const trainingBlob = trainingSetBlobOf(v.lineage);
    if (!trainingBlob) out.push(result('data.compound_set_versioned', 'fail', 'no training-set blob in the lineage'));
    else {
      try {
        const t = await readTrainingSet(store.blobs, trainingBlob);
        const inSnapshot = new Set((snapshotRows ?? []).map((r) => r.inchikey));
        const outside = t.inchikeys.filter((k) => !inSnapshot.has(k));
        out.push(
          outside.length
            ? result('data.compound_set_versioned', 'fail', `${outside.length} training compounds are not in snapshot ${short(build.snapshot)}`)
            : result(
                'data.compound_set_versioned',
                'pass',
                `snapshot ${short(build.snapshot)} (${inSnapshot.size} compounds); training set ${short(trainingBlob)} (${t.inchikeys.length} compounds), both content-addressed`,
              ),
        );
      } catch (e) {
        out.push(
          result('data.compound_set_versioned', 'fail', `training set ${short(trainingBlob)} cannot be read: ${e instanceof Error ? e.message : String(e)}`),
        );
      }
    }
  }

  // --- features: code and dictionary.
  const env = build
    ? decodeOrReason(() => decodeJson(build.environment, buildEnvironmentDecoder, { kind: 'row', what: 'environment of build', id: build.hash }))
    : null;
  if (typeof env === 'string') out.push(result('features.code_versioned', 'fail', env));
  else if (!env)
    out.push(
      result(
        'features.code_versioned',
        'fail',
        imported ? 'imported model: the featurization code it was trained with is not recorded' : 'no build environment',
      ),
    );
  else {
    const gaps = (['codeSha256', 'rdkit', 'lockfileSha256', 'node'] as const).filter((k) => !env[k]);
    out.push(
      gaps.length
        ? result('features.code_versioned', 'fail', `build environment lacks ${gaps.join(', ')}`)
        : result(
            'features.code_versioned',
            'pass',
            `rotguard ${env.rotguard} code ${short(env.codeSha256)}, RDKit ${env.rdkit}, lockfile ${short(env.lockfileSha256!)}, Node ${env.node}`,
          ),
    );
  }
  const fs = await store.db.selectFrom('feature_sets').selectAll().where('hash', '=', v.featureHash).executeTakeFirst();
  if (!fs) out.push(result('features.dictionary_versioned', 'fail', `feature version ${short(v.featureHash)} is not recorded`));
  else {
    const def = decodeOrReason(() =>
      decodeJson(fs.definition, featureSetDefinitionDecoder, { kind: 'row', what: `definition of feature set ${fs.name}`, id: fs.hash }),
    );
    if (typeof def === 'string') out.push(result('features.dictionary_versioned', 'fail', def));
    else {
      try {
        const dict = descriptorDictionary(def.recipe.descriptors);
        out.push(
          result(
            'features.dictionary_versioned',
            'pass',
            `${fs.name}: dictionary ${dict.id} (${dict.descriptors.length} descriptors), feature version ${short(fs.hash)}`,
          ),
        );
      } catch {
        out.push(
          result(
            'features.dictionary_versioned',
            'fail',
            `feature version ${short(fs.hash)} names an unknown descriptor dictionary "${def.recipe.descriptors}"`,
          ),
        );
      }
    }
  }

  // --- split rule, artifact, evaluation set.
  const decodedRecipe = build ? decodeOrReason(() => decodeStoredRecipe(build.recipe, build.hash)) : null;
  const recipe = typeof decodedRecipe === 'string' ? null : decodedRecipe;
  if (typeof decodedRecipe === 'string') out.push(result('validation.split_rule', 'fail', decodedRecipe));
  else if (!recipe) out.push(result('validation.split_rule', 'fail', 'no recipe: the split rule is not recorded'));
  else
    out.push(
      result(
        'validation.split_rule',
        'pass',
        `${recipe.split.method} split, seed ${recipe.split.seed}, fractions ${[recipe.split.fractions.train, recipe.split.fractions.calibration, recipe.split.fractions.test].join('/')}`,
      ),
    );
  if (!build || !recipe || !env || typeof env === 'string')
    out.push(
      result(
        'build.artifact_versioned',
        imported ? 'fail' : 'fail',
        imported ? `imported artifact ${short(v.artifactBlob)} is stored by hash, but it cannot be rebuilt here` : 'no build record',
      ),
    );
  else {
    const recomputed = buildHashOf(recipe, build.snapshot, build.feature_hash, env);
    let artifactOk = true;
    try {
      await store.blobs.get(v.artifactBlob);
    } catch {
      artifactOk = false;
    }
    if (recomputed !== build.hash)
      out.push(
        result(
          'build.artifact_versioned',
          'fail',
          `the build hash does not match its recorded parts (recomputed ${short(recomputed)}, stored ${short(build.hash)}): recipe, snapshot or environment was altered`,
        ),
      );
    else if (!artifactOk) out.push(result('build.artifact_versioned', 'fail', `artifact ${short(v.artifactBlob)} is missing or does not match its hash`));
    else
      out.push(
        result(
          'build.artifact_versioned',
          'pass',
          `build ${short(build.hash)} recomputes from recipe + snapshot + features + environment; artifact ${short(v.artifactBlob)} verified`,
        ),
      );
  }
  if (!v.reportBlob) out.push(result('validation.evaluation_set_versioned', 'fail', 'no validation report'));
  else if (!recipe || !build)
    out.push(result('validation.evaluation_set_versioned', 'fail', 'the evaluation set cannot be rebuilt without a recipe and snapshot'));
  else {
    try {
      const report = await readValidationReport(store.blobs, v.reportBlob);
      out.push(
        result(
          'validation.evaluation_set_versioned',
          'pass',
          `test set of ${report.split.sizes.test} compounds = ${recipe.split.method} split (seed ${recipe.split.seed}) of snapshot ${short(build.snapshot)}; report ${short(v.reportBlob)}`,
        ),
      );
    } catch (e) {
      out.push(
        result('validation.evaluation_set_versioned', 'fail', `report ${short(v.reportBlob)} cannot be read: ${e instanceof Error ? e.message : String(e)}`),
      );
    }
  }

  // --- release: gate and four eyes, from the promotion events.
  const mine = ctx.events.filter((e) => e.version_id === v.id);
  const promotions = mine.filter((e) => e.kind === 'promoted_champion');
  if (!promotions.length) {
    out.push(result('release.gate_passed', 'n/a', 'never promoted to champion'));
    out.push(result('release.second_approver', 'n/a', 'never promoted to champion'));
  } else {
    const payloads = promotions.map((e) => decodeEventPayload(e, 'promoted_champion'));
    const badAt = payloads.flatMap((p, i) => (!p.gate || !p.checks?.every((c) => c.passed) ? [promotions[i]!] : []));
    const last = payloads[payloads.length - 1]!;
    out.push(
      badAt.length
        ? result('release.gate_passed', 'fail', `${badAt.length} promotion(s) to champion without a passing gate on record (event ${badAt[0]!.seq})`)
        : result(
            'release.gate_passed',
            'pass',
            `gate ${short(last.gate ?? '')} passed (${(last.checks ?? []).map((c) => c.check).join(', ')}) at promotion ${promotions[promotions.length - 1]!.at}`,
          ),
    );
    const self = promotions.filter((e) => e.actor === v.createdBy);
    out.push(
      self.length
        ? result('release.second_approver', 'fail', `promoted by its builder ${v.createdBy} (event ${self[0]!.seq})`)
        : result('release.second_approver', 'pass', `built by ${v.createdBy}, approved by ${[...new Set(promotions.map((e) => e.actor))].join(', ')}`),
    );
  }

  // --- predictions: each request logged, with the same count and digest as the stored rows.
  out.push(await predictionsTraceable(ctx, v));

  // --- retrain: a version built while an earlier version was champion needs a triggering decision.
  out.push(retrainJustified(ctx, v));

  // --- monitoring of the model, recent relative to its latest predictions.
  out.push(await monitoringRecent(ctx, v));
  return out;
}

/**
 * Every stored prediction of the version is in a batch logged as served, with the logged
 * count and digest, and every logged batch is still stored. The pass path reads each logged
 * request once (every batch's digest in one pass, requestBatchDigests) and counts the
 * version's rows (index-only): when the
 * digests match, the logged batches' rows are the version's, disjoint, so they are all of
 * them exactly when their sum is the count. Only when it is not (rows stored outside any
 * logged batch) does it group the version's rows by batch to name them: a sort of all the
 * version's rows that the common case no longer pays (bench/scale/RESULTS.md).
 */
async function predictionsTraceable(ctx: AuditContext, v: ModelVersion): Promise<ControlResult> {
  // What was logged as served: per request, one event per batch (or, before migration 0007, one per request).
  const logged = new Map<string, Map<number | null, { count: number; digest?: string }>>();
  for (const e of ctx.events) {
    if (e.kind !== 'predicted' || e.version_id !== v.id) continue;
    const p = decodeEventPayload(e, 'predicted');
    const m = logged.get(p.request) ?? logged.set(p.request, new Map()).get(p.request)!;
    m.set(p.batch ?? null, p);
  }
  const stored = await ctx.predictionCount(v.id);
  if (!stored && !logged.size) return result('serve.predictions_traceable', 'n/a', 'no predictions served');
  const problems: string[] = [];
  const features = new Map<string, number>();
  let inLogged = 0;
  const none = { count: 0, digest: '', features: new Map<string, number>() };
  for (const [request, batches] of logged) {
    const digests = await requestBatchDigests(ctx.store.db, request);
    for (const [batch, entry] of batches) {
      const what = batch === null ? `request ${short(request)}` : `request ${short(request)} batch ${batch + 1}`;
      // A legacy request's single event covers all its rows.
      const now = batch === null ? digests.whole : (digests.batches.get(batch) ?? none);
      inLogged += now.count;
      for (const [hash, n] of now.features) features.set(hash, (features.get(hash) ?? 0) + n);
      if (!now.count) problems.push(`${what}: ${entry.count} predictions logged as served, none stored (deleted)`);
      else if (entry.count !== now.count) problems.push(`${what}: ${now.count} stored predictions, ${entry.count} logged`);
      else if (!entry.digest || entry.digest !== now.digest) problems.push(`${what}: stored predictions differ from what was served (digest mismatch)`);
    }
  }
  let otherFeatures = [...features].reduce((n, [hash, k]) => n + (hash === v.featureHash ? 0 : k), 0);
  if (problems.length || inLogged !== stored) {
    // Name the rows outside every logged batch, and count other feature versions over all of the version's rows.
    const groups = await ctx.store.db
      .selectFrom('predictions')
      .select(['request', 'batch', (eb) => eb.fn.countAll<number>().as('n')])
      .where('model_version', '=', v.id)
      .groupBy(['request', 'batch'])
      .execute();
    for (const g of groups) {
      if (logged.get(g.request)?.has(g.batch ?? null)) continue;
      const what = g.batch === null ? `request ${short(g.request)}` : `request ${short(g.request)} batch ${g.batch + 1}`;
      problems.push(`${what} (${Number(g.n)} predictions) has no event in the log`);
    }
    const wrong = await ctx.store.db
      .selectFrom('predictions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('model_version', '=', v.id)
      .where('feature_hash', '!=', v.featureHash)
      .executeTakeFirst();
    otherFeatures = Number(wrong?.n ?? 0);
  }
  if (otherFeatures) problems.push(`${otherFeatures} predictions were computed with another feature version`);
  return problems.length
    ? result('serve.predictions_traceable', 'fail', problems.slice(0, 3).join('; ') + (problems.length > 3 ? `; and ${problems.length - 3} more` : ''))
    : result(
        'serve.predictions_traceable',
        'pass',
        `${stored} predictions in ${logged.size} requests, each batch logged with its digest; lineage to build ${v.buildHash ? short(v.buildHash) : '(imported)'}`,
      );
}

function retrainJustified(ctx: AuditContext, v: ModelVersion): ControlResult {
  const registered = ctx.events.find((e) => e.kind === 'registered' && e.version_id === v.id);
  if (!registered) return result('policy.retrain_justified', 'fail', `no registration event for ${v.id} in the log`);
  // Was another version champion when this one was registered? Then it is a retrain.
  const before = ctx.events.filter((e) => e.model === v.model && e.seq < registered.seq);
  const championBefore = before.some((e) => e.kind === 'promoted_champion');
  if (!championBefore) return result('policy.retrain_justified', 'n/a', 'first version in production: not a retrain');
  const basis = [...before].reverse().find((e) => e.kind === 'retrain_by_decision' || e.kind === 'retrain_override');
  if (!basis)
    return result('policy.retrain_justified', 'fail', `${v.id} was built while ${v.model} had a champion, with no retrain decision or override on record`);
  if (basis.kind === 'retrain_override')
    return result(
      'policy.retrain_justified',
      'fail',
      `retrain by override, not by a triggered decision: ${basis.actor}: "${basis.reason}" (event ${basis.seq})`,
    );
  const decision = [...before].reverse().find((e) => e.kind === 'decision' && e.seq < basis.seq);
  const action = decision ? decodeEventPayload(decision, 'decision') : null;
  if (!decision || action?.action !== 'retrain')
    return result('policy.retrain_justified', 'fail', `the retrain basis (event ${basis.seq}) does not follow a retrain decision`);
  return result(
    'policy.retrain_justified',
    'pass',
    `retrain decided by policy ${short(action.policyHash)} (event ${decision.seq}: ${decision.reason.split('. ')[0]})`,
  );
}

async function monitoringRecent(ctx: AuditContext, v: ModelVersion): Promise<ControlResult> {
  const last = await ctx.store.db
    .selectFrom('predictions')
    .select('requested_at')
    .where('model_version', '=', v.id)
    .orderBy('requested_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!last) return result('monitor.recent', 'n/a', 'no predictions served: nothing to monitor');
  const runs = ctx.events.filter((e) => e.kind === 'monitor_run' && e.model === v.model);
  const latest = runs[runs.length - 1];
  if (!latest) return result('monitor.recent', 'fail', `${v.model} served predictions but was never monitored`);
  const asOf = decodeEventPayload(latest, 'monitor_run').asOf;
  if (asOf < last.requested_at)
    return result('monitor.recent', 'fail', `the latest monitoring run (as of ${asOf}) predates predictions served ${last.requested_at}`);
  const ageDays = (Date.parse(ctx.now) - Date.parse(latest.at)) / DAY;
  if (ageDays > ctx.maxMonitorAgeDays)
    return result('monitor.recent', 'fail', `last monitored ${latest.at}, ${ageDays.toFixed(0)} days ago (more than ${ctx.maxMonitorAgeDays})`);
  return result(
    'monitor.recent',
    'pass',
    `${runs.length} monitoring runs; latest ${latest.at} (${ageDays.toFixed(1)} days ago), covering predictions to ${last.requested_at}`,
  );
}

/** A stored value, or why it cannot be read: a malformed record fails its control instead of stopping the audit. */
function decodeOrReason<T>(decode: () => T): T | string {
  try {
    return decode();
  } catch (e) {
    if (e instanceof StoredDataError) return e.message;
    throw e;
  }
}

export function auditNow(): string {
  return nowIso();
}
