import { parentPort, Worker, workerData } from 'node:worker_threads';
import { isErrorCode } from '../core/error-codes.js';
import { RotguardError } from '../core/errors.js';
import { canonicalJson } from '../core/hash.js';
import { TRAINERS, type ProgressFn, type TrainingData } from './trainers/index.js';
import { tuneByCv, type TuningRecord } from './tuning.js';
import type { TuningRule } from './recipe.js';

/**
 * Trains off the main thread, so the CLI stays responsive and can draw progress.
 * The worker returns the model's canonical JSON artifact; the caller reloads it.
 */
interface Job {
  algorithm: string;
  params: Record<string, unknown>;
  seed: number;
  data: TrainingData;
  /** Choose params from this grid by k-fold CV on `data` first. */
  tuning?: TuningRule;
}

export interface TrainResult {
  artifact: string;
  tuning?: TuningRecord;
}

if (parentPort && workerData?.trainJob) {
  const job = workerData.trainJob as Job;
  try {
    const trainer = TRAINERS[job.algorithm]!;
    let params = job.params;
    let tuning: TuningRecord | undefined;
    if (job.tuning) {
      tuning = tuneByCv(trainer, job.data, job.tuning.grid, job.seed, { folds: job.tuning.folds, seed: job.tuning.seed }).record;
      params = tuning.candidates[tuning.chosen]!.params;
    }
    const model = trainer.train(job.data, params, job.seed, (done, total) => parentPort!.postMessage({ progress: [done, total] }));
    parentPort.postMessage({ artifact: canonicalJson(model.toJSON()), ...(tuning ? { tuning } : {}) });
  } catch (e) {
    parentPort.postMessage({ error: e instanceof Error ? { message: e.message, code: (e as { code?: string }).code } : { message: String(e) } });
  }
}

export function trainInWorker(job: Job, onProgress?: ProgressFn): Promise<TrainResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { trainJob: job } });
    worker.on('message', (m: { progress?: [number, number]; artifact?: string; tuning?: TuningRecord; error?: { message: string; code?: string } }) => {
      if (m.progress) onProgress?.(m.progress[0], m.progress[1]);
      else if (m.artifact !== undefined) resolve({ artifact: m.artifact, ...(m.tuning ? { tuning: m.tuning } : {}) });
      else if (m.error) reject(isErrorCode(m.error.code) ? new RotguardError(m.error.code, m.error.message) : new Error(m.error.message));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (code !== 0) reject(new Error(`training worker exited with code ${code}`));
    });
  });
}
