import { computeSettings, submitBuildJob } from '../../usecases/compute.js';
import type { Context } from '../../usecases/context.js';
import type { Recipe } from '../../training/recipe.js';
import { emit, type CommandIO } from '../options.js';
import { computeRequest } from './compute-flags.js';
import { describeAdmission, view } from './jobs.js';

/** `rotguard build RECIPE --executor local|slurm …`: the build through compute admission (cache, budget, lanes, time limit, cost). */
export async function governedBuild(
  ctx: Context,
  recipe: Recipe,
  values: Record<string, unknown>,
  io: CommandIO,
  overrideReason: string | undefined,
): Promise<number> {
  const { prices } = await computeSettings(ctx);
  const a = await submitBuildJob(ctx, recipe, computeRequest(values, ctx.workspace!), { overrideReason });
  emit(
    io,
    Boolean(values.json),
    { outcome: a.outcome, job: view(a.job), ...(a.outcome === 'cached' ? { buildHash: a.build.buildHash, version: a.build.version.id } : {}) },
    describeAdmission(a, prices.currency),
  );
  return a.job.state === 'failed' || a.job.state === 'timeout' || a.job.state === 'cancelled' || a.job.state === 'cancelled_idle' ? 1 : 0;
}
