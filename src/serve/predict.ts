import { randomUUID } from 'node:crypto';
import { csvField, openCsvOutputs } from '../core/atomic-file.js';
import { nowIso } from '../core/clock.js';
import { RotguardError } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import { ChemPool } from '../chem/chem-pool.js';
import { descriptorDictionary } from '../chem/descriptors.js';
import { featureVersion, type FeatureRecipe, type FeaturizedMolecule } from '../chem/featurize.js';
import type { BatchResult } from '../chem/featurize-batch.js';
import { fingerprintToHex, wordsFor } from '../chem/fingerprint.js';
import { loadRDKit } from '../chem/rdkit.js';
import { OnnxModel } from '../training/onnx-model.js';
import { loadModel, type FeatureMatrix, type Prediction } from '../training/trainers/index.js';
import { streamFeatures } from '../data/feature-stream.js';
import { openMoleculeFile, type FileRow } from '../data/molecule-file.js';
import { trainingSetBlobOf } from '../registry/decoders.js';
import { frozenState, resolveModel, type ModelVersion } from '../registry/registry.js';
import { assertAliasMatchesLog } from '../registry/alias-check.js';
import { appendEvent } from '../store/event-log.js';
import type { NewRow } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { readValidationReport } from '../validate/decoders.js';
import { rowsDigest } from './prediction-digest.js';
import { trainingIndex, type TrainingIndex } from './training-index.js';
import { domainBands, intervalHalfWidth, type ServingInterval } from './domain-interval.js';

/**
 * Prediction with lineage. Every structure is standardized, its features computed under
 * the model's feature contract (a contract this runtime cannot honour is an error, never a
 * silent fallback), predicted with an interval and an applicability domain, and stored as
 * a prediction record (model version, feature version, input hash, canonical structure,
 * time, requester). Input is streamed in batches: memory stays bounded for any file size.
 */
export interface PredictOptions {
  modelRef: string;
  input: string;
  out: string;
  rejects?: string;
  actor: string;
  /** Conformal interval level (one the validation calibrated: 0.8, 0.9 or 0.95). */
  level?: number;
  workers?: number;
  /** A running chemistry pool to use (and leave open) instead of starting one per call. */
  pool?: ChemPool;
  smilesColumn?: string;
  idColumn?: string;
  onProgress?: (p: { rows: number; fraction: number }) => void;
}

export interface PredictSummary {
  request: string;
  /** The model was frozen by policy: predictions were served but flagged. */
  modelFrozen: boolean;
  model: string;
  featureHash: string;
  rows: number;
  predicted: number;
  rejected: number;
  rejectReasons: Record<string, number>;
  outOfDomain: number;
  unseenScaffolds: number;
  output: string;
  rejects: string;
  seconds: number;
}

export interface LoadedModel {
  version: ModelVersion;
  recipe: FeatureRecipe;
  predict: (x: FeatureMatrix) => Promise<Prediction>;
  interval: ServingInterval | null;
  train: TrainingIndex | null;
  close: () => Promise<void>;
}

/** Below this nearest-neighbour Tanimoto to the training set a compound is flagged out of domain. */
export const DOMAIN_SIMILARITY = 0.3;

