/**
 * Decoders for what a build stores as JSON: the training-set blob (read by serving for the
 * applicability domain, by monitoring for seen scaffolds, by the audit for the compound
 * set) and the resolved recipe (builds.recipe). Pure (core only). Model artifacts are
 * decoded by their trainer (`loadModel`), the build environment with the lineage
 * (registry/decoders.ts).
 */
import { d, decodeJson, readJsonBlob, type Decoder } from '../core/decode.js';
import { splitRuleDecoder } from '../validate/decoders.js';
import type { TrainingSet } from './build.js';
import type { DatasetWindow, Recipe, TaskRule } from './recipe.js';

export const trainingSetDecoder: Decoder<TrainingSet> = d.object({
  inchikeys: d.array(d.string),
  scaffolds: d.array(d.string),
  fingerprintWords: d.integer,
  fingerprints: d.string,
});

/** The training-set blob a built version's lineage names: one decoder for every reader. */
export function readTrainingSet(blobs: { get(hash: string): Promise<Uint8Array> }, hash: string): Promise<TrainingSet> {
  return readJsonBlob(blobs, hash, trainingSetDecoder, 'training set');
}

const task: Decoder<TaskRule> = d.tagged('type', {
  regression: d.object({ type: d.literal('regression') }),
  classification: d.object({ type: d.literal('classification'), threshold: d.number, positive: d.literal('above', 'below') }),
});

const datasetWindow: Decoder<DatasetWindow> = d.object({
  protocols: d.optional(d.array(d.string)),
  sites: d.optional(d.array(d.string)),
  teams: d.optional(d.array(d.string)),
  measuredFrom: d.optional(d.string),
  measuredTo: d.optional(d.string),
  reportedBy: d.optional(d.string),
  aggregate: d.literal('mean', 'median'),
  censored: d.literal('drop', 'as_bound', 'prefer_exact'),
});

export const recipeDecoder: Decoder<Recipe> = d.object({
  model: d.string,
  task,
  team: d.string,
  endpoint: d.string,
  dataset: d.oneOf('{snapshot} or {window}', d.object({ snapshot: d.string }), d.object({ window: datasetWindow })),
  features: d.object({ descriptors: d.string, radius: d.integer, bits: d.integer }),
  split: splitRuleDecoder,
  algorithm: d.string,
  params: d.record(d.unknown),
  seed: d.integer,
});

/** builds.recipe: the recipe as built, its dataset resolved to a snapshot hash. */
export function decodeStoredRecipe(json: string, buildHash: string): Recipe {
  return decodeJson(json, recipeDecoder, { kind: 'row', what: 'recipe of build', id: buildHash });
}
