import { nowIso } from '../core/clock.js';
import { canonicalJson } from '../core/hash.js';
import { appendEvent, readEvents } from '../store/event-log.js';
import type { Store } from '../store/store.js';
import { joinOutputs } from './bulk-score.js';
import { addUsage, NO_USAGE, usageOf, type Usage } from './cost.js';
import { getJob, jobResult, OPEN_STATES, type JobRow, type JobState } from './jobs.js';
import { readComputeSettings } from './settings.js';
import { slurmStatus } from './slurm.js';
import type { SlurmJobRecord } from './slurm-records.js';

/**
 * Settlement: when a job has ended, its reservation is released and the real use charged:
 * per task, the elapsed time Slurm recorded (start to end) × the CPUs and GPUs Slurm
 * allocated, priced at the workspace's prices. A `job_finished` event records the charge
 * with Slurm's own record as evidence.
 */
export interface TaskUse {
  elapsedSeconds: number;
  cpus: number;
  gpus: number;
  state: string;
}

export async function settleJob(store: Store, job: JobRow, tasks: TaskUse[], evidence: unknown): Promise<JobRow> {
  const { prices } = await readComputeSettings(store);
  let use: Usage = NO_USAGE;
  let elapsed = 0;
  for (const t of tasks) {
    use = addUsage(use, usageOf({ cpus: t.cpus, gpus: t.gpus, tasks: 1 }, t.elapsedSeconds, prices));
    elapsed += t.elapsedSeconds;
  }
  const result = await arrayResult(store, job);
  const state = finalState(tasks, result ?? jobResult(job));
  return store.db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('jobs').select('state').where('id', '=', job.id).executeTakeFirstOrThrow();
    if (!(OPEN_STATES as string[]).includes(current.state)) return getJob(trx, job.id);
    await trx
      .updateTable('jobs')
      .set({
        state,
        elapsed_s: elapsed,
        cpu_hours: use.cpuHours,
        gpu_hours: use.gpuHours,
        charged_cost: use.cost,
        ended_at: nowIso(),
        ...(result ? { result: canonicalJson(result) } : {}),
      })
      .where('id', '=', job.id)
      .execute();
    await appendEvent(trx, {
      kind: 'job_finished',
      team: job.team,
      subject: `job:${job.id}`,
      actor: job.submitted_by,
      model: job.model,
      versionId: job.version_id,
      reason: `${state}: ${elapsed.toFixed(0)} s elapsed, ${use.cpuHours.toFixed(4)} CPU-h, ${use.gpuHours.toFixed(4)} GPU-h, charged ${use.cost.toFixed(4)} ${prices.currency} (reserved ${job.reserved_cost.toFixed(4)})`,
      payload: { job: job.id, state, elapsedSeconds: elapsed, ...use, currency: prices.currency, prices, reserved: job.reserved_cost, tasks, evidence },
    });
    return getJob(trx, job.id);
  });
}

function finalState(tasks: TaskUse[], result: Record<string, unknown> | null): JobState {
  if (result?.cancelled === 'idle') return 'cancelled_idle';
  // No task at all: the job never reached the scheduler (sbatch refused it).
  if (!tasks.length) return 'failed';
  const states = tasks.map((t) => t.state.split(/\s|\+/)[0]!);
  if (states.some((s) => s === 'TIMEOUT')) return 'timeout';
  if (states.some((s) => s === 'CANCELLED' || s === 'PREEMPTED')) return 'cancelled';
  if (states.some((s) => s !== 'COMPLETED')) return 'failed';
  if (result && 'error' in result) return 'failed';
  return 'completed';
}

/** For an array job: the tasks' results from their events, and the joined output. */
async function arrayResult(store: Store, job: JobRow): Promise<Record<string, unknown> | null> {
  if (job.array_size <= 1) return null;
  const events = await readEvents(store.db, { subject: `job:${job.id}`, kind: 'job_task_finished' });
  const tasks = events.map((e) => JSON.parse(e.payload) as Record<string, unknown>).sort((a, b) => Number(a.task) - Number(b.task));
  const failed = tasks.filter((t) => 'error' in t);
  const parts: string[] = [];
  for (const t of tasks) if (typeof t.outputBlob === 'string') parts.push((await store.blobs.get(t.outputBlob)).toString('utf8'));
  const outputBlob = parts.length === job.array_size ? await store.blobs.put(joinOutputs(parts)) : null;
  return {
    tasks,
    outputBlob,
    predicted: tasks.reduce((a, t) => a + Number(t.predicted ?? 0), 0),
    rejected: tasks.reduce((a, t) => a + Number(t.rejected ?? 0), 0),
    ...(failed.length || tasks.length < job.array_size
      ? { error: `${job.array_size - tasks.length + failed.length} of ${job.array_size} tasks did not finish` }
      : {}),
  };
}

/** Slurm's records as the charge's tasks; a missing GPU count falls back to the allocation requested (Slurm grants exactly that). */
export function tasksFromSlurm(job: JobRow, records: SlurmJobRecord[]): TaskUse[] {
  return records.map((r) => ({ elapsedSeconds: r.elapsedSeconds ?? 0, cpus: r.cpus ?? job.cpus, gpus: r.gpus ?? job.gpus, state: r.state }));
}

/** Settles every open Slurm job that has ended. Returns the jobs settled. */
export async function reconcileJobs(store: Store, only?: string): Promise<JobRow[]> {
  let q = store.db.selectFrom('jobs').selectAll().where('executor', '=', 'slurm').where('state', 'in', OPEN_STATES);
  if (only) q = q.where('id', '=', only);
  const open = await q.execute();
  const settled: JobRow[] = [];
  for (const job of open) {
    if (!job.external_id) continue;
    const status = await slurmStatus(job.external_id);
    if (!status.final) {
      const running = status.tasks.find((t) => t.state === 'RUNNING');
      if (running && job.state === 'queued')
        await store.db
          .updateTable('jobs')
          .set({ state: 'running', started_at: job.started_at ?? nowIso() })
          .where('id', '=', job.id)
          .execute();
      continue;
    }
    const fresh = await getJob(store.db, job.id);
    settled.push(await settleJob(store, fresh, tasksFromSlurm(fresh, status.tasks), { source: status.source, slurm: status.tasks }));
  }
  return settled;
}

/** Waits until a Slurm job has ended and is settled (polling every `pollMs`). */
export async function waitForJob(store: Store, jobId: string, o: { pollMs?: number; timeoutMs?: number } = {}): Promise<JobRow> {
  const deadline = Date.now() + (o.timeoutMs ?? 24 * 3600 * 1000);
  for (;;) {
    await reconcileJobs(store, jobId);
    const job = await getJob(store.db, jobId);
    if (!(OPEN_STATES as string[]).includes(job.state)) return job;
    if (Date.now() > deadline) return job;
    await new Promise((r) => setTimeout(r, o.pollMs ?? 2000));
  }
}