export async function loadServingModel(store: Store, ref: string, level = 0.9): Promise<LoadedModel> {
  await loadRDKit();
  const version = await resolveModel(store.db, ref);
  await assertAliasMatchesLog(store.db, ref, version);
  const contract = version.featureContract;
  const recipe: FeatureRecipe = { descriptors: contract.featureVersion.descriptors, morgan: contract.featureVersion.morgan };
  const here = featureVersion(recipe);
  if (here.hash !== version.featureHash) {
    throw new RotguardError(
      'feature_contract_mismatch',
      `${version.id} was built on features ${version.featureHash.slice(0, 12)} (RDKit ${contract.featureVersion.rdkit}); this runtime computes ${here.hash.slice(0, 12)} (RDKit ${here.rdkit}) for the same recipe. Rebuild the model on this runtime, or serve it from the runtime it was built on.`,
    );
  }
  const artifact = await store.blobs.get(version.artifactBlob);
  let predict: LoadedModel['predict'];
  let close = async () => {};
  // An imported version's contract names its ONNX inputs and outputs (decoded by origin).
  if ('onnx' in contract) {
    const onnx = await OnnxModel.load(artifact, contract.onnx);
    predict = (x) => onnx.predict(x);
    close = () => onnx.close();
  } else {
    const model = loadModel(artifact.toString('utf8'), version.artifactBlob);
    predict = async (x) => model.predict(x);
  }
  let interval: LoadedModel['interval'] = null;
  if (version.reportBlob) {
    const report = await readValidationReport(store.blobs, version.reportBlob);
    const row = report.conformal?.find((c) => Math.abs(c.level - level) < 1e-9);
    if (report.conformal && !row)
      throw new RotguardError('bad_level', `${version.id} was calibrated at ${report.conformal.map((c) => c.level).join(', ')}, not ${level}`);
    if (row && row.q !== null && Number.isFinite(row.q))
      interval = { level, q: row.q, normalized: report.conformalNormalized, bands: domainBands(report, level) };
  }
  const trainingBlob = trainingSetBlobOf(version.lineage);
  const train: LoadedModel['train'] = trainingBlob ? await trainingIndex(store.blobs, trainingBlob) : null;
  return { version, recipe, predict, interval, train, close };
}

/** A featurized compound to score: its standardized identity, its input, and its features' row in the batch arrays. */
export interface ScoringInput {
  inputId: string;
  structure: string;
  molecule: FeaturizedMolecule;
}

/** What one batch produced: the prediction records and the features for the shared cache. */
export interface ScoredBatch {
  records: NewRow<'predictions'>[];
  cache: NewRow<'feature_cache'>[];
}

/** Below DOMAIN_SIMILARITY, or null when the domain is unknown (no training set on record). */
export function inDomainOf(maxSimilarity: number | null | undefined): boolean | null {
  return maxSimilarity === null || maxSimilarity === undefined ? null : maxSimilarity >= DOMAIN_SIMILARITY;
}

/**
 * Step 1, no I/O: scores a batch of featurized compounds (descriptors and fingerprints in
 * the batch's row order) into prediction records with interval and applicability domain,
 * stamped with the request, the requester, the time and the freeze flag.
 */
