import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nowIso } from '../core/clock.js';
import { RotguardError } from '../core/errors.js';
import { canonicalJson } from '../core/hash.js';
import { appendEvent } from '../store/event-log.js';
import type { Store } from '../store/store.js';
import { build } from '../training/build.js';
import { retrainGovernance } from '../policy/decisions.js';
import { importOnnxModel } from '../training/onnx-import.js';
import type { Recipe } from '../training/recipe.js';
import { NvidiaSmiSampler, readGpuTrace, TraceSampler, type GpuSampler } from './gpu-sampler.js';
import { getJob, jobSpec, type JobRow } from './jobs.js';
import { slurmCancel } from './slurm.js';
import { Watchdog, type GpuSample, type WatchdogAction, type WatchdogThresholds } from './watchdog.js';
import { scoreTask, type ScoreSpec } from './bulk-score.js';

/**
 * The job wrapper: what `rotguard jobs run JOB_ID --workspace W` does on the node (or in
 * this process, for the local executor). It reads everything it needs from the store and
 * the blobs (the resolved recipe, the command, the input file, the GPU trace) by the job
 * id, runs the work, writes what came out back to the store, and watches the GPUs.
 */
export interface WatchdogSpec {
  thresholds: WatchdogThresholds;
  /** 'nvidia-smi', or a recorded trace (blob hash) replayed `replaySeconds` apart. */
  sampler: { kind: 'nvidia-smi' } | { kind: 'trace'; blob: string; replaySeconds: number };
}

export interface BuildSpec {
  recipe: Recipe;
  /** A retrain of a model in production without a retrain decision needs this reason; logged when the version registers. */
  overrideReason?: string;
  watchdog?: WatchdogSpec;
}

export interface ExternalSpec {
  argv: string[];
  /** The environment the command ran in: a container image digest or a lockfile (blob), one is required. */
  imageDigest?: string;
  lockfile?: { blob: string; name: string };
  /** Where the command writes its ONNX model (relative to the job folder), imported with lineage when it succeeds. */
  onnxOutput?: string;
  import?: {
    model: string;
    endpoint: string;
    features: string;
    block: 'descriptors' | 'fingerprints';
    snapshot?: string;
    valueOutput?: string;
    uncertaintyOutput?: string;
    inputName?: string;
  };
  watchdog?: WatchdogSpec;
}

export interface RunContext {
  workspace: string;
  /** Array task index (SLURM_ARRAY_TASK_ID), for bulk scoring. */
  taskIndex?: number;
  /** The scheduler's id of this job, to cancel itself when idle. Unset for local jobs. */
  slurmJobId?: string;
}

export interface RunOutcome {
  ok: boolean;
  cancelledIdle: boolean;
  result: Record<string, unknown>;
}

export async function runJob(store: Store, jobId: string, ctx: RunContext): Promise<RunOutcome> {
  const job = await getJob(store.db, jobId);
  if (!['queued', 'running'].includes(job.state)) throw new RotguardError('job_not_runnable', `job ${job.id} is ${job.state}; only a queued job runs`);
  if (job.state === 'queued')
    await store.db.updateTable('jobs').set({ state: 'running', started_at: nowIso() }).where('id', '=', job.id).where('state', '=', 'queued').execute();

  const spec = jobSpec<{ watchdog?: WatchdogSpec }>(job);
  const abort = new AbortController();
  const watch = spec.watchdog ? startWatchdog(store, job, spec.watchdog, ctx, abort) : null;
  let outcome: RunOutcome;
  try {
    const result = await runKind(store, job, ctx, abort.signal);
    outcome = { ok: true, cancelledIdle: false, result };
  } catch (e) {
    if (watch?.cancelled()) outcome = { ok: false, cancelledIdle: true, result: { cancelled: 'idle', evidence: watch.cancelled() } };
    else if (e instanceof Error)
      outcome = { ok: false, cancelledIdle: false, result: { error: e.message, code: e instanceof RotguardError ? e.code : 'internal' } };
    else throw e;
  } finally {
    await watch?.stop();
  }
  if (watch?.cancelled() && !outcome.cancelledIdle)
    outcome = { ok: false, cancelledIdle: true, result: { ...outcome.result, cancelled: 'idle', evidence: watch.cancelled() } };
  await writeResult(store, job, outcome.result, ctx.taskIndex);
  return outcome;
}

