import { nowIso } from '../core/clock.js';
import { RotguardError } from '../core/errors.js';
import { decodeJson } from '../core/decode.js';
import { canonicalJson, hashOf, nonFiniteAsNull } from '../core/hash.js';
import { descriptorDictionary } from '../chem/descriptors.js';
import { fingerprintFromHex, wordsFor } from '../chem/fingerprint.js';
import { descriptorRowDecoder } from '../data/decoders.js';
import { SimilarityIndex } from '../chem/similarity-index.js';
import { computeFeatures, defineFeatureSet } from '../data/features.js';
import { createSnapshot, readSnapshot, type SnapshotContent } from '../data/snapshots.js';
import { registerVersion, versionFromRow, type ModelVersion } from '../registry/registry.js';
import type { BuiltFeatureContract, BuiltLineage } from '../registry/decoders.js';
import { appendEvent } from '../store/event-log.js';
import type { Transaction } from 'kysely';
import type { Database } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { readValidationReport } from '../validate/decoders.js';
import { validationReport, type CensoringSummary, type ValidationReport } from '../validate/report.js';
import { splitIndices } from '../validate/splits.js';
import { buildSignalBaseline } from './signal-baseline-inputs.js';
import { buildEnvironment, type BuildEnvironment } from './environment.js';
import type { Recipe } from './recipe.js';
import { take } from './feature-rows.js';
import { clustersFor, resolveSplitRule } from './resolve-split.js';
import { trainInWorker } from './train-worker.js';
import { loadModel, TRAINERS, type FeatureMatrix, type TrainedModel } from './trainers/index.js';

export interface BuildResult {
  buildHash: string;
  cacheHit: boolean;
  /** Training seconds an identical earlier build spent, saved by this cache hit. */
  savedSeconds: number;
  trainSeconds: number;
  version: ModelVersion;
  snapshot: string;
  featureHash: string;
  artifactBlob: string;
  report: ValidationReport;
}

/**
 * The rules a build must satisfy before its version is registered. The training layer
 * knows no policy: the use-case layer supplies them (a new version of a model in
 * production needs a retrain decision or an override reason). Required, so no caller can
 * forget them; UNGOVERNED is for tests and benchmarks on throwaway stores.
 */
export interface BuildGovernance {
  /** Once it is known that the build will train (not a cache hit): refuse before compute is spent. */
  beforeTrain(): Promise<void>;
  /** First thing inside the transaction that registers the version: check again where it is written, and log the basis. */
  beforeRegister(trx: Transaction<Database>): Promise<void>;
}

export const UNGOVERNED: BuildGovernance = { beforeTrain: async () => {}, beforeRegister: async () => {} };

export interface BuildProgress {
  stage: 'snapshot' | 'features' | 'train' | 'validate' | 'register';
  done: number;
  total: number;
}

/**
 * Builds a model from a recipe, reproducibly: resolves the dataset to a snapshot hash
 * and the features to a feature version, hashes them with the recipe and the code and
 * runtime (the build hash), and trains only if that hash was never built before. An
 * identical build returns the stored model version and records the compute it saved.
 */
