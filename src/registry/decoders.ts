/**
 * A model version's lineage and feature contract, typed, and their decoders. Both are
 * stored as canonical JSON columns of model_versions; the lineage's kind comes from the
 * row's `origin` column (it is not repeated inside the JSON, so the stored format is
 * unchanged). Pure: core, and validate's split-rule decoder.
 */
import { d, decodeJson, type Decoder } from '../core/decode.js';
import { StoredDataError } from '../core/errors.js';
import type { FeatureVersion } from '../chem/featurize.js';
import type { BuildEnvironment } from '../training/environment.js';
import type { OnnxIO } from '../training/onnx-model.js';
import type { SplitRule } from '../validate/splits.js';
import { splitRuleDecoder } from '../validate/decoders.js';

/** A version rotguard built: everything is recorded, nothing is missing. */
export interface BuiltLineage {
  origin: 'built';
  snapshot: string;
  featureHash: string;
  splitRule: SplitRule;
  seed: number;
  environment: BuildEnvironment;
  /** Blob of the training set (InChIKeys, scaffolds, fingerprints): the applicability domain's reference. */
  trainingSet: string;
  missing: string[];
}

/** A version trained elsewhere and imported (ONNX): what was declared, and what was not (`missing`), never invented. */
export interface ImportedLineage {
  origin: 'imported';
  onnxSha256: string;
  imageDigest?: string;
  lockfileSha256?: string;
  snapshot?: string;
  split?: string;
  seed?: number;
  missing: string[];
}

export type ModelLineage = BuiltLineage | ImportedLineage;
export type ModelOrigin = ModelLineage['origin'];

/** Features a built model reads: the feature version, the descriptor names in order, the fingerprint and which blocks the trainer used. */
export interface BuiltFeatureContract {
  featureVersion: FeatureVersion;
  descriptors: string[];
  fingerprint: { type: 'morgan'; radius: number; nBits: number };
  uses: Array<'descriptors' | 'fingerprints'>;
}

/** Features an imported ONNX model reads: the feature version and the graph's input/output names. */
export interface OnnxFeatureContract {
  featureVersion: FeatureVersion;
  onnx: OnnxIO;
}

export type FeatureContract = BuiltFeatureContract | OnnxFeatureContract;

export const buildEnvironmentDecoder: Decoder<BuildEnvironment> = d.object({
  rotguard: d.string,
  codeSha256: d.string,
  lockfileSha256: d.nullable(d.string),
  rdkit: d.string,
  node: d.string,
  platform: d.string,
});

const builtLineage = d.object({
  snapshot: d.string,
  featureHash: d.string,
  splitRule: splitRuleDecoder,
  seed: d.integer,
  environment: buildEnvironmentDecoder,
  trainingSet: d.sha256,
  missing: d.array(d.string),
});

const importedLineage = d.object({
  onnxSha256: d.sha256,
  imageDigest: d.optional(d.string),
  lockfileSha256: d.optional(d.string),
  snapshot: d.optional(d.string),
  split: d.optional(d.string),
  seed: d.optional(d.integer),
  missing: d.array(d.string),
});

const featureVersion: Decoder<FeatureVersion> = d.object({
  descriptors: d.string,
  descriptorHash: d.string,
  morgan: d.object({ radius: d.integer, nBits: d.integer }),
  morganHash: d.string,
  rdkit: d.string,
  hash: d.string,
});

const builtContract: Decoder<BuiltFeatureContract> = d.object({
  featureVersion,
  descriptors: d.array(d.string),
  fingerprint: d.object({ type: d.literal('morgan'), radius: d.integer, nBits: d.integer }),
  uses: d.array(d.literal('descriptors', 'fingerprints')),
});

const onnxContract: Decoder<OnnxFeatureContract> = d.object({
  featureVersion,
  onnx: d.object({
    block: d.literal('descriptors', 'fingerprints'),
    width: d.integer,
    inputName: d.string,
    valueOutput: d.string,
    uncertaintyOutput: d.nullable(d.string),
  }),
});

export function isModelOrigin(origin: string): origin is ModelOrigin {
  return origin === 'built' || origin === 'imported';
}

/** model_versions.lineage, typed by the row's origin. */
export function decodeLineage(json: string, origin: string, versionId: string): ModelLineage {
  const source = { kind: 'row', what: `lineage of ${versionId}`, id: `model_versions ${versionId}` } as const;
  if (origin === 'built') return { origin, ...decodeJson(json, builtLineage, source) };
  if (origin === 'imported') return { origin, ...decodeJson(json, importedLineage, source) };
  throw new StoredDataError(source, `has origin "${origin}"; expected "built" or "imported"`, 'origin');
}

/** The stored form of a lineage: the JSON without `origin`, which is the row's own column. */
export function lineageDocument(lineage: ModelLineage): Omit<BuiltLineage, 'origin'> | Omit<ImportedLineage, 'origin'> {
  const { origin: _origin, ...stored } = lineage;
  return stored;
}

/** model_versions.feature_contract, typed by the row's origin. */
export function decodeFeatureContract(json: string, origin: ModelOrigin, versionId: string): FeatureContract {
  const decoder: Decoder<FeatureContract> = origin === 'built' ? builtContract : onnxContract;
  return decodeJson(json, decoder, { kind: 'row', what: `feature contract of ${versionId}`, id: `model_versions ${versionId}` });
}

/** The training-set blob of a built version (imported versions have none: their training data is not ours to read). */
export function trainingSetBlobOf(lineage: ModelLineage): string | null {
  return lineage.origin === 'built' ? lineage.trainingSet : null;
}