/** The job's result column: one object, or for an array one entry per task under `tasks`. */
async function writeResult(store: Store, job: JobRow, result: Record<string, unknown>, taskIndex: number | undefined): Promise<void> {
  if (job.array_size <= 1) {
    const versionId = typeof result.versionId === 'string' ? result.versionId : null;
    await store.db
      .updateTable('jobs')
      .set({ result: canonicalJson(result), ...(versionId ? { version_id: versionId } : {}) })
      .where('id', '=', job.id)
      .execute();
    return;
  }
  // Array tasks finish concurrently: each records its part as an event, read back at settlement.
  await appendEvent(store.db, {
    kind: 'job_task_finished',
    team: job.team,
    subject: `job:${job.id}`,
    actor: job.submitted_by,
    model: job.model,
    reason: `task ${taskIndex} of ${job.array_size}`,
    payload: { job: job.id, task: taskIndex ?? null, ...result },
  });
}

async function runKind(store: Store, job: JobRow, ctx: RunContext, signal: AbortSignal): Promise<Record<string, unknown>> {
  switch (job.kind) {
    case 'build': {
      const { recipe, overrideReason } = jobSpec<BuildSpec>(job);
      // The same governance as a local build: checked again where the version registers, and logged.
      const r = await build(store, recipe, job.submitted_by, retrainGovernance(store, recipe.model, overrideReason, job.submitted_by));
      return { versionId: r.version.id, buildHash: r.buildHash, cacheHit: r.cacheHit, trainSeconds: r.trainSeconds };
    }
    case 'external':
      return runExternal(store, job, jobSpec<ExternalSpec>(job), ctx, signal);
    case 'score':
      return scoreTask(store, job, jobSpec<ScoreSpec>(job), ctx.taskIndex ?? 0);
    default:
      throw new RotguardError('unknown_job_kind', `job ${job.id} has kind ${job.kind}, which this rotguard cannot run`);
  }
}