export async function build(
  store: Store,
  recipe: Recipe,
  actor: string,
  governance: BuildGovernance,
  onProgress?: (p: BuildProgress) => void,
): Promise<BuildResult> {
  onProgress?.({ stage: 'snapshot', done: 0, total: 1 });
  const { snapshot, set, featureRecipe, environment, resolved, buildHash } = await planBuild(store, recipe, actor);

  const existing = await store.db.selectFrom('builds').selectAll().where('hash', '=', buildHash).executeTakeFirst();
  if (existing) return cacheHit(store, existing.hash, existing.train_seconds, actor);
  await governance.beforeTrain();

  onProgress?.({ stage: 'features', done: 0, total: snapshot.rows.length });
  await computeFeatures(store, { snapshot: snapshot.info.hash, featureSet: set, onProgress: (d, t) => onProgress?.({ stage: 'features', done: d, total: t }) });
  // Censored labels are bounds, not values: only a trainer that models them (regression) trains on them.
  const withCensored = recipe.task.type === 'regression' && TRAINERS[recipe.algorithm]?.censoring === true;
  const data = await loadFeatures(store, snapshot, set.hash, recipe, withCensored);
  const clusters = resolved.split.method === 'cluster' ? clustersFor(data.matrix.fingerprints!, resolved.split.cutoff!) : null;
  const split = splitIndices(
    data.scaffolds.map((scaffold, i) => ({
      scaffold,
      firstMeasured: data.firstMeasured[i] ?? null,
      inchikey: data.inchikeys[i]!,
      ...(clusters ? { cluster: clusters[i]! } : {}),
    })),
    resolved.split,
  );
  // Metrics and conformal calibration use exact labels only; censored rows there are counted, not scored.
  const censoredOut = { calibration: split.calibration.filter((i) => data.censored[i] !== 0), test: split.test.filter((i) => data.censored[i] !== 0) };
  split.calibration = split.calibration.filter((i) => data.censored[i] === 0);
  split.test = split.test.filter((i) => data.censored[i] === 0);
  if (split.train.length < 5 || split.test.length < 3) {
    throw new RotguardError(
      'too_few_compounds',
      `snapshot ${snapshot.info.hash.slice(0, 12)} has ${data.rows} usable compounds: too few to train and test (train ${split.train.length}, test ${split.test.length})`,
    );
  }

  const task = recipe.task.type;
  if (recipe.task.type === 'classification') {
    // Positive class: label at or above (or at or below) the threshold, on the label scale.
    const { threshold, positive } = recipe.task;
    data.labels = data.labels.map((y) => ((positive === 'above' ? y >= threshold : y <= threshold) ? 1 : 0));
  }
  const started = performance.now();
  const { artifact, tuning } = await trainInWorker(
    {
      algorithm: recipe.algorithm,
      params: recipe.params,
      seed: recipe.seed,
      ...(recipe.tuning ? { tuning: recipe.tuning } : {}),
      data: {
        ...take(data.matrix, split.train),
        labels: pick(data.labels, split.train),
        task,
        ...(withCensored ? { censored: Int8Array.from(split.train, (i) => data.censored[i]!) } : {}),
      },
    },
    (done, total) => onProgress?.({ stage: 'train', done, total }),
  );
  const trainSeconds = (performance.now() - started) / 1000;

  onProgress?.({ stage: 'validate', done: 0, total: 1 });
  const model = loadModel(artifact);
  const cal = model.predict(take(data.matrix, split.calibration));
  const test = model.predict(take(data.matrix, split.test));
  const testNearest = nearestToTrain(data.matrix, split.train, split.test);
  const calibrationNearest = split.calibration.length ? nearestToTrain(data.matrix, split.train, split.calibration) : new Float64Array(0);
  // JSON has no Infinity: an unbounded interval (calibration set too small for the level) is stored as null.
  const report = nonFiniteAsNull(
    validationReport({
      task,
      split: {
        ...resolved.split,
        sizes: { train: split.train.length, calibration: split.calibration.length, test: split.test.length },
        // The audit can rebuild a cluster split: every compound's cluster, by InChIKey.
        ...(clusters ? { clusters: { count: new Set(clusters).size, of: Object.fromEntries(data.inchikeys.map((k, i) => [k, clusters[i]!])) } } : {}),
        ...(resolved.split.method === 'predefined' ? { unmatchedTest: unmatched(resolved.split.test!.inchikeys, data.inchikeys) } : {}),
      },
      ...(tuning ? { tuning } : {}),
      ...(withCensored ? { censoring: censoringSummary(model, data, split.train, censoredOut.test, censoredOut.calibration) } : {}),
      calibration: { yTrue: pick(data.labels, split.calibration), yPred: cal.value, sigma: cal.uncertainty },
      test: { yTrue: pick(data.labels, split.test), yPred: test.value, sigma: test.uncertainty },
      testSeries: split.test.map((i) => data.frameworks[i]!),
      testProtocol: split.test.map((i) => data.protocols[i]!),
      testSite: split.test.map((i) => data.sites[i]!),
      testNearest,
      calibrationNearest,
    }),
  );
  if (task === 'regression') report.signalBaseline = buildSignalBaseline(data, split, { cal, test, calibrationNearest, testNearest }, recipe.seed);

  onProgress?.({ stage: 'register', done: 0, total: 1 });
  const artifactBlob = await store.blobs.put(artifact);
  const reportBlob = await store.blobs.put(canonicalJson(report));
  // The training set, for lineage (which compounds, hence which measurements) and for the
  // applicability domain of every later prediction (nearest training compound, seen scaffolds).
  const trainingSetBlob = await store.blobs.put(canonicalJson(trainingSet(data, split.train)));
  const dict = descriptorDictionary(recipe.features.descriptors);
  const version = await store.db.transaction().execute(async (trx) => {
    await governance.beforeRegister(trx);
    await trx
      .insertInto('builds')
      .values({
        hash: buildHash,
        recipe: canonicalJson(resolved),
        snapshot: snapshot.info.hash,
        feature_hash: set.hash,
        environment: canonicalJson(environment),
        artifact_blob: artifactBlob,
        report_blob: reportBlob,
        train_seconds: trainSeconds,
        cache_hits: 0,
        saved_seconds: 0,
        team: recipe.team,
        created_at: nowIso(),
        created_by: actor,
      })
      .execute();
    const v = await registerVersion(
      trx,
      {
        model: recipe.model,
        endpoint: recipe.endpoint,
        team: recipe.team,
        buildHash,
        artifactBlob,
        reportBlob,
        featureHash: set.hash,
        featureContract: {
          featureVersion: set.version,
          descriptors: dict.descriptors.map((d) => d.name),
          fingerprint: { type: 'morgan', ...featureRecipe.morgan },
          uses: usedBlocks(data.matrix),
        },
        lineage: lineageOf(resolved, snapshot.info.hash, set.hash, environment, trainingSetBlob),
        createdBy: actor,
      },
      `built from ${snapshot.info.hash.slice(0, 12)} (${recipe.algorithm}, seed ${recipe.seed})`,
    );
    await appendEvent(trx, {
      kind: 'build_trained',
      subject: `build:${buildHash}`,
      model: v.model,
      versionId: v.id,
      actor,
      reason: `trained ${recipe.algorithm} in ${trainSeconds.toFixed(1)} s`,
      payload: { buildHash, snapshot: snapshot.info.hash, featureHash: set.hash, artifactBlob, reportBlob, trainSeconds, environment },
    });
    return v;
  });
  return { buildHash, cacheHit: false, savedSeconds: 0, trainSeconds, version, snapshot: snapshot.info.hash, featureHash: set.hash, artifactBlob, report };
}

