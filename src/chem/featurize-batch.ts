import { MoleculeError } from '../core/errors.js';
import { descriptorDictionary } from './descriptors.js';
import { featurizeInto, type FeatureRecipe, type FeaturizedMolecule } from './featurize.js';
import { wordsFor } from './fingerprint.js';

/** One input structure of a batch. */
export interface BatchInput {
  line: number;
  structure: string;
}

/** A structure that failed, with its position in the batch. */
export interface BatchReject {
  index: number;
  code: string;
  reason: string;
}

/**
 * The features of a batch as flat typed arrays (cheap to transfer between threads).
 * Rows that failed have NaN descriptors, zero fingerprint words and `molecules[i] === null`.
 */
export interface BatchResult {
  molecules: (FeaturizedMolecule | null)[];
  rejects: BatchReject[];
  descriptors: Float64Array;
  fingerprints: Uint32Array;
}

export function featurizeBatch(inputs: BatchInput[], recipe: FeatureRecipe, file?: string): BatchResult {
  const dict = descriptorDictionary(recipe.descriptors);
  const nd = dict.descriptors.length;
  const words = wordsFor(recipe.morgan.nBits);
  const descriptors = new Float64Array(inputs.length * nd).fill(Number.NaN);
  const fingerprints = new Uint32Array(inputs.length * words);
  const molecules: (FeaturizedMolecule | null)[] = [];
  const rejects: BatchReject[] = [];
  inputs.forEach((input, i) => {
    try {
      molecules.push(featurizeInto(input.structure, dict, recipe.morgan, descriptors, i * nd, fingerprints, i * words, { file, line: input.line }));
    } catch (e) {
      molecules.push(null);
      if (e instanceof MoleculeError) rejects.push({ index: i, code: e.code, reason: e.message });
      else rejects.push({ index: i, code: 'internal_error', reason: e instanceof Error ? e.message : String(e) });
    }
  });
  return { molecules, rejects, descriptors, fingerprints };
}
