import { randomUUID } from 'node:crypto';
import { csvField, openCsvOutputs } from '../core/atomic-file.js';
import { nowIso } from '../core/actor.js';
import { RotguardError } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import { ChemPool } from '../chem/chem-pool.js';
import { descriptorDictionary } from '../chem/descriptors.js';
import { featureVersion, type FeatureRecipe } from '../chem/featurize.js';
import type { BatchResult } from '../chem/featurize-batch.js';
import { fingerprintToHex, wordsFor } from '../chem/fingerprint.js';
import { loadRDKit } from '../chem/rdkit.js';
import { fingerprintSet, nearestNeighbours, type FingerprintSet } from '../chem/similarity.js';
import type { TrainingSet } from '../training/build.js';
import { OnnxModel, type OnnxIO } from '../training/onnx-model.js';
import { loadModel, type FeatureMatrix, type Prediction } from '../training/trainers/index.js';
import { streamFeatures } from '../data/feature-stream.js';
import { openMoleculeFile, type FileRow } from '../data/molecule-file.js';
import { frozenState, resolveModel, type ModelVersion } from '../registry/registry.js';
import { assertAliasMatchesLog } from '../registry/alias-check.js';
import { appendEvent } from '../store/event-log.js';
import type { NewRow } from '../store/schema.js';
import type { Store } from '../store/store.js';
import type { ValidationReport } from '../validate/report.js';
import { rowsDigest } from './prediction-digest.js';

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

interface LoadedModel {
  version: ModelVersion;
  recipe: FeatureRecipe;
  predict: (x: FeatureMatrix) => Promise<Prediction>;
  interval: { level: number; q: number; normalized: boolean } | null;
  train: { set: FingerprintSet; inchikeys: string[]; scaffolds: Set<string> } | null;
  close: () => Promise<void>;
}

/** Below this nearest-neighbour Tanimoto to the training set a compound is flagged out of domain. */
export const DOMAIN_SIMILARITY = 0.3;

