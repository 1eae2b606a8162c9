import { parentPort, Worker, workerData } from 'node:worker_threads';
import { isErrorCode } from '../core/error-codes.js';
import { RotguardError } from '../core/errors.js';
import { canonicalJson } from '../core/hash.js';
import { TRAINERS, type ProgressFn, type TrainingData } from './trainers/index.js';

/**
 * Trains off the main thread, so the CLI stays responsive and can draw progress.
 * The worker returns the model's canonical JSON artifact; the caller reloads it.
 */
interface Job {
  algorithm: string;
  params: Record<string, unknown>;
  seed: number;
  data: TrainingData;
}

if (parentPort && workerData?.trainJob) {
  const job = workerData.trainJob as Job;
  try {
    const model = TRAINERS[job.algorithm]!.train(job.data, job.params, job.seed, (done, total) => parentPort!.postMessage({ progress: [done, total] }));
    parentPort.postMessage({ artifact: canonicalJson(model.toJSON()) });
  } catch (e) {
    parentPort.postMessage({ error: e instanceof Error ? { message: e.message, code: (e as { code?: string }).code } : { message: String(e) } });
  }
}

export function trainInWorker(job: Job, onProgress?: ProgressFn): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { trainJob: job } });
    worker.on('message', (m: { progress?: [number, number]; artifact?: string; error?: { message: string; code?: string } }) => {
      if (m.progress) onProgress?.(m.progress[0], m.progress[1]);
      else if (m.artifact !== undefined) resolve(m.artifact);
      else if (m.error) reject(isErrorCode(m.error.code) ? new RotguardError(m.error.code, m.error.message) : new Error(m.error.message));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (code !== 0) reject(new Error(`training worker exited with code ${code}`));
    });
  });
}