/** What a build will be, known before training: the resolved recipe, snapshot, feature set, environment and build hash. */
export interface BuildPlan {
  snapshot: Awaited<ReturnType<typeof readSnapshot>>;
  set: Awaited<ReturnType<typeof defineFeatureSet>>['set'];
  featureRecipe: { descriptors: string; morgan: { radius: number; nBits: number } };
  environment: BuildEnvironment;
  /** The recipe with its dataset resolved to a snapshot hash: building it again gives the same hash. */
  resolved: Recipe;
  buildHash: string;
}

/**
 * Resolves a recipe to its build hash without training (a dataset window becomes a
 * snapshot, recorded as usual). Compute admission calls this to answer an identical build
 * from the registry before anything is queued.
 */
export async function planBuild(store: Store, recipe: Recipe, actor: string): Promise<BuildPlan> {
  const snapshotHash = await resolveDataset(store, recipe, actor);
  const snapshot = await readSnapshot(store, snapshotHash);
  if (snapshot.endpoint.name !== recipe.endpoint) {
    throw new RotguardError('bad_recipe', `dataset ${snapshotHash.slice(0, 12)} is a ${snapshot.endpoint.name} snapshot, not ${recipe.endpoint}`, {
      field: 'dataset',
    });
  }
  const featureRecipe = { descriptors: recipe.features.descriptors, morgan: { radius: recipe.features.radius, nBits: recipe.features.bits } };
  const { set } = await defineFeatureSet(store, `${recipe.features.descriptors}+morgan-r${recipe.features.radius}-${recipe.features.bits}`, featureRecipe);
  const environment = buildEnvironment();
  // The split rule resolved too: a predefined split's file is named by its content hash, not its path.
  const resolved: Recipe = { ...recipe, dataset: { snapshot: snapshot.info.hash }, split: await resolveSplitRule(recipe.split) };
  const buildHash = buildHashOf(resolved, snapshot.info.hash, set.hash, environment);
  return { snapshot, set, featureRecipe, environment, resolved, buildHash };
}

/** The stored build with this hash served as a cache hit (counted, saving recorded), or null if it was never built. */
export async function cachedBuild(store: Store, buildHash: string, actor: string): Promise<BuildResult | null> {
  const existing = await store.db.selectFrom('builds').selectAll().where('hash', '=', buildHash).executeTakeFirst();
  return existing ? cacheHit(store, existing.hash, existing.train_seconds, actor) : null;
}

/** The build hash: sha256 over everything that determines the model. */
export function buildHashOf(resolvedRecipe: Recipe, snapshot: string, featureHash: string, environment: BuildEnvironment): string {
  return hashOf({ recipe: resolvedRecipe, snapshot, features: featureHash, environment });
}

