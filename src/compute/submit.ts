import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { nowIso } from '../core/clock.js';
import { RotguardError } from '../core/errors.js';
import { canonicalJson } from '../core/hash.js';
import { sql } from 'kysely';
import { appendEvent } from '../store/event-log.js';
import type { Store } from '../store/store.js';
import { cachedBuild, planBuild, type BuildResult } from '../training/build.js';
import { retrainGovernance } from '../policy/decisions.js';
import type { Recipe } from '../training/recipe.js';
import { admissionFor, budgetStatus } from './budget.js';
import { prepareScoreSpec } from './bulk-score.js';
import { money, usageOf } from './cost.js';
import { humanDuration, parseDuration } from './duration.js';
import { getJob, monthOf, newJobId, type JobKind, type JobRow } from './jobs.js';
import { rightSize } from './right-size.js';
import { runJob, type ExternalSpec, type WatchdogSpec } from './run-job.js';
import { readComputeSettings, type ComputeSettings } from './settings.js';
import { settleJob, waitForJob } from './settle.js';
import { slurmSubmit, type WhereJobsRun } from './slurm.js';

/**
 * Admission: the one governed path every training and bulk-scoring run takes, on the
 * local executor or on Slurm. In order: the cache (a build whose hash exists is answered
 * from the registry and never queued), right-sizing, the mandatory time limit, the team's
 * budget (reserve resources × time limit; preemptible lane from 100 %, refused from
 * 125 %), then the job is recorded and handed to the executor.
 */
export interface ComputeRequest {
  executor: 'local' | 'slurm';
  actor: string;
  /** Slurm partition for the standard lane (default: the settings' standard lane). */
  partition?: string;
  /** Time limit, e.g. "2h" or seconds; default and maximum from the settings. */
  time?: string | number;
  cpus?: number;
  gpus?: number;
  /** Where the job finds the store: the workspace folder and, for PostgreSQL, the URL. */
  where: WhereJobsRun;
  /** Block until a Slurm job has ended and is charged (local jobs always run to the end). */
  wait?: boolean;
  pollMs?: number;
  /** Idle-watchdog sampler: nvidia-smi (default for GPU jobs) or a recorded trace file, replayed `replaySeconds` apart. */
  gpuTrace?: { file: string; replaySeconds: number };
}

export type Admission = { outcome: 'cached'; job: JobRow; build: BuildResult } | { outcome: 'submitted' | 'finished'; job: JobRow };

/** A refusal inside the admission transaction (rolls it back). */
class Refusal extends Error {
  constructor(
    message: string,
    readonly status: unknown,
  ) {
    super(message);
  }
}

/** pg_advisory_xact_lock key that serializes budget admission on PostgreSQL ("rgbu" in ASCII). */
export const BUDGET_LOCK_KEY = 0x72676275;

export interface JobDraft {
  kind: JobKind;
  team: string;
  model: string | null;
  buildHash: string | null;
  spec: Record<string, unknown>;
  arraySize: number;
  /** Trainer-side resource class: a built-in trainer needs no GPU. */
  needsGpu: boolean;
  rightSizeReason?: string;
}

/**
 * Submits a build: the single entry point for `rotguard build --executor …` (and the
 * use-case layer). `beforeQueue` runs only when the build will really train (not a cache
 * hit), before anything is reserved: retrain governance goes there.
 */
export async function submitBuild(store: Store, recipe: Recipe, req: ComputeRequest, governance: { overrideReason?: string }): Promise<Admission> {
  const plan = await planBuild(store, recipe, req.actor);
  const hit = await cachedBuild(store, plan.buildHash, req.actor);
  if (hit) return { outcome: 'cached', job: await recordCacheHit(store, recipe, hit, req.actor), build: hit };
  // A retrain without its basis is refused before anything is reserved or queued; the job checks it again where it registers.
  await retrainGovernance(store, recipe.model, governance.overrideReason, req.actor).beforeTrain();
  const sized = rightSize(recipe.algorithm, req.gpus ?? 0);
  return submitJob(
    store,
    {
      kind: 'build',
      team: recipe.team,
      model: recipe.model,
      buildHash: plan.buildHash,
      spec: { recipe: plan.resolved, ...(governance.overrideReason ? { overrideReason: governance.overrideReason } : {}) },
      arraySize: 1,
      needsGpu: sized.gpus > 0,
      rightSizeReason: sized.reason,
    },
    req,
  );
}