export async function loadServingModel(store: Store, ref: string, level = 0.9): Promise<LoadedModel> {
  await loadRDKit();
  const version = await resolveModel(store.db, ref);
  await assertAliasMatchesLog(store.db, ref, version);
  const contract = version.featureContract as { featureVersion: { descriptors: string; morgan: { radius: number; nBits: number }; hash: string; rdkit: string }; onnx?: OnnxIO };
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
  if (version.origin === 'imported') {
    const onnx = await OnnxModel.load(artifact, contract.onnx!);
    predict = (x) => onnx.predict(x);
    close = () => onnx.close();
  } else {
    const model = loadModel(artifact.toString('utf8'));
    predict = async (x) => model.predict(x);
  }
  let interval: LoadedModel['interval'] = null;
  if (version.reportBlob) {
    const report = JSON.parse((await store.blobs.get(version.reportBlob)).toString('utf8')) as ValidationReport;
    const row = report.conformal?.find((c) => Math.abs(c.level - level) < 1e-9);
    if (report.conformal && !row) throw new RotguardError('bad_level', `${version.id} was calibrated at ${report.conformal.map((c) => c.level).join(', ')}, not ${level}`);
    if (row && row.q !== null && Number.isFinite(row.q)) interval = { level, q: row.q, normalized: report.conformalNormalized };
  }
  let train: LoadedModel['train'] = null;
  const trainingBlob = version.lineage.trainingSet as string | undefined;
  if (trainingBlob) {
    const t = JSON.parse((await store.blobs.get(trainingBlob)).toString('utf8')) as TrainingSet;
    const bytes = Buffer.from(t.fingerprints, 'base64');
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
    train = { set: fingerprintSet(words, t.fingerprintWords), inchikeys: t.inchikeys, scaffolds: new Set(t.scaffolds) };
  }
  return { version, recipe, predict, interval, train, close };
}

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
  out.write('prediction_id,line,id,smiles,inchikey,value,uncertainty,interval_level,lower,upper,max_similarity,nearest_training_compound,scaffold_seen,in_domain,model_frozen\n');
  rej.write('line,id,input,code,reason\n');
  const pool = o.pool ?? await ChemPool.start(o.workers ?? ChemPool.defaultSize(), o.input);
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
    for (const row of rows) {
      summary.rows++;
      if (row.kind === 'unreadable') {
        reject(row, row.code, row.reason);
        continue;
      }
      const i = k++;
      const m = result.molecules[i];
      if (!m) {
        const r = result.rejects.find((x) => x.index === i)!;
        reject(row, r.code, r.reason);
        continue;
      }
      byInput.push({ row, index: i });
    }
    if (!byInput.length) return;
    const descriptors = new Float64Array(byInput.length * nd);
    const fps = new Uint32Array(byInput.length * words);
    byInput.forEach(({ index: i }, j) => {
      descriptors.set(result.descriptors.subarray(i * nd, (i + 1) * nd), j * nd);
      fps.set(result.fingerprints.subarray(i * words, (i + 1) * words), j * words);
    });
    const prediction = await model.predict({ rows: byInput.length, descriptors: { data: descriptors, columns: nd }, fingerprints: { data: fps, words } });
    const nn = model.train ? nearestNeighbours(fingerprintSet(fps, words), model.train.set, 1) : null;
    const now = nowIso();
    const batch = batches++;
    const records: NewRow<'predictions'>[] = byInput.map(({ row, index }, j) => {
      const m = result.molecules[index]!;
      const value = prediction.value[j]!;
      const sigma = prediction.uncertainty[j]!;
      const half = model.interval ? model.interval.q * (model.interval.normalized ? sigma : 1) : Number.NaN;
      const hasInterval = Number.isFinite(half);
      // No training set on record (an imported model): the domain is unknown, not "out".
      const sim = nn ? nn.similarities[j]! : null;
      const nearest = nn && nn.indices[j]! >= 0 ? model.train!.inchikeys[nn.indices[j]!]! : null;
      const seen = model.train ? (model.train.scaffolds.has(m.scaffold) ? 1 : 0) : null;
      return {
        id: randomUUID(), request, model_version: model.version.id, feature_hash: model.version.featureHash, input_hash: sha256Hex(row.structure),
        input_id: row.id, inchikey: m.inchikey, smiles: m.smiles, value, uncertainty: Number.isFinite(sigma) ? sigma : null,
        interval_level: hasInterval ? model.interval!.level : null, lower: hasInterval ? value - half : null, upper: hasInterval ? value + half : null,
        max_similarity: sim, nearest_inchikey: nearest, scaffold: m.scaffold, scaffold_seen: seen, model_frozen: frozen ? 1 : 0, requested_by: o.actor, requested_at: now, batch,
      };
    });
    // The features go to the shared cache too: monitoring reads input drift from there.
    const cache = byInput.map(({ index }, j) => ({
      inchikey: result.molecules[index]!.inchikey, feature_hash: model.version.featureHash,
      descriptors: JSON.stringify(Array.from(descriptors.subarray(j * nd, (j + 1) * nd), (v) => (Number.isNaN(v) ? null : v))),
      fingerprint: fingerprintToHex(fps, j * words, words), scaffold: result.molecules[index]!.scaffold, framework: result.molecules[index]!.framework, computed_at: now,
    }));
    await store.db.transaction().execute(async (trx) => {
      for (let i = 0; i < records.length; i += 500) await trx.insertInto('predictions').values(records.slice(i, i + 500)).execute();
      for (let i = 0; i < cache.length; i += 500) {
        await trx.insertInto('feature_cache').values(cache.slice(i, i + 500)).onConflict((oc) => oc.columns(['inchikey', 'feature_hash']).doNothing()).execute();
      }
      // The batch's event commits with its rows: an interrupted request leaves only
      // batches that are both stored and logged, so the audit can account for every row.
      const { count, digest } = rowsDigest(records as Array<{ id: string; value: number; input_hash: string; model_version: string }>);
      await appendEvent(trx, {
        kind: 'predicted', subject: `request:${request}`, model: model.version.model, versionId: model.version.id, actor: o.actor,
        reason: `${count} predictions (batch ${batch + 1})${frozen ? ', model frozen' : ''}`,
        payload: { request, batch, count, digest },
      });
    });
    for (const [j, r] of records.entries()) {
      const inDomain = r.max_similarity === null || r.max_similarity === undefined ? null : r.max_similarity >= DOMAIN_SIMILARITY;
      if (inDomain === false) summary.outOfDomain++;
      if (r.scaffold_seen === 0) summary.unseenScaffolds++;
      summary.predicted++;
      out.write([r.id, byInput[j]!.row.line, r.input_id, r.smiles, r.inchikey, r.value, r.uncertainty ?? '', r.interval_level ?? '', r.lower ?? '', r.upper ?? '', r.max_similarity ?? '', r.nearest_inchikey ?? '', r.scaffold_seen ?? '', inDomain === null ? '' : inDomain ? 1 : 0, r.model_frozen].map((v) => csvField(v as string | number)).join(',') + '\n');
    }
  };

  try {
    await streamFeatures(file, pool, {
      recipe: model.recipe, batchSize: 256, perWorker: 2, onBatch: handle,
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
    request, modelFrozen: frozen, model: model.version.id, featureHash: model.version.featureHash, ...summary, rejectReasons: reasons, output: o.out, rejects: rejectsPath,
    seconds: (performance.now() - started) / 1000,
  };
}
