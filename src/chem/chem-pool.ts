import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BatchInput, BatchResult, IdentityResult } from './featurize-batch.js';
import type { WorkerTask } from './chem-worker.js';
import type { FeatureRecipe } from './featurize.js';
import type { SearchOptions } from './similarity-index.js';
import type { Neighbours } from './similarity.js';
import type { SharedFingerprints, SimilaritySliceResult } from './shared-fingerprints.js';

interface Pending {
  resolve: (r: never) => void;
  reject: (e: Error) => void;
}

type Task = WorkerTask extends infer T ? (T extends { seq: number } ? Omit<T, 'seq'> : never) : never;

/**
 * A fixed pool of worker threads, each with its own RDKit instance (WebAssembly
 * memory is per thread). Batches go to whichever worker is idle; results come back as
 * transferred typed arrays, so the main thread only does I/O.
 */
export class ChemPool {
  readonly size: number;
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: Array<{ seq: number; task: Task } & Pending> = [];
  private readonly pending = new Map<number, Pending>();
  private nextSeq = 0;
  private failure: Error | undefined;

  private constructor(size: number) {
    this.size = size;
  }

  static defaultSize(): number {
    return availableParallelism();
  }

  /** `file` names the input in error locations. */
  static async start(size = ChemPool.defaultSize(), file?: string): Promise<ChemPool> {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`worker count must be a positive integer, got ${size}`);
    const pool = new ChemPool(size);
    const url = new URL('./chem-worker.js', import.meta.url);
    await Promise.all(
      Array.from({ length: size }, () =>
        new Promise<void>((resolve, reject) => {
          const worker = new Worker(url, { workerData: { file } });
          worker.once('error', reject);
          worker.once('message', () => {
            worker.off('error', reject);
            worker.on('message', (m: { seq: number; result: never }) => pool.onResult(worker, m));
            worker.on('error', (e) => pool.fail(e));
            worker.on('exit', (code) => {
              if (code !== 0) pool.fail(new Error(`featurization worker exited with code ${code}`));
            });
            pool.workers.push(worker);
            pool.idle.push(worker);
            resolve();
          });
        }),
      ),
    );
    return pool;
  }

  /** Standardize, then compute descriptors, fingerprint and scaffolds. */
  features(inputs: BatchInput[], recipe: FeatureRecipe, file?: string): Promise<BatchResult> {
    return this.submit({ task: 'features', inputs, recipe, file });
  }

  /** Standardize only (identity), with the molecular weight when asked. */
  identity(inputs: BatchInput[], withMolWeight = false, file?: string): Promise<IdentityResult> {
    return this.submit({ task: 'identity', inputs, withMolWeight, file });
  }

  /**
   * Exact top-k similarity search of `queries` against shared targets, split into slices
   * over the workers (each builds its index of the targets once). Same results as one
   * SimilarityIndex; `compared` counts the pairs not pruned.
   */
  async similarity(targets: SharedFingerprints, queries: Uint32Array, k: number, options: SearchOptions = {}): Promise<Neighbours & { compared: number }> {
    const words = targets.words;
    const n = queries.length / words;
    const indices = new Int32Array(n * k);
    const similarities = new Float64Array(n * k);
    // A few slices per worker, so one slow slice does not leave the others idle.
    const size = Math.max(1, Math.ceil(n / (this.size * 8)));
    let compared = 0;
    const slices: Promise<void>[] = [];
    for (let from = 0; from < n; from += size) {
      const to = Math.min(n, from + size);
      const slice = { targets, queries: queries.slice(from * words, to * words), k, options: { ...options, queryOffset: (options.queryOffset ?? 0) + from } };
      slices.push(this.submit<SimilaritySliceResult>({ task: 'similarity', ...slice }).then((r) => {
        indices.set(r.indices, from * k);
        similarities.set(r.similarities, from * k);
        compared += r.compared;
      }));
    }
    await Promise.all(slices);
    return { k, indices, similarities, compared };
  }

  private submit<R>(task: Task): Promise<R> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ seq: this.nextSeq++, task, resolve: resolve as (r: never) => void, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.idle.length && this.queue.length) {
      const worker = this.idle.pop()!;
      const job = this.queue.shift()!;
      this.pending.set(job.seq, job);
      worker.postMessage({ seq: job.seq, ...job.task });
    }
  }

  private onResult(worker: Worker, m: { seq: number; result: never }): void {
    const job = this.pending.get(m.seq);
    this.pending.delete(m.seq);
    this.idle.push(worker);
    this.dispatch();
    job?.resolve(m.result);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const job of [...this.pending.values(), ...this.queue.splice(0)]) job.reject(e);
    this.pending.clear();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
    this.idle.length = 0;
  }
}