/** An external training command (a team's own GPU script), with its environment recorded and its ONNX output imported with lineage. */
export async function submitExternal(
  store: Store,
  o: { team: string; argv: string[]; imageDigest?: string; lockfile?: string; onnxOutput?: string; import?: ExternalSpec['import'] },
  req: ComputeRequest,
): Promise<Admission> {
  if (!o.argv.length) throw new RotguardError('bad_external_command', 'an external job needs a command', { field: 'command' });
  if (!o.imageDigest && !o.lockfile)
    throw new RotguardError(
      'environment_required',
      'an external training command must name its environment: --image-digest sha256:… (the container image) or --lockfile FILE',
      { field: 'image-digest' },
    );
  if (o.imageDigest && !/^sha256:[0-9a-f]{64}$/.test(o.imageDigest))
    throw new RotguardError(
      'bad_image_digest',
      `an image digest is sha256:<64 hex> (the container image's content digest, not a tag), got "${o.imageDigest}"`,
      { field: 'image-digest' },
    );
  if (o.onnxOutput && !o.import)
    throw new RotguardError('bad_external_command', 'an ONNX output is imported: give --model, --endpoint, --features and --input for it', {
      field: 'onnx-output',
    });
  const lockfile = o.lockfile ? { blob: await store.blobs.put(readFileSync(o.lockfile)), name: basename(o.lockfile) } : undefined;
  const spec: ExternalSpec = { argv: o.argv, imageDigest: o.imageDigest, lockfile, onnxOutput: o.onnxOutput, import: o.import };
  return submitJob(
    store,
    {
      kind: 'external',
      team: o.team,
      model: o.import?.model ?? null,
      buildHash: null,
      spec: spec as unknown as Record<string, unknown>,
      arraySize: 1,
      needsGpu: true,
    },
    req,
  );
}

/** Bulk scoring of a large file as a job array of `tasks` chunks. */
export async function submitScore(
  store: Store,
  o: { model: string; team: string; input: string; tasks: number; smilesColumn?: string; idColumn?: string; level?: number },
  req: ComputeRequest,
): Promise<Admission> {
  if (!(Number.isInteger(o.tasks) && o.tasks >= 1 && o.tasks <= 10_000))
    throw new RotguardError('bad_tasks', 'tasks must be an integer from 1 to 10000', { field: 'tasks' });
  const spec = await prepareScoreSpec(store, o);
  const modelName = o.model.split('@')[0]!;
  return submitJob(
    store,
    {
      kind: 'score',
      team: o.team,
      model: modelName,
      buildHash: null,
      spec: spec as unknown as Record<string, unknown>,
      arraySize: spec.chunks.length,
      needsGpu: false,
      rightSizeReason: req.gpus ? "scoring runs the CPU trainers' models: GPU request dropped" : undefined,
    },
    req,
  );
}

