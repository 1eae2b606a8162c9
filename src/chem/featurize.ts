import type { ErrorLocation } from '../core/errors.js';
import { hashOf } from '../core/hash.js';
import { computeDescriptors, descriptorDictionary, descriptorVersionHash, type DescriptorDictionary } from './descriptors.js';
import { morganFingerprint, morganVersionHash, validateMorgan, wordsFor, type MorganParams } from './fingerprint.js';
import { rdkitVersion } from './rdkit.js';
import { murckoScaffolds } from './scaffold.js';
import { release, standardize } from './standardize.js';

/** What to compute for every molecule: one descriptor dictionary and one Morgan setting. */
export interface FeatureRecipe {
  descriptors: string;
  morgan: MorganParams;
}

/** The feature version: names the recipe and hashes it with the RDKit version. */
export interface FeatureVersion {
  descriptors: string;
  descriptorHash: string;
  morgan: MorganParams;
  morganHash: string;
  rdkit: string;
  hash: string;
}

/** `rdkit`: the RDKit version the features come from; this thread's RDKit when omitted. */
export function featureVersion(recipe: FeatureRecipe, rdkit: string = rdkitVersion()): FeatureVersion {
  const dict = descriptorDictionary(recipe.descriptors);
  const morgan = validateMorgan(recipe.morgan);
  const descriptorHash = descriptorVersionHash(dict, rdkit);
  const morganHash = morganVersionHash(morgan, rdkit);
  return {
    descriptors: dict.id,
    descriptorHash,
    morgan,
    morganHash,
    rdkit,
    hash: hashOf({ descriptorHash, morganHash }),
  };
}

export interface FeaturizedMolecule {
  smiles: string;
  inchikey: string;
  scaffold: string;
  framework: string;
  /** What standardization changed, e.g. "kept largest of 2 fragments". */
  changes: string[];
}

/**
 * Standardize one structure and compute all its features with a single RDKit parse.
 * Descriptors and fingerprint words are written into the caller's buffers at the given
 * offsets (so a batch fills two flat typed arrays). Throws MoleculeError on bad input.
 */
export function featurizeInto(
  input: string,
  dict: DescriptorDictionary,
  morgan: MorganParams,
  descriptorsOut: Float64Array,
  descriptorOffset: number,
  fingerprintsOut: Uint32Array,
  fingerprintOffset: number,
  where: ErrorLocation = {},
): FeaturizedMolecule {
  const std = standardize(input, where);
  try {
    computeDescriptors(dict, std.mol, std.graph, descriptorsOut.subarray(descriptorOffset, descriptorOffset + dict.descriptors.length));
    morganFingerprint(std.mol, morgan, fingerprintsOut, fingerprintOffset);
    const { scaffold, framework } = murckoScaffolds(std.graph);
    return { smiles: std.smiles, inchikey: std.inchikey, scaffold, framework, changes: std.changes };
  } finally {
    release(std);
  }
}

/** Convenience for one molecule: returns its own arrays. */
export function featurize(
  input: string,
  recipe: FeatureRecipe,
  where: ErrorLocation = {},
): FeaturizedMolecule & { descriptors: Float64Array; fingerprint: Uint32Array } {
  const dict = descriptorDictionary(recipe.descriptors);
  const descriptors = new Float64Array(dict.descriptors.length);
  const fingerprint = new Uint32Array(wordsFor(recipe.morgan.nBits));
  const m = featurizeInto(input, dict, recipe.morgan, descriptors, 0, fingerprint, 0, where);
  return { ...m, descriptors, fingerprint };
}
