import { readFileSync } from 'node:fs';
import { RotguardError } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import { descriptorDictionary } from '../chem/descriptors.js';
import { resolveFeatureSet } from '../data/features.js';
import { resolveSnapshot } from '../data/snapshots.js';
import type { ImportedLineage } from '../registry/decoders.js';
import { registerVersion, type ModelVersion } from '../registry/registry.js';
import type { Store } from '../store/store.js';
import { OnnxModel, type OnnxIO } from './onnx-model.js';

/**
 * Registers a model trained outside rotguard as an ONNX file. What the user declares
 * (the environment it was trained in, the snapshot it was trained on, split and seed) is
 * recorded; what is not declared is recorded as missing, never invented, so the audit
 * can flag it. The model is loaded once to check it against its feature contract.
 */
export interface OnnxImport {
  model: string;
  endpoint: string;
  team: string;
  onnxPath: string;
  /** Feature set name or hash the model's inputs were computed with. */
  features: string;
  block: OnnxIO['block'];
  inputName?: string;
  valueOutput?: string;
  uncertaintyOutput?: string | null;
  /** Declared lineage. */
  imageDigest?: string;
  lockfilePath?: string;
  snapshot?: string;
  split?: string;
  seed?: number;
  actor: string;
  reason?: string;
}

export async function importOnnxModel(store: Store, o: OnnxImport): Promise<ModelVersion> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(o.onnxPath);
  } catch (e) {
    throw new RotguardError('file_not_found', `cannot read ${o.onnxPath}: ${(e as NodeJS.ErrnoException).code ?? e}`, { file: o.onnxPath });
  }
  const endpoint = await store.db.selectFrom('endpoints').select('name').where('name', '=', o.endpoint).executeTakeFirst();
  if (!endpoint) throw new RotguardError('unknown_endpoint', `no endpoint named "${o.endpoint}"`, { field: 'endpoint' });
  const set = await resolveFeatureSet(store, o.features);
  const width = o.block === 'descriptors' ? descriptorDictionary(set.recipe.descriptors).descriptors.length : set.recipe.morgan.nBits;
  const io: OnnxIO = {
    block: o.block,
    width,
    inputName: o.inputName ?? o.block,
    valueOutput: o.valueOutput ?? 'value',
    uncertaintyOutput: o.uncertaintyOutput === undefined ? null : o.uncertaintyOutput,
  };
  const model = await OnnxModel.load(bytes, io);
  await model.close();

  if (o.imageDigest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(o.imageDigest)) {
    throw new RotguardError('bad_digest', `image digest must look like sha256:<64 hex>, got "${o.imageDigest}"`, { field: 'image-digest' });
  }
  const lockfileSha256 = o.lockfilePath ? sha256Hex(readFileSync(o.lockfilePath)) : undefined;
  const snapshot = o.snapshot ? (await resolveSnapshot(store, o.snapshot)).hash : undefined;
  const declared = { imageDigest: o.imageDigest, lockfileSha256, snapshot, split: o.split, seed: o.seed };
  const missing = Object.entries(declared)
    .filter(([, v]) => v === undefined)
    .map(([k]) => k);
  const lineage: ImportedLineage = { origin: 'imported', ...withoutUndefined(declared), onnxSha256: sha256Hex(bytes), missing };

  const artifactBlob = await store.blobs.put(bytes);
  return store.db.transaction().execute((trx) =>
    registerVersion(
      trx,
      {
        model: o.model,
        endpoint: o.endpoint,
        team: o.team,
        buildHash: null,
        artifactBlob,
        reportBlob: null,
        featureHash: set.hash,
        featureContract: { featureVersion: set.version, onnx: io },
        lineage,
        createdBy: o.actor,
      },
      o.reason ?? `imported ONNX ${o.onnxPath}${missing.length ? ` (lineage missing: ${missing.join(', ')})` : ''}`,
    ),
  );
}

/** The declared fields only: an undeclared field is listed in `missing`, not stored as null. */
function withoutUndefined<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