/** Admits, reserves and hands a job to its executor. */
export async function submitJob(store: Store, draft: JobDraft, req: ComputeRequest): Promise<Admission> {
  const settings = await readComputeSettings(store);
  const cpus = req.cpus ?? 1;
  if (!(Number.isInteger(cpus) && cpus >= 1)) throw new RotguardError('bad_resources', `cpus must be a positive integer, got ${cpus}`, { field: 'cpus' });
  const requestedGpus = req.gpus ?? 0;
  if (!(Number.isInteger(requestedGpus) && requestedGpus >= 0))
    throw new RotguardError('bad_resources', `gpus must be an integer ≥ 0, got ${requestedGpus}`, { field: 'gpus' });
  const gpus = draft.needsGpu ? requestedGpus : 0;
  const timeLimit = timeLimitOf(req.time, settings);
  const month = monthOf(nowIso());
  const reservation = usageOf({ cpus, gpus, tasks: draft.arraySize }, timeLimit, settings.prices);
  const watchdog = gpus > 0 ? watchdogSpec(settings, req) : undefined;
  const trace = req.gpuTrace ? await store.blobs.put(readFileSync(req.gpuTrace.file)) : undefined;
  if (trace && watchdog) watchdog.sampler = { kind: 'trace', blob: trace, replaySeconds: req.gpuTrace!.replaySeconds };

  const id = newJobId();
  const draftRow: JobRow = {
    id,
    kind: draft.kind,
    team: draft.team,
    month,
    model: draft.model,
    build_hash: draft.buildHash,
    version_id: null,
    executor: req.executor,
    partition: null,
    lane: 'standard',
    state: 'queued',
    external_id: null,
    array_size: draft.arraySize,
    cpus,
    gpus,
    time_limit_s: timeLimit,
    spec: canonicalJson({ ...draft.spec, ...(watchdog ? { watchdog } : {}) }),
    result: null,
    reserved_cost: reservation.cost,
    elapsed_s: null,
    cpu_hours: null,
    gpu_hours: null,
    charged_cost: null,
    saved_cpu_hours: 0,
    saved_gpu_hours: 0,
    saved_cost: 0,
    note: '',
    submitted_at: nowIso(),
    submitted_by: req.actor,
    started_at: null,
    ended_at: null,
  };
  // Check and reserve in one transaction, serialized across submitters (PostgreSQL: an
  // advisory lock; SQLite: the write lock the insert takes), so a burst of submissions
  // cannot all pass on the same committed amount.
  const admitted = await store.db
    .transaction()
    .execute(async (trx) => {
      if (store.backend === 'postgres') await sql`select pg_advisory_xact_lock(${sql.lit(BUDGET_LOCK_KEY)})`.execute(trx);
      await trx.insertInto('jobs').values(draftRow).execute();
      const before = await budgetStatus(trx, draft.team, month, id);
      const decision = admissionFor({ ...before, currency: before.currency ?? settings.prices.currency }, reservation.cost);
      // Refused: roll the reservation back with the transaction, and record the refusal after it.
      if (!decision.admitted) throw new Refusal(decision.reason, before);
      const notes: string[] = [];
      if (draft.rightSizeReason && requestedGpus > 0 && gpus === 0) notes.push(draft.rightSizeReason);
      const lane = decision.lane;
      const partition = req.executor !== 'slurm' ? null : lane === 'preemptible' ? settings.lanes.preemptible : (req.partition ?? settings.lanes.standard);
      if (lane === 'preemptible') notes.push(decision.reason);
      const row: JobRow = { ...draftRow, lane, partition, note: notes.join('; ') };
      await trx.updateTable('jobs').set({ lane, partition, note: row.note }).where('id', '=', id).execute();
      if (requestedGpus > 0 && gpus === 0) {
        await appendEvent(trx, {
          kind: 'job_right_sized',
          team: draft.team,
          subject: `job:${id}`,
          actor: req.actor,
          model: draft.model,
          reason: draft.rightSizeReason ?? 'no GPU needed',
          payload: { job: id, requestedGpus, gpus },
        });
      }
      await appendEvent(trx, {
        kind: 'job_submitted',
        team: draft.team,
        subject: `job:${id}`,
        actor: req.actor,
        model: draft.model,
        reason: `${draft.kind} job on ${req.executor}${partition ? ` (${partition})` : ''}, ${lane} lane: ${cpus} CPU${gpus ? ` + ${gpus} GPU` : ''}${draft.arraySize > 1 ? ` × ${draft.arraySize} tasks` : ''} for ${humanDuration(timeLimit)}, reserved ${money(reservation.cost, settings.prices.currency)}`,
        payload: {
          job: id,
          kind: draft.kind,
          team: draft.team,
          month,
          executor: req.executor,
          partition,
          lane,
          cpus,
          gpus,
          requestedGpus,
          tasks: draft.arraySize,
          timeLimitSeconds: timeLimit,
          reservation,
          admission: decision,
          buildHash: draft.buildHash,
        },
      });
      return row;
    })
    .catch(async (e: unknown) => {
      if (!(e instanceof Refusal)) throw e;
      await appendEvent(store.db, {
        kind: 'job_refused',
        team: draft.team,
        subject: `team:${draft.team}`,
        actor: req.actor,
        model: draft.model,
        reason: e.message,
        payload: { kind: draft.kind, team: draft.team, month, cpus, gpus, tasks: draft.arraySize, timeLimitSeconds: timeLimit, reservation, budget: e.status },
      });
      throw new RotguardError(
        'budget_exceeded',
        `${e.message}. Ask for a smaller time limit or fewer resources, or have the budget raised with "rotguard budget set ${draft.team} --month ${month} --amount …"`,
        { field: 'budget' },
      );
    });
  const row: JobRow = admitted;

  if (req.executor === 'local') return { outcome: 'finished', job: await runLocal(store, id, req.where.workspace) };
  let externalId: string;
  try {
    externalId = await slurmSubmit(row, req.where);
  } catch (e) {
    // Nothing ran: release the reservation with a zero charge.
    await settleJob(store, row, [], { submitError: (e as Error).message });
    throw e;
  }
  await store.db.updateTable('jobs').set({ external_id: externalId }).where('id', '=', id).execute();
  if (req.wait) return { outcome: 'finished', job: await waitForJob(store, id, { pollMs: req.pollMs }) };
  return { outcome: 'submitted', job: await getJob(store.db, id) };
}

