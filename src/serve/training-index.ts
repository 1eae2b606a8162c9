import { SimilarityIndex } from '../chem/similarity-index.js';
import type { BlobStore } from '../store/blob-store.js';
import { readTrainingSet } from '../training/decoders.js';

/**
 * A model version's training set ready for the applicability domain: the similarity index
 * over its fingerprints, the InChIKeys (index → nearest training compound) and the seen
 * scaffolds. Built once per training-set blob (the blob is content-addressed, so one model
 * version's index is never stale) and kept for the process: a replay or a server that
 * predicts every week with the same version parses and indexes its training set once.
 */
export interface TrainingIndex {
  blob: string;
  index: SimilarityIndex;
  inchikeys: string[];
  scaffolds: Set<string>;
}

/** How many training sets stay indexed in a process (a champion and a challenger or two). */
const KEEP = 4;
const cache = new Map<string, Promise<TrainingIndex>>();

export function trainingIndex(blobs: BlobStore, blob: string): Promise<TrainingIndex> {
  let entry = cache.get(blob);
  if (entry) {
    cache.delete(blob); // most recently used goes last
  } else {
    entry = build(blobs, blob);
    // A failed read is not remembered: the next call tries again.
    entry.catch(() => cache.delete(blob));
  }
  cache.set(blob, entry);
  while (cache.size > KEEP) cache.delete(cache.keys().next().value!);
  return entry;
}

async function build(blobs: BlobStore, blob: string): Promise<TrainingIndex> {
  const t = await readTrainingSet(blobs, blob);
  const bytes = Buffer.from(t.fingerprints, 'base64');
  const words = new Uint32Array(t.inchikeys.length * t.fingerprintWords);
  for (let i = 0; i < words.length; i++) words[i] = bytes.readUInt32LE(i * 4);
  return { blob, index: new SimilarityIndex(words, t.fingerprintWords), inchikeys: t.inchikeys, scaffolds: new Set(t.scaffolds) };
}