export async function scoreBatch(
  model: LoadedModel,
  inputs: ScoringInput[],
  features: { descriptors: Float64Array; fingerprints: Uint32Array },
  meta: { request: string; batch: number; actor: string; frozen: boolean; now: string },
): Promise<ScoredBatch> {
  const nd = features.descriptors.length / Math.max(1, inputs.length);
  const words = features.fingerprints.length / Math.max(1, inputs.length);
  const { descriptors, fingerprints: fps } = features;
  const prediction = await model.predict({ rows: inputs.length, descriptors: { data: descriptors, columns: nd }, fingerprints: { data: fps, words } });
  const nn = model.train ? model.train.index.search(fps, 1) : null;
  const records: NewRow<'predictions'>[] = inputs.map(({ inputId, structure, molecule: m }, j) => {
    const value = prediction.value[j]!;
    const sigma = prediction.uncertainty[j]!;
    // No training set on record (an imported model): the domain is unknown, not "out".
    const sim = nn ? nn.similarities[j]! : null;
    // The interval of the compound's applicability-domain band (Mondrian conformal), when the version has them.
    const half = model.interval ? intervalHalfWidth(model.interval, sigma, sim) : Number.NaN;
    const hasInterval = Number.isFinite(half);
    const nearest = nn && nn.indices[j]! >= 0 ? model.train!.inchikeys[nn.indices[j]!]! : null;
    const seen = model.train ? (model.train.scaffolds.has(m.scaffold) ? 1 : 0) : null;
    return {
      id: randomUUID(),
      request: meta.request,
      model_version: model.version.id,
      feature_hash: model.version.featureHash,
      input_hash: sha256Hex(structure),
      input_id: inputId,
      inchikey: m.inchikey,
      smiles: m.smiles,
      value,
      uncertainty: Number.isFinite(sigma) ? sigma : null,
      interval_level: hasInterval ? model.interval!.level : null,
      lower: hasInterval ? value - half : null,
      upper: hasInterval ? value + half : null,
      max_similarity: sim,
      nearest_inchikey: nearest,
      scaffold: m.scaffold,
      scaffold_seen: seen,
      model_frozen: meta.frozen ? 1 : 0,
      requested_by: meta.actor,
      requested_at: meta.now,
      batch: meta.batch,
      // The model version's team owns its predictions (row-level security on PostgreSQL).
      team: model.version.team,
    };
  });
  // The features go to the shared cache too: monitoring reads input drift from there.
  const cache = inputs.map(({ molecule: m }, j) => ({
    inchikey: m.inchikey,
    feature_hash: model.version.featureHash,
    descriptors: JSON.stringify(Array.from(descriptors.subarray(j * nd, (j + 1) * nd), (v) => (Number.isNaN(v) ? null : v))),
    fingerprint: fingerprintToHex(fps, j * words, words),
    scaffold: m.scaffold,
    framework: m.framework,
    computed_at: meta.now,
  }));
  return { records, cache };
}

/**
 * Step 2: stores a scored batch (records and cached features) and its `predicted` event in
 * one transaction: an interrupted request leaves only batches that are both stored and
 * logged, so the audit can account for every row and monitoring counts only logged rows.
 */
export async function recordBatch(
  store: Store,
  batch: ScoredBatch,
  o: { request: string; batch: number; model: ModelVersion; actor: string; frozen: boolean },
): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    for (let i = 0; i < batch.records.length; i += 500)
      await trx
        .insertInto('predictions')
        .values(batch.records.slice(i, i + 500))
        .execute();
    for (let i = 0; i < batch.cache.length; i += 500) {
      await trx
        .insertInto('feature_cache')
        .values(batch.cache.slice(i, i + 500))
        .onConflict((oc) => oc.columns(['inchikey', 'feature_hash']).doNothing())
        .execute();
    }
    const { count, digest } = rowsDigest(batch.records as Array<{ id: string; value: number; input_hash: string; model_version: string }>);
    await appendEvent(trx, {
      kind: 'predicted',
      subject: `request:${o.request}`,
      model: o.model.model,
      versionId: o.model.id,
      actor: o.actor,
      reason: `${count} predictions (batch ${o.batch + 1})${o.frozen ? ', model frozen' : ''}`,
      payload: { request: o.request, batch: o.batch, count, digest },
    });
  });
}

