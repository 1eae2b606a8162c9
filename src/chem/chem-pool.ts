import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BatchInput, BatchReject, BatchResult, IdentityResult } from './featurize-batch.js';
import type { WorkerMessage, WorkerTask } from './chem-worker.js';
import { descriptorDictionary } from './descriptors.js';
import type { FeatureRecipe } from './featurize.js';
import { wordsFor } from './fingerprint.js';
import type { SearchOptions } from './similarity-index.js';
import type { Neighbours } from './similarity.js';
import type { SharedFingerprints, SimilaritySliceResult } from './shared-fingerprints.js';

type Task = WorkerTask extends infer T ? (T extends { seq: number } ? Omit<T, 'seq'> : never) : never;
type AnyResult = BatchResult | IdentityResult | SimilaritySliceResult;
/** A task on structures (RDKit work, supervised row by row), as opposed to a similarity slice. */
type StructureTask = Exclude<Task, { task: 'similarity' }>;
type StructureResult = BatchResult | IdentityResult;

interface Job {
  seq: number;
  task: Task;
  resolve: (r: AnyResult) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  job?: Job;
  /** The row the worker said it started last (-1 before the first). */
  row: number;
  timer?: NodeJS.Timeout;
  /** Set when the pool itself ends the worker (time limit, close), so its exit is expected. */
  retiring?: boolean;
}

export interface ChemPoolOptions {
  /** Names the input in error locations. */
  file?: string;
  /** Time one structure may take before its worker is ended and the row rejected (`structure_timeout`). */
  structureTimeoutMs?: number;
}

/** Default per-structure time limit: typical structures take milliseconds, the largest accepted ones about a second. */
export const STRUCTURE_TIMEOUT_MS = 30_000;

/**
 * A supervised pool of worker threads, each with its own RDKit instance (WebAssembly
 * memory is per thread). Batches go to whichever worker is idle; results come back as
 * transferred typed arrays, so the main thread only does I/O.
 *
 * Supervision: a worker reports each row it starts. If RDKit crashes on a row (the worker
 * reports it and exits), the worker dies for another reason, or a row exceeds the
 * per-structure time limit (the pool ends the worker), that row alone is rejected
 * (`toolkit_crash`, `structure_timeout`), a fresh worker replaces the old one, and the
 * batch's other rows are computed again on it. A poisoned RDKit instance therefore never
 * answers another row, and one bad structure costs one row.
 */
export class ChemPool {
  readonly size: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextSeq = 0;
  private failure: Error | undefined;
  private closed = false;
  private readonly url = new URL('./chem-worker.js', import.meta.url);
  private readonly file: string | undefined;
  private readonly timeoutMs: number;
  /** Workers replaced so far (crashes and time-outs). */
  restarts = 0;
  /** The RDKit version the workers loaded (so the caller need not load RDKit itself to name it). */
  rdkitVersion = '';

  private constructor(size: number, o: ChemPoolOptions) {
    this.size = size;
    this.file = o.file;
    this.timeoutMs = o.structureTimeoutMs ?? STRUCTURE_TIMEOUT_MS;
  }

  static defaultSize(): number {
    return availableParallelism();
  }

  /** `fileOrOptions`: the input's name for error locations, or options. */
  static async start(size = ChemPool.defaultSize(), fileOrOptions?: string | ChemPoolOptions): Promise<ChemPool> {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`worker count must be a positive integer, got ${size}`);
    const options = typeof fileOrOptions === 'string' ? { file: fileOrOptions } : (fileOrOptions ?? {});
    const pool = new ChemPool(size, options);
    try {
      await Promise.all(Array.from({ length: size }, () => pool.spawn()));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  /** Standardize, then compute descriptors, fingerprint and scaffolds. */
  features(inputs: BatchInput[], recipe: FeatureRecipe, file?: string): Promise<BatchResult> {
    return this.submit({ task: 'features', inputs, recipe, file }) as Promise<BatchResult>;
  }

  /** Standardize only (identity), with the molecular weight when asked. */
  identity(inputs: BatchInput[], withMolWeight = false, file?: string): Promise<IdentityResult> {
    return this.submit({ task: 'identity', inputs, withMolWeight, file }) as Promise<IdentityResult>;
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
      slices.push(
        (this.submit({ task: 'similarity', ...slice }) as Promise<SimilaritySliceResult>).then((r) => {
          indices.set(r.indices, from * k);
          similarities.set(r.similarities, from * k);
          compared += r.compared;
        }),
      );
    }
    await Promise.all(slices);
    return { k, indices, similarities, compared };
  }

