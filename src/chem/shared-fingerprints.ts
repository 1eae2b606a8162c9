import { randomUUID } from 'node:crypto';
import { SimilarityIndex, type SearchOptions } from './similarity-index.js';
import type { Neighbours } from './similarity.js';

/**
 * A target set of fingerprints that pool workers share: the words live in one
 * SharedArrayBuffer (posting it to a worker copies nothing), and the id lets each worker
 * build its SimilarityIndex once and reuse it for every later slice of queries.
 */
export interface SharedFingerprints {
  id: string;
  words: number;
  data: Uint32Array;
}

export function shareFingerprints(data: Uint32Array, words: number): SharedFingerprints {
  const shared = new Uint32Array(new SharedArrayBuffer(data.byteLength));
  shared.set(data);
  return { id: randomUUID(), words, data: shared };
}

/** A worker's slice of a search: queries [from, from + n) of the whole query set. */
export interface SimilaritySlice {
  targets: SharedFingerprints;
  queries: Uint32Array;
  k: number;
  options: SearchOptions;
}

export interface SimilaritySliceResult extends Neighbours {
  /** Pairs whose common bits were counted (the rest were pruned). */
  compared: number;
}

// Worker side: the indexes this thread has built, most recent last (a predict serves one model).
const KEEP = 2;
const indexes = new Map<string, SimilarityIndex>();

export function searchSlice(slice: SimilaritySlice): SimilaritySliceResult {
  let index = indexes.get(slice.targets.id);
  if (index) indexes.delete(slice.targets.id);
  else index = new SimilarityIndex(slice.targets.data, slice.targets.words);
  indexes.set(slice.targets.id, index);
  while (indexes.size > KEEP) indexes.delete(indexes.keys().next().value!);
  const before = index.stats.compared;
  const r = index.search(slice.queries, slice.k, slice.options);
  return { ...r, compared: index.stats.compared - before };
}