/** The file adapter: streams a structure file through featurize → score → record, writing the output CSV and a rejects file atomically. */
export async function predictFile(store: Store, o: PredictOptions): Promise<PredictSummary> {
  const started = performance.now();
  const model = await loadServingModel(store, o.modelRef, o.level ?? 0.9);
  const file = await openMoleculeFile(o.input, o);
  const dict = descriptorDictionary(model.recipe.descriptors);
  const nd = dict.descriptors.length;
  const words = wordsFor(model.recipe.morgan.nBits);
  const request = randomUUID();
  // A model frozen by policy still answers, but every prediction says so.
  const frozen = (await frozenState(store.db, model.version.model)).frozen;
  const rejectsPath = o.rejects ?? o.out.replace(/(\.[^./\\]+)?$/, '.rejects.csv');
  const { out, rej } = openCsvOutputs(o.out, rejectsPath, o.input);
  out.write(
    'prediction_id,line,id,smiles,inchikey,value,uncertainty,interval_level,lower,upper,max_similarity,nearest_training_compound,scaffold_seen,in_domain,model_frozen\n',
  );
  rej.write('line,id,input,code,reason\n');
  const pool = o.pool ?? (await ChemPool.start(o.workers ?? ChemPool.defaultSize(), o.input));
  const summary = { rows: 0, predicted: 0, rejected: 0, outOfDomain: 0, unseenScaffolds: 0 };
  let batches = 0;
  const reasons: Record<string, number> = {};
  const reject = (row: { line: number; id: string; structure: string }, code: string, reason: string) => {
    summary.rejected++;
    reasons[code] = (reasons[code] ?? 0) + 1;
    rej.write([row.line, row.id, row.structure, code, reason].map(csvField).join(',') + '\n');
  };

  const handle = async (rows: FileRow[], result: BatchResult) => {
    let k = 0;
    const byInput: Array<{ row: FileRow; index: number }> = [];
    const rejectsByIndex = new Map(result.rejects.map((r) => [r.index, r]));
    for (const row of rows) {
      summary.rows++;
      if (row.kind === 'unreadable') {
        reject(row, row.code, row.reason);
        continue;
      }
      const i = k++;
      if (!result.molecules[i]) {
        const r = rejectsByIndex.get(i)!;
        reject(row, r.code, r.reason);
        continue;
      }
      byInput.push({ row, index: i });
    }
    if (!byInput.length) return;
    const descriptors = new Float64Array(byInput.length * nd);
    const fingerprints = new Uint32Array(byInput.length * words);
    byInput.forEach(({ index: i }, j) => {
      descriptors.set(result.descriptors.subarray(i * nd, (i + 1) * nd), j * nd);
      fingerprints.set(result.fingerprints.subarray(i * words, (i + 1) * words), j * words);
    });
    const inputs = byInput.map(({ row, index }) => ({ inputId: row.id, structure: row.structure, molecule: result.molecules[index]! }));
    const batch = batches++;
    const scored = await scoreBatch(model, inputs, { descriptors, fingerprints }, { request, batch, actor: o.actor, frozen, now: nowIso() });
    await recordBatch(store, scored, { request, batch, model: model.version, actor: o.actor, frozen });
    for (const [j, r] of scored.records.entries()) {
      const inDomain = inDomainOf(r.max_similarity);
      if (inDomain === false) summary.outOfDomain++;
      if (r.scaffold_seen === 0) summary.unseenScaffolds++;
      summary.predicted++;
      out.write(
        [
          r.id,
          byInput[j]!.row.line,
          r.input_id,
          r.smiles,
          r.inchikey,
          r.value,
          r.uncertainty ?? '',
          r.interval_level ?? '',
          r.lower ?? '',
          r.upper ?? '',
          r.max_similarity ?? '',
          r.nearest_inchikey ?? '',
          r.scaffold_seen ?? '',
          inDomain === null ? '' : inDomain ? 1 : 0,
          r.model_frozen,
        ]
          .map((v) => csvField(v as string | number))
          .join(',') + '\n',
      );
    }
  };

  try {
    await streamFeatures(file, pool, {
      recipe: model.recipe,
      batchSize: 256,
      perWorker: 2,
      onBatch: handle,
      onProgress: (p) => o.onProgress?.({ rows: summary.rows, fraction: p.fraction }),
    });
    out.commit();
    rej.commit();
  } catch (e) {
    // Batches already committed stay stored, each with its own event.
    out.abort();
    rej.abort();
    throw e;
  } finally {
    if (!o.pool) await pool.close();
    await model.close();
  }
  return {
    request,
    modelFrozen: frozen,
    model: model.version.id,
    featureHash: model.version.featureHash,
    ...summary,
    rejectReasons: reasons,
    output: o.out,
    rejects: rejectsPath,
    seconds: (performance.now() - started) / 1000,
  };
}