async function runExternal(store: Store, job: JobRow, spec: ExternalSpec, ctx: RunContext, signal: AbortSignal): Promise<Record<string, unknown>> {
  const dir = join(ctx.workspace, 'jobs', job.id);
  mkdirSync(dir, { recursive: true });
  const started = performance.now();
  const code = await new Promise<number>((resolve, reject) => {
    const child: ChildProcess = spawn(spec.argv[0]!, spec.argv.slice(1), { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] });
    const onAbort = () => child.kill('SIGTERM');
    signal.addEventListener('abort', onAbort, { once: true });
    // Slurm enforces the time limit on its jobs; here, the wrapper does.
    let timedOut = false;
    const limit = ctx.slurmJobId
      ? null
      : setTimeout(() => {
          timedOut = true;
          child.kill('SIGTERM');
        }, job.time_limit_s * 1000);
    child.on('error', (e) => reject(new RotguardError('external_command_failed', `cannot start ${spec.argv[0]}: ${e.message}`)));
    child.on('exit', (c, sig) => {
      signal.removeEventListener('abort', onAbort);
      if (limit) clearTimeout(limit);
      if (signal.aborted) reject(new Error('stopped by the idle watchdog'));
      else if (timedOut)
        reject(new RotguardError('time_limit_reached', `${spec.argv[0]} ran into the job's time limit (${job.time_limit_s} s) and was stopped`));
      else resolve(c ?? (sig ? 128 : 1));
    });
  });
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new RotguardError('external_command_failed', `${spec.argv.join(' ')} exited with ${code}`);
  if (!spec.onnxOutput || !spec.import) return { exitCode: code, seconds };
  const onnx = join(dir, spec.onnxOutput);
  if (!existsSync(onnx)) throw new RotguardError('external_output_missing', `the command succeeded but wrote no ${spec.onnxOutput}`);
  let lockPath: string | undefined;
  let tmp: string | undefined;
  if (spec.lockfile) {
    tmp = mkdtempSync(join(tmpdir(), 'rotguard-lock-'));
    lockPath = join(tmp, spec.lockfile.name);
    writeFileSync(lockPath, await store.blobs.get(spec.lockfile.blob));
  }
  try {
    const v = await importOnnxModel(store, {
      model: spec.import.model,
      endpoint: spec.import.endpoint,
      team: job.team,
      onnxPath: onnx,
      features: spec.import.features,
      block: spec.import.block,
      inputName: spec.import.inputName,
      valueOutput: spec.import.valueOutput,
      uncertaintyOutput: spec.import.uncertaintyOutput,
      imageDigest: spec.imageDigest,
      lockfilePath: lockPath,
      snapshot: spec.import.snapshot,
      actor: job.submitted_by,
      reason: `trained by external job ${job.id}: ${spec.argv.join(' ')}`,
    });
    return { exitCode: code, seconds, versionId: v.id, onnxSha256: v.lineage.origin === 'imported' ? v.lineage.onnxSha256 : null };
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- watchdog loop

function samplerFor(store: Store, spec: WatchdogSpec): Promise<GpuSampler> {
  if (spec.sampler.kind === 'nvidia-smi') return Promise.resolve(new NvidiaSmiSampler(spec.thresholds.sampleSeconds));
  const s = spec.sampler;
  return store.blobs.get(s.blob).then((b) => new TraceSampler(readGpuTrace(b.toString('utf8'), `blob:${s.blob.slice(0, 12)}`), s.replaySeconds));
}

/**
 * Samples every interval and feeds the watchdog. A warning is a `job_idle_warning` event;
 * a cancellation a `job_cancelled_idle` event with its evidence, written before the job is
 * stopped (Slurm: scancel of itself, so the scheduler records it as cancelled; local:
 * the work is aborted).
 */
function startWatchdog(store: Store, job: JobRow, spec: WatchdogSpec, ctx: RunContext, abort: AbortController) {
  const dog = new Watchdog(spec.thresholds);
  const t0 = performance.now();
  let stopped = false;
  let cancelledWith: unknown = null;
  let timer: NodeJS.Timeout | null = null;
  let pending: Promise<void> = Promise.resolve();
  const onAction = async (a: WatchdogAction) => {
    const minutes = (a.evidence.idleSeconds / 60).toFixed(0);
    const what =
      a.evidence.reason === 'no_gpu_process'
        ? `no GPU process for ${minutes} min`
        : `GPUs idle (≤ ${spec.thresholds.idleUtilizationPercent} %) for ${minutes} min`;
    if (a.action === 'warn') {
      await appendEvent(store.db, {
        kind: 'job_idle_warning',
        team: job.team,
        subject: `job:${job.id}`,
        actor: 'watchdog',
        model: job.model,
        reason: `${what}; cancelled at ${(spec.thresholds.cancelIdleSeconds / 60).toFixed(0)} min`,
        payload: { job: job.id, ...a.evidence },
      });
      return;
    }
    cancelledWith = a.evidence;
    await appendEvent(store.db, {
      kind: 'job_cancelled_idle',
      team: job.team,
      subject: `job:${job.id}`,
      actor: 'watchdog',
      model: job.model,
      reason: `cancelled: ${what}`,
      payload: { job: job.id, ...a.evidence },
    });
    await store.db
      .updateTable('jobs')
      .set({ note: `cancelled by the idle watchdog: ${what}`, result: canonicalJson({ cancelled: 'idle', evidence: a.evidence }) })
      .where('id', '=', job.id)
      .execute();
    abort.abort();
    if (ctx.slurmJobId) await slurmCancel(ctx.slurmJobId).catch(() => undefined);
  };
  const tick = async (sampler: GpuSampler) => {
    if (stopped) return;
    let sample: GpuSample;
    try {
      const s = await sampler.sample();
      sample = { at: s.at ?? (performance.now() - t0) / 1000, ok: true, gpus: s.gpus, processes: s.processes };
    } catch (e) {
      const at = (e as { at?: number }).at ?? (performance.now() - t0) / 1000;
      sample = { at, ok: false, error: (e as Error).message };
    }
    const action = dog.observe(sample);
    if (action) await onAction(action);
    if (!stopped && !cancelledWith)
      timer = setTimeout(() => {
        pending = tick(sampler);
      }, sampler.intervalSeconds * 1000);
  };
  const ready = samplerFor(store, spec).then((sampler) => {
    pending = tick(sampler);
  });
  return {
    cancelled: () => cancelledWith,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await ready.catch(() => undefined);
      await pending.catch(() => undefined);
    },
  };
}
