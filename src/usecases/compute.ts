import { budgetStatuses, setBudget as setTeamBudget } from '../compute/budget.js';
import { getJob, listJobs, OPEN_STATES, type JobFilter } from '../compute/jobs.js';
import { runJob as runJobNow, type RunContext } from '../compute/run-job.js';
import { readComputeSettings, updateComputeSettings, type SettingsPatch } from '../compute/settings.js';
import { reconcileJobs } from '../compute/settle.js';
import { slurmCancel } from '../compute/slurm.js';
import { submitBuild, submitExternal, submitScore, type ComputeRequest } from '../compute/submit.js';
import { RotguardError } from '../core/errors.js';
import { appendEvent, readEvents } from '../store/event-log.js';
import type { Recipe } from '../training/recipe.js';
import { inContext, type Context } from './context.js';

/**
 * Compute governance as use cases: every training and bulk-scoring run behind one governed
 * path (cache before the queue, budgets and lanes, time limits, the idle watchdog, cost),
 * locally or on Slurm. ctx.actor submits, cancels and sets budgets.
 */

type Request = Omit<ComputeRequest, 'actor'>;

/** A build through admission; a retrain of a model in production needs a decision or the override reason (checked before anything is queued, logged where the version registers). */
export function submitBuildJob(ctx: Context, recipe: Recipe, request: Request, o: { overrideReason?: string } = {}) {
  return inContext(ctx, () => submitBuild(ctx.store, recipe, { ...request, actor: ctx.actor }, { overrideReason: o.overrideReason }));
}

/** Bulk scoring of a large file as a job array. */
export function submitScoreJob(ctx: Context, o: Parameters<typeof submitScore>[1], request: Request) {
  return inContext(ctx, () => submitScore(ctx.store, o, { ...request, actor: ctx.actor }));
}

/** A team's own training command, its environment recorded, its ONNX output imported with lineage. */
export function submitExternalJob(ctx: Context, o: Parameters<typeof submitExternal>[1], request: Request) {
  return inContext(ctx, () => submitExternal(ctx.store, o, { ...request, actor: ctx.actor }));
}

/** Runs a queued job (the entry point a Slurm job calls). */
export function runJob(ctx: Context, jobId: string, run: RunContext) {
  return inContext(ctx, () => runJobNow(ctx.store, jobId, run));
}

/** Jobs, settled first with what the scheduler reports. */
export function listComputeJobs(ctx: Context, filter: JobFilter = {}) {
  return inContext(ctx, async () => {
    await reconcileJobs(ctx.store);
    return listJobs(ctx.store.db, filter);
  });
}

/** One job, settled first, with its events. */
export function showJob(ctx: Context, ref: string) {
  return inContext(ctx, async () => {
    const id = (await getJob(ctx.store.db, ref)).id;
    await reconcileJobs(ctx.store, id);
    const job = await getJob(ctx.store.db, id);
    return { job, events: await readEvents(ctx.store.db, { subject: `job:${job.id}` }) };
  });
}

/** Cancels an open Slurm job (a local job runs in its submitting process: stop that process); logged with ctx.actor and the reason. */
export function cancelJob(ctx: Context, ref: string, reason: string) {
  return inContext(ctx, async () => {
    const j = await getJob(ctx.store.db, ref);
    if (!(OPEN_STATES as string[]).includes(j.state)) throw new RotguardError('job_not_open', `job ${j.id} is already ${j.state}`);
    if (j.executor !== 'slurm' || !j.external_id)
      throw new RotguardError('job_not_cancellable', `job ${j.id} runs locally in its submitting process; stop that process`);
    await slurmCancel(j.external_id);
    await appendEvent(ctx.store.db, {
      kind: 'job_cancelled',
      team: j.team,
      subject: `job:${j.id}`,
      actor: ctx.actor,
      model: j.model,
      reason,
      payload: { job: j.id, slurmJob: j.external_id },
    });
    return j;
  });
}

export function setBudget(ctx: Context, o: { team: string; month: string; amount: number; currency: string }) {
  return inContext(ctx, () => setTeamBudget(ctx.store, { ...o, actor: ctx.actor }));
}

/** Every team's budget and spend in a month, jobs settled first. */
export function budgets(ctx: Context, month: string) {
  return inContext(ctx, async () => {
    await reconcileJobs(ctx.store);
    return budgetStatuses(ctx.store.db, month);
  });
}

export function computeSettings(ctx: Context) {
  return inContext(ctx, () => readComputeSettings(ctx.store));
}

export function updateSettings(ctx: Context, patch: SettingsPatch) {
  return inContext(ctx, () => updateComputeSettings(ctx.store, patch, ctx.actor));
}
