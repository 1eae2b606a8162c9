import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SearchOptions } from './similarity-index.js';
import type { Neighbours } from './similarity.js';

interface Reply {
  seq: number;
  indices: Int32Array;
  similarities: Float64Array;
  compared: number;
}

/**
 * Similarity search on worker threads: each worker holds its own SimilarityIndex over the
 * same targets (read from one SharedArrayBuffer), and a search is split into slices of
 * queries. The workers do not load RDKit, so starting them costs milliseconds, not seconds.
 * Results are the same as one index's, slice by slice.
 */
export class SimilarityPool {
  readonly size: number;
  readonly words: number;
  /** Pairs compared by the last search (the rest were pruned by the popcount bound). */
  lastCompared = 0;
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private nextSeq = 0;
  private failure: Error | undefined;

  private constructor(size: number, words: number) {
    this.size = size;
    this.words = words;
  }

  static async start(data: Uint32Array, words: number, size = availableParallelism()): Promise<SimilarityPool> {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`worker count must be a positive integer, got ${size}`);
    const shared = new Uint32Array(new SharedArrayBuffer(data.byteLength));
    shared.set(data);
    const pool = new SimilarityPool(size, words);
    const url = new URL('./similarity-worker.js', import.meta.url);
    await Promise.all(Array.from({ length: size }, () => new Promise<void>((resolve, reject) => {
      const worker = new Worker(url, { workerData: { data: shared, words } });
      worker.once('error', reject);
      worker.once('message', () => {
        worker.off('error', reject);
        worker.on('message', (m: Reply) => {
          const done = pool.pending.get(m.seq);
          pool.pending.delete(m.seq);
          done?.resolve(m);
        });
        worker.on('error', (e) => pool.fail(e));
        pool.workers.push(worker);
        resolve();
      });
    })));
    return pool;
  }

  /** The k most similar targets of every query, as SimilarityIndex.search gives them. */
  async search(queries: Uint32Array, k: number, options: SearchOptions = {}): Promise<Neighbours> {
    if (this.failure) throw this.failure;
    const n = queries.length / this.words;
    const indices = new Int32Array(n * k);
    const similarities = new Float64Array(n * k);
    // A few slices per worker, handed out as workers finish, so an uneven slice does not idle the rest.
    const sliceSize = Math.max(1, Math.ceil(n / (this.size * 8)));
    let next = 0;
    let compared = 0;
    const run = async (worker: Worker): Promise<void> => {
      while (next < n) {
        const from = next;
        const to = Math.min(n, from + sliceSize);
        next = to;
        const reply = await this.ask(worker, queries.slice(from * this.words, to * this.words), k, { ...options, queryOffset: (options.queryOffset ?? 0) + from });
        indices.set(reply.indices, from * k);
        similarities.set(reply.similarities, from * k);
        compared += reply.compared;
      }
    };
    await Promise.all(this.workers.map(run));
    this.lastCompared = compared;
    return { k, indices, similarities };
  }

  private ask(worker: Worker, queries: Uint32Array, k: number, options: SearchOptions): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      const seq = this.nextSeq++;
      this.pending.set(seq, { resolve, reject });
      worker.postMessage({ seq, queries, k, options }, [queries.buffer as ArrayBuffer]);
    });
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
