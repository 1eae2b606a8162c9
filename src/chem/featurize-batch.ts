import { MoleculeError } from '../core/errors.js';
import { nativeAverageMolWeight, nativeDescriptorsRefusal } from './descriptors-native.js';
import { descriptorDictionary, rdkitDescriptorValues } from './descriptors.js';
import { featurizeInto, type FeatureRecipe, type FeaturizedMolecule } from './featurize.js';
import { wordsFor } from './fingerprint.js';
import { release, standardize } from './standardize.js';

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

/**
 * An error that is not a MoleculeError, raised while RDKit handled row `index`: RDKit's
 * WebAssembly instance may now be corrupt (a stack overflow shows as "memory access out
 * of bounds"), so the batch stops here and the worker must be replaced (see ChemPool).
 */
export class ToolkitCrash extends Error {
  readonly index: number;
  constructor(index: number, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'ToolkitCrash';
    this.index = index;
  }
}

/** `onRow(i)` is called before row i starts: the pool's per-structure time limit runs from it. */
export function featurizeBatch(inputs: BatchInput[], recipe: FeatureRecipe, file?: string, onRow?: (i: number) => void): BatchResult {
  const dict = descriptorDictionary(recipe.descriptors);
  const nd = dict.descriptors.length;
  const words = wordsFor(recipe.morgan.nBits);
  const descriptors = new Float64Array(inputs.length * nd).fill(Number.NaN);
  const fingerprints = new Uint32Array(inputs.length * words);
  const molecules: (FeaturizedMolecule | null)[] = [];
  const rejects: BatchReject[] = [];
  inputs.forEach((input, i) => {
    onRow?.(i);
    try {
      molecules.push(featurizeInto(input.structure, dict, recipe.morgan, descriptors, i * nd, fingerprints, i * words, { file, line: input.line }));
    } catch (e) {
      molecules.push(null);
      rejects.push(toReject(i, e));
    }
  });
  return { molecules, rejects, descriptors, fingerprints };
}

/** A compound's identity only: what ingest needs (standardize, no features). */
export interface IdentifiedMolecule {
  smiles: string;
  inchikey: string;
  changes: string[];
  /** Average molecular weight, when asked for (unit conversions between mass and molar). */
  molWeight?: number;
}

export interface IdentityResult {
  molecules: (IdentifiedMolecule | null)[];
  rejects: BatchReject[];
}

export function identifyBatch(inputs: BatchInput[], withMolWeight: boolean, file?: string, onRow?: (i: number) => void): IdentityResult {
  const molecules: (IdentifiedMolecule | null)[] = [];
  const rejects: BatchReject[] = [];
  inputs.forEach((input, i) => {
    onRow?.(i);
    try {
      const std = standardize(input.structure, { file, line: input.line });
      try {
        const m: IdentifiedMolecule = { smiles: std.smiles, inchikey: std.inchikey, changes: std.changes };
        // The TypeScript amw is RDKit's to the last bit (test/chem/descriptors-native.test.ts), at a fraction of get_descriptors' cost.
        if (withMolWeight) m.molWeight = nativeDescriptorsRefusal(std.graph) === null ? nativeAverageMolWeight(std.graph) : rdkitDescriptorValues(std.mol).amw;
        molecules.push(m);
      } finally {
        release(std);
      }
    } catch (e) {
      molecules.push(null);
      rejects.push(toReject(i, e));
    }
  });
  return { molecules, rejects };
}

function toReject(index: number, e: unknown): BatchReject {
  if (e instanceof MoleculeError) return { index, code: e.code, reason: e.message };
  throw new ToolkitCrash(index, e);
}