async function resolveDataset(store: Store, recipe: Recipe, actor: string): Promise<string> {
  if ('snapshot' in recipe.dataset) return (await readSnapshot(store, recipe.dataset.snapshot)).info.hash;
  const w = recipe.dataset.window;
  const { info } = await createSnapshot(
    store,
    {
      endpoint: recipe.endpoint,
      protocolVersions: w.protocols,
      sites: w.sites,
      teams: w.teams,
      measuredFrom: w.measuredFrom,
      measuredTo: w.measuredTo,
      reportedBy: w.reportedBy,
      aggregation: { method: w.aggregate, censored: w.censored },
    },
    actor,
  );
  return info.hash;
}

async function cacheHit(store: Store, buildHash: string, trainSeconds: number, actor: string): Promise<BuildResult> {
  const row = await store.db.transaction().execute(async (trx) => {
    const b = await trx.selectFrom('builds').select(['cache_hits', 'saved_seconds']).where('hash', '=', buildHash).executeTakeFirstOrThrow();
    await trx
      .updateTable('builds')
      .set({ cache_hits: b.cache_hits + 1, saved_seconds: b.saved_seconds + trainSeconds })
      .where('hash', '=', buildHash)
      .execute();
    const v = await trx.selectFrom('model_versions').selectAll().where('build_hash', '=', buildHash).orderBy('version').executeTakeFirstOrThrow();
    await appendEvent(trx, {
      kind: 'build_cache_hit',
      subject: `build:${buildHash}`,
      model: v.model,
      versionId: v.id,
      actor,
      reason: `identical build served from cache: ${trainSeconds.toFixed(1)} s of compute saved`,
      payload: { buildHash, savedSeconds: trainSeconds, cacheHits: b.cache_hits + 1 },
    });
    return v;
  });
  const b = await store.db.selectFrom('builds').selectAll().where('hash', '=', buildHash).executeTakeFirstOrThrow();
  const report = await readValidationReport(store.blobs, b.report_blob);
  return {
    buildHash,
    cacheHit: true,
    savedSeconds: trainSeconds,
    trainSeconds: 0,
    version: versionFromRow(row),
    snapshot: b.snapshot,
    featureHash: b.feature_hash,
    artifactBlob: b.artifact_blob,
    report,
  };
}

interface LoadedFeatures {
  rows: number;
  matrix: FeatureMatrix;
  labels: Float64Array;
  /** −1 label is an upper bound (≤), +1 a lower bound (≥), 0 exact. */
  censored: Int8Array;
  scaffolds: string[];
  frameworks: string[];
  protocols: string[];
  sites: string[];
  /** Each compound's first measurement date (for time splits), aligned with the other arrays. */
  firstMeasured: Array<string | null>;
  inchikeys: string[];
}

/** The snapshot's compounds with cached features, in snapshot order; censored labels only when asked for. */
async function loadFeatures(store: Store, snapshot: SnapshotContent, featureHash: string, recipe: Recipe, withCensored: boolean): Promise<LoadedFeatures> {
  const byKey = new Map<string, { descriptors: string; fingerprint: string; scaffold: string; framework: string }>();
  const keys = snapshot.rows.map((r) => r.inchikey);
  for (let i = 0; i < keys.length; i += 500) {
    const rows = await store.db
      .selectFrom('feature_cache')
      .select(['inchikey', 'descriptors', 'fingerprint', 'scaffold', 'framework'])
      .where('feature_hash', '=', featureHash)
      .where('inchikey', 'in', keys.slice(i, i + 500))
      .execute();
    for (const r of rows) byKey.set(r.inchikey, r);
  }
  const { protocolOf, siteOf, firstOf } = await provenance(store, snapshot);
  // Censored labels are bounds, not values: regression trains and validates on exact labels only.
  const usable = snapshot.rows.filter((r) => (withCensored || r.qualifier === '=') && byKey.has(r.inchikey));
  const nd = descriptorDictionary(recipe.features.descriptors).descriptors.length;
  const words = wordsFor(recipe.features.bits);
  const descriptors = new Float64Array(usable.length * nd);
  const fingerprints = new Uint32Array(usable.length * words);
  usable.forEach((r, i) => {
    const f = byKey.get(r.inchikey)!;
    const values = decodeJson(f.descriptors, descriptorRowDecoder, {
      kind: 'row',
      what: 'cached descriptors',
      id: `feature_cache ${r.inchikey} ${featureHash}`,
    });
    for (let d = 0; d < nd; d++) descriptors[i * nd + d] = values[d] ?? Number.NaN;
    fingerprints.set(fingerprintFromHex(f.fingerprint), i * words);
  });
  return {
    rows: usable.length,
    matrix: { rows: usable.length, descriptors: { data: descriptors, columns: nd }, fingerprints: { data: fingerprints, words } },
    labels: Float64Array.from(usable, (r) => r.label),
    censored: Int8Array.from(usable, (r) => (r.qualifier === '<' ? -1 : r.qualifier === '>' ? 1 : 0)),
    scaffolds: usable.map((r) => byKey.get(r.inchikey)!.scaffold),
    frameworks: usable.map((r) => byKey.get(r.inchikey)!.framework || '(acyclic)'),
    protocols: usable.map((r) => protocolOf.get(r.inchikey) ?? 'mixed'),
    sites: usable.map((r) => siteOf.get(r.inchikey) ?? 'mixed'),
    firstMeasured: usable.map((r) => firstOf.get(r.inchikey) ?? null),
    inchikeys: usable.map((r) => r.inchikey),
  };
}

