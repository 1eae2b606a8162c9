/**
 * Decoders for what the data layer stores as JSON: snapshot blobs and definitions, feature
 * set definitions, protocol parameters and cached descriptor rows. Pure (core only), so
 * the event log and the layers above can decode these without importing the data layer's I/O.
 */
import { d, readJsonBlob, ShapeError, type Decoder } from '../core/decode.js';
import type { FeatureRecipe, FeatureVersion } from '../chem/featurize.js';
import type { SnapshotContent, SnapshotDefinition, SnapshotRow } from './snapshots.js';

const aggregation = d.object({ method: d.literal('mean', 'median'), censored: d.literal('drop', 'as_bound', 'prefer_exact') });

export const snapshotDefinitionDecoder: Decoder<SnapshotDefinition> = d.object({
  endpoint: d.string,
  protocolVersions: d.optional(d.array(d.string)),
  sites: d.optional(d.array(d.string)),
  teams: d.optional(d.array(d.string)),
  measuredFrom: d.optional(d.string),
  measuredTo: d.optional(d.string),
  reportedBy: d.optional(d.string),
  aggregation,
});

const snapshotRow: Decoder<SnapshotRow> = d.object({
  inchikey: d.string,
  smiles: d.string,
  label: d.number,
  qualifier: d.literal('=', '<', '>'),
  n: d.integer,
  measurements: d.array(d.string),
});

export const snapshotContentDecoder: Decoder<SnapshotContent> = d.object({
  definition: snapshotDefinitionDecoder,
  endpoint: d.object({ name: d.string, unit: d.string, transform: d.string, hash: d.string }),
  rows: d.array(snapshotRow),
});

/** A snapshot blob (its hash is the snapshot hash). */
export function readSnapshotBlob(blobs: { get(hash: string): Promise<Uint8Array> }, hash: string): Promise<SnapshotContent> {
  return readJsonBlob(blobs, hash, snapshotContentDecoder, 'snapshot');
}

const morgan = d.object({ radius: d.integer, nBits: d.integer });
const featureRecipe: Decoder<FeatureRecipe> = d.object({ descriptors: d.string, morgan });

export const featureVersionDecoder: Decoder<FeatureVersion> = d.object({
  descriptors: d.string,
  descriptorHash: d.string,
  morgan,
  morganHash: d.string,
  rdkit: d.string,
  hash: d.string,
});

/** feature_sets.definition: the recipe and the version it hashes to. */
export const featureSetDefinitionDecoder: Decoder<{ recipe: FeatureRecipe; version: FeatureVersion }> = d.object({
  recipe: featureRecipe,
  version: featureVersionDecoder,
});

/** protocol_versions.parameters: any JSON object (pH, incubation time, cell line…). */
export const protocolParametersDecoder: Decoder<Record<string, unknown>> = d.record(d.unknown);

/**
 * feature_cache.descriptors: one value per descriptor in dictionary order, null where RDKit
 * gave NaN. Read for every compound of a build or a monitoring window, so checked in one
 * loop over the parsed array, without a copy.
 */
export const descriptorRowDecoder: Decoder<Array<number | null>> = (v) => {
  if (!Array.isArray(v)) throw new ShapeError('an array', v);
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (x !== null && (typeof x !== 'number' || !Number.isFinite(x))) throw new ShapeError('a number or null', x).within(i);
  }
  return v as Array<number | null>;
};
