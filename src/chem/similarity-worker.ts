import { parentPort, workerData } from 'node:worker_threads';
import { SimilarityIndex, type SearchOptions } from './similarity-index.js';

// A similarity worker: builds its own index (own WebAssembly memory) from the shared
// fingerprints once, then answers slices of queries until the pool closes it.
export interface SimilarityTask {
  seq: number;
  queries: Uint32Array;
  k: number;
  options: SearchOptions;
}

const { data, words } = workerData as { data: Uint32Array; words: number };
const index = new SimilarityIndex(data, words);
parentPort!.on('message', (m: SimilarityTask) => {
  const before = index.stats.compared;
  const r = index.search(m.queries, m.k, m.options);
  parentPort!.postMessage({ seq: m.seq, indices: r.indices, similarities: r.similarities, compared: index.stats.compared - before }, [r.indices.buffer as ArrayBuffer, r.similarities.buffer as ArrayBuffer]);
});
parentPort!.postMessage({ ready: true });