/** The local executor: the job runs here and now (training in a worker thread), charged with the real time it took (monotonic, not the settable clock). */
async function runLocal(store: Store, id: string, workspace: string): Promise<JobRow> {
  const started = performance.now();
  const outcome = await runJob(store, id, { workspace });
  const elapsed = (performance.now() - started) / 1000;
  const job = await getJob(store.db, id);
  const state = outcome.ok ? 'COMPLETED' : outcome.cancelledIdle ? 'CANCELLED' : outcome.result.code === 'time_limit_reached' ? 'TIMEOUT' : 'FAILED';
  return settleJob(store, job, [{ elapsedSeconds: elapsed, cpus: job.cpus, gpus: job.gpus, state }], { source: 'local', wallSeconds: elapsed });
}

function timeLimitOf(time: string | number | undefined, s: ComputeSettings): number {
  const seconds = time === undefined ? s.timeLimit.defaultSeconds : typeof time === 'number' ? time : parseDuration(time, 'time');
  if (!(seconds > 0)) throw new RotguardError('bad_time_limit', 'a time limit must be positive', { field: 'time' });
  if (seconds > s.timeLimit.maxSeconds) {
    throw new RotguardError(
      'time_limit_too_long',
      `time limit ${humanDuration(seconds)} is over this workspace's maximum of ${humanDuration(s.timeLimit.maxSeconds)}; ask for less (or an admin raises it with "rotguard budget settings --max-time …")`,
      { field: 'time' },
    );
  }
  return seconds;
}

function watchdogSpec(s: ComputeSettings, req: ComputeRequest): WatchdogSpec {
  return { thresholds: s.watchdog, sampler: req.gpuTrace ? { kind: 'trace', blob: '', replaySeconds: req.gpuTrace.replaySeconds } : { kind: 'nvidia-smi' } };
}

/** A cache hit is a job row that never ran: it carries what it saved (the original job's use, or the build's training time on one CPU). */
async function recordCacheHit(store: Store, recipe: Recipe, hit: BuildResult, actor: string): Promise<JobRow> {
  const { prices } = await readComputeSettings(store);
  const original = await store.db
    .selectFrom('jobs')
    .selectAll()
    .where('build_hash', '=', hit.buildHash)
    .where('kind', '=', 'build')
    .where('state', '=', 'completed')
    .orderBy('submitted_at')
    .executeTakeFirst();
  const saved = original
    ? { cpuHours: original.cpu_hours ?? 0, gpuHours: original.gpu_hours ?? 0, cost: original.charged_cost ?? 0 }
    : usageOf({ cpus: 1, gpus: 0, tasks: 1 }, hit.savedSeconds, prices);
  const id = newJobId();
  const at = nowIso();
  const row: JobRow = {
    id,
    kind: 'build',
    team: recipe.team,
    month: monthOf(at),
    model: recipe.model,
    build_hash: hit.buildHash,
    version_id: hit.version.id,
    executor: 'cache',
    partition: null,
    lane: 'standard',
    state: 'cached',
    external_id: null,
    array_size: 1,
    cpus: 0,
    gpus: 0,
    time_limit_s: 0,
    spec: canonicalJson({ recipe }),
    result: canonicalJson({ versionId: hit.version.id, cacheHit: true }),
    reserved_cost: 0,
    elapsed_s: 0,
    cpu_hours: 0,
    gpu_hours: 0,
    charged_cost: 0,
    saved_cpu_hours: saved.cpuHours,
    saved_gpu_hours: saved.gpuHours,
    saved_cost: saved.cost,
    note: `identical build: answered from the registry (${hit.version.id}), never queued`,
    submitted_at: at,
    submitted_by: actor,
    started_at: null,
    ended_at: at,
  };
  await store.db.transaction().execute(async (trx) => {
    await trx.insertInto('jobs').values(row).execute();
    await appendEvent(trx, {
      kind: 'job_cache_hit',
      team: row.team,
      subject: `job:${id}`,
      actor,
      model: recipe.model,
      versionId: hit.version.id,
      reason: `identical build ${hit.buildHash.slice(0, 12)} answered from the registry, never queued: saved ${saved.cpuHours.toFixed(4)} CPU-h, ${saved.gpuHours.toFixed(4)} GPU-h, ${money(saved.cost, prices.currency)}`,
      payload: { job: id, buildHash: hit.buildHash, versionId: hit.version.id, saved, originalJob: original?.id ?? null },
    });
  });
  return row;
}