/**
 * One pass over the snapshot's measurements: each compound's protocol version and site
 * when all its measurements share one (else "mixed"), and its first measurement date.
 */
async function provenance(
  store: Store,
  snapshot: SnapshotContent,
): Promise<{ protocolOf: Map<string, string>; siteOf: Map<string, string>; firstOf: Map<string, string> }> {
  const ids = snapshot.rows.flatMap((r) => r.measurements);
  const protocolOf = new Map<string, string>();
  const siteOf = new Map<string, string>();
  const firstOf = new Map<string, string>();
  const note = (map: Map<string, string>, key: string, value: string) => {
    const prev = map.get(key);
    map.set(key, prev === undefined || prev === value ? value : 'mixed');
  };
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await store.db
      .selectFrom('measurements')
      .select(['inchikey', 'protocol_version', 'site', 'measured_at'])
      .where('id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows) {
      note(protocolOf, r.inchikey, r.protocol_version);
      note(siteOf, r.inchikey, r.site);
      const prev = firstOf.get(r.inchikey);
      if (r.measured_at && (prev === undefined || r.measured_at < prev)) firstOf.set(r.inchikey, r.measured_at);
    }
  }
  return { protocolOf, siteOf, firstOf };
}

/** How censored labels were used: trained on as bounds; in calibration/test counted, and how often the prediction respects the bound. */
function censoringSummary(model: TrainedModel, data: LoadedFeatures, train: number[], test: number[], calibration: number[]): CensoringSummary {
  const p = test.length ? model.predict(take(data.matrix, test)).value : new Float64Array(0);
  let ok = 0;
  test.forEach((i, k) => {
    if (data.censored[i]! < 0 ? p[k]! <= data.labels[i]! : p[k]! >= data.labels[i]!) ok++;
  });
  return {
    trainedAsBounds: train.filter((i) => data.censored[i] !== 0).length,
    calibrationExcluded: calibration.length,
    testExcluded: test.length,
    testOnBoundSide: test.length ? ok / test.length : null,
  };
}

function pick(values: Float64Array, idx: number[]): Float64Array {
  return Float64Array.from(idx, (i) => values[i]!);
}

function nearestToTrain(m: FeatureMatrix, train: number[], test: number[]): Float64Array {
  const f = m.fingerprints!;
  const nn = new SimilarityIndex(take(m, train).fingerprints!.data, f.words).search(take(m, test).fingerprints!.data, 1);
  return nn.similarities;
}

/** What predictions need to know about the training compounds. */
export interface TrainingSet {
  inchikeys: string[];
  scaffolds: string[];
  fingerprintWords: number;
  /** Packed fingerprints of the training compounds, little-endian words, base64. */
  fingerprints: string;
}

function trainingSet(data: LoadedFeatures, train: number[]): TrainingSet {
  const fp = take(data.matrix, train).fingerprints!;
  return {
    inchikeys: train.map((i) => data.inchikeys[i]!),
    scaffolds: train.map((i) => data.scaffolds[i]!),
    fingerprintWords: fp.words,
    fingerprints: Buffer.from(fp.data.buffer, fp.data.byteOffset, fp.data.byteLength).toString('base64'),
  };
}

function usedBlocks(m: FeatureMatrix): BuiltFeatureContract['uses'] {
  return [m.descriptors ? ('descriptors' as const) : null, m.fingerprints ? ('fingerprints' as const) : null].filter((x) => x !== null);
}

/** What this version can be traced back to; every field present for a rotguard build. */
function lineageOf(recipe: Recipe, snapshot: string, featureHash: string, environment: BuildEnvironment, trainingSet: string): BuiltLineage {
  return { origin: 'built', snapshot, featureHash, splitRule: recipe.split, seed: recipe.seed, environment, trainingSet, missing: [] };
}

/** Named test compounds that are not in the snapshot (a predefined split reports them, never silently drops them). */
function unmatched(named: string[], present: string[]): number {
  const have = new Set(present);
  return named.filter((k) => !have.has(k)).length;
}