  private spawn(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const worker = new Worker(this.url, { workerData: { file: this.file } });
      const slot: Slot = { worker, row: -1 };
      worker.once('error', reject);
      worker.once('message', (ready: Extract<WorkerMessage, { ready: true }>) => {
        worker.off('error', reject);
        this.rdkitVersion = ready.rdkit;
        if (this.closed) {
          void worker.terminate();
          resolve();
          return;
        }
        worker.on('message', (m: WorkerMessage) => this.onMessage(slot, m));
        // An error event is followed by an exit event: the exit handler does the work.
        worker.on('error', () => undefined);
        worker.on('exit', () => this.onExit(slot));
        this.slots.push(slot);
        resolve();
        this.dispatch();
      });
    });
  }

  private submit(task: Task): Promise<AnyResult> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<AnyResult>((resolve, reject) => {
      this.queue.push({ seq: this.nextSeq++, task, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (!this.queue.length) return;
      if (slot.job || slot.retiring) continue;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.row = -1;
      // The per-structure clock is for RDKit work; a similarity slice has no structures.
      if (job.task.task !== 'similarity') this.arm(slot);
      slot.worker.postMessage({ seq: job.seq, ...job.task });
    }
  }

  /** (Re)start the per-structure clock of a busy worker. */
  private arm(slot: Slot): void {
    clearTimeout(slot.timer);
    slot.timer = setTimeout(() => {
      const job = slot.job;
      if (!job) return;
      const index = Math.max(slot.row, 0);
      this.retire(slot, job, index, { code: 'structure_timeout', reason: `the structure took longer than ${this.timeoutMs / 1000} s; its worker was stopped` });
      void slot.worker.terminate();
    }, this.timeoutMs);
    slot.timer.unref();
  }

  private onMessage(slot: Slot, m: WorkerMessage): void {
    if (!('seq' in m) || !slot.job || m.seq !== slot.job.seq) return;
    if ('row' in m) {
      slot.row = m.row;
      this.arm(slot);
    } else if ('crash' in m) {
      this.retire(slot, slot.job, m.crash.index, {
        code: 'toolkit_crash',
        reason: `RDKit crashed on this structure (${m.crash.reason}); its worker was replaced`,
      });
    } else {
      clearTimeout(slot.timer);
      const job = slot.job;
      slot.job = undefined;
      job.resolve(m.result as AnyResult);
      this.dispatch();
    }
  }

  private onExit(slot: Slot): void {
    clearTimeout(slot.timer);
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    if (this.closed) return;
    // Died without saying why (out of memory, abort): blame the row it was on.
    if (slot.job && !slot.retiring) {
      this.retire(slot, slot.job, Math.max(slot.row, 0), { code: 'toolkit_crash', reason: 'the chemistry worker died on this structure; it was replaced' });
    }
    this.restarts++;
    this.spawn().catch((e: Error) => this.fail(new Error(`cannot restart a chemistry worker: ${e.message}`)));
  }

  /**
   * The worker's row `index` failed it: reject that row, compute the batch's other rows
   * again (first in the queue, on a fresh worker), and answer the batch with both.
   */
  private retire(slot: Slot, job: Job, index: number, failure: { code: string; reason: string }): void {
    clearTimeout(slot.timer);
    slot.retiring = true;
    slot.job = undefined;
    const task = job.task;
    if (task.task === 'similarity') {
      job.reject(new Error(`a similarity search worker failed: ${failure.reason}`));
      return;
    }
    const rest = task.inputs.filter((_, k) => k !== index);
    const reject: BatchReject = { index, code: failure.code, reason: failure.reason };
    if (!rest.length) {
      job.resolve(this.combine(task, index, reject, null));
      return;
    }
    this.queue.unshift({
      seq: this.nextSeq++,
      task: { ...task, inputs: rest },
      resolve: (r) => job.resolve(this.combine(task, index, reject, r as StructureResult)),
      reject: job.reject,
    });
  }

  /** The full batch's result from the result without row `index` (null: no other rows) and that row's reject. */
  private combine(task: StructureTask, index: number, reject: BatchReject, rest: StructureResult | null): StructureResult {
    const n = task.inputs.length;
    const from = (k: number) => (k < index ? k : k - 1);
    const molecules: unknown[] = [];
    for (let k = 0; k < n; k++) molecules.push(k === index ? null : (rest!.molecules[from(k)] ?? null));
    const rejects: BatchReject[] = (rest?.rejects ?? []).map((r) => ({ ...r, index: r.index < index ? r.index : r.index + 1 }));
    rejects.push(reject);
    rejects.sort((a, b) => a.index - b.index);
    if (task.task === 'identity') return { molecules, rejects } as IdentityResult;
    const nd = descriptorDictionary(task.recipe.descriptors).descriptors.length;
    const words = wordsFor(task.recipe.morgan.nBits);
    const descriptors = new Float64Array(n * nd).fill(Number.NaN);
    const fingerprints = new Uint32Array(n * words);
    if (rest) {
      const r = rest as BatchResult;
      for (let k = 0; k < n; k++) {
        if (k === index) continue;
        const j = from(k);
        descriptors.set(r.descriptors.subarray(j * nd, (j + 1) * nd), k * nd);
        fingerprints.set(r.fingerprints.subarray(j * words, (j + 1) * words), k * words);
      }
    }
    return { molecules, rejects, descriptors, fingerprints } as BatchResult;
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const job of [...this.slots.flatMap((s) => (s.job ? [s.job] : [])), ...this.queue.splice(0)]) job.reject(e);
    for (const s of this.slots) s.job = undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.slots) clearTimeout(s.timer);
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }
}
