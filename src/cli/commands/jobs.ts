import { writeFileSync } from 'node:fs';
import { UsageError } from '../../core/errors.js';
import { money } from '../../compute/cost.js';
import { humanDuration, parseDuration } from '../../compute/duration.js';
import { recordGpuTrace } from '../../compute/gpu-sampler.js';
import { jobResult, jobSpec, type JobRow } from '../../compute/jobs.js';
import type { Admission } from '../../compute/submit.js';
import { cancelJob, computeSettings, listComputeJobs, runJob, showJob, submitExternalJob, submitScoreJob } from '../../usecases/compute.js';
import { emit, parseCommand as parse, str, type CommandIO } from '../options.js';
import { withContext } from '../workspace.js';
import { COMPUTE_HELP, COMPUTE_OPTIONS, computeRequest } from './compute-flags.js';

export const jobsHelp = `Usage:
  rotguard jobs list [--team T] [--month YYYY-MM] [--state S]
  rotguard jobs show JOB_ID
  rotguard jobs cancel JOB_ID [--reason TEXT]
  rotguard jobs score FILE --model NAME@VERSION --team T --tasks N [--out OUT.csv] [compute flags]
  rotguard jobs external --team T (--image-digest sha256:… | --lockfile FILE) [--onnx-output model.onnx
                         --model NAME --endpoint E --features SET --input descriptors|fingerprints] [compute flags] -- COMMAND ARGS…
  rotguard jobs record-gpu-trace --out TRACE.json [--duration 30m] [--every 30s]
                                              (on a GPU node: record nvidia-smi for --gpu-trace replays)
  rotguard jobs run JOB_ID --workspace W      (what a job runs on its node; not for people)

Every job is admitted against its team's monthly budget (reserve resources × time limit,
preemptible lane from 100 %, refused from 125 %), charged with the real elapsed time ×
resources when it ends, and watched for idle GPUs. list, show and cancel first settle
Slurm jobs that have ended.

${COMPUTE_HELP}`;

function line(j: JobRow, currency: string): string {
  const charge = j.charged_cost !== null ? money(j.charged_cost, currency) : `reserved ${money(j.reserved_cost, currency)}`;
  return `${j.id}  ${j.kind.padEnd(8)} ${j.team.padEnd(10)} ${j.state.padEnd(14)} ${j.executor}${j.partition ? `/${j.partition}` : ''}${j.lane === 'preemptible' ? ' (preemptible)' : ''}  ${j.cpus}c${j.gpus ? `+${j.gpus}g` : ''}${j.array_size > 1 ? `×${j.array_size}` : ''}  ${charge}${j.saved_cost ? `  saved ${money(j.saved_cost, currency)}` : ''}  ${j.version_id ?? j.model ?? ''}`;
}

export function describeAdmission(a: Admission, currency: string): string {
  const j = a.job;
  if (a.outcome === 'cached')
    return `cache hit: ${j.version_id} was already built from this exact recipe, data, features, code and runtime; never queued (${j.id}, saved ${j.saved_cpu_hours.toFixed(3)} CPU-h, ${j.saved_gpu_hours.toFixed(3)} GPU-h, ${money(j.saved_cost, currency)})`;
  const head =
    a.outcome === 'submitted'
      ? `submitted ${j.id} to Slurm as job ${j.external_id} (${j.partition}, ${j.lane} lane, time limit ${humanDuration(j.time_limit_s)}, reserved ${money(j.reserved_cost, currency)}); "rotguard jobs show ${j.id}" follows it`
      : `${j.id} ${j.state}${j.version_id ? `: ${j.version_id}` : ''} in ${humanDuration(j.elapsed_s ?? 0)}, charged ${money(j.charged_cost ?? 0, currency)} (${(j.cpu_hours ?? 0).toFixed(4)} CPU-h, ${(j.gpu_hours ?? 0).toFixed(4)} GPU-h; reserved ${money(j.reserved_cost, currency)})`;
  const error = jobResult<{ error?: string }>(j)?.error;
  return head + (error ? `\n  error: ${error}` : '') + (j.note ? `\n  note: ${j.note}` : '');
}

export async function jobsCommand(args: string[], io: CommandIO): Promise<number> {
  const dash = args.indexOf('--');
  const command = dash >= 0 ? args.slice(dash + 1) : [];
  const { values, positionals } = parse(dash >= 0 ? args.slice(0, dash) : args, {
    team: { type: 'string' },
    month: { type: 'string' },
    state: { type: 'string' },
    reason: { type: 'string' },
    model: { type: 'string' },
    tasks: { type: 'string' },
    out: { type: 'string' },
    'image-digest': { type: 'string' },
    lockfile: { type: 'string' },
    'onnx-output': { type: 'string' },
    endpoint: { type: 'string' },
    features: { type: 'string' },
    input: { type: 'string' },
    'smiles-column': { type: 'string' },
    'id-column': { type: 'string' },
    ...COMPUTE_OPTIONS,
    duration: { type: 'string' },
    every: { type: 'string' },
  });
  const [sub, ref] = positionals;
  if (values.help || !sub) return (io.out(jobsHelp), values.help ? 0 : 1);
  const json = Boolean(values.json);
  if (sub === 'record-gpu-trace') {
    // Needs no workspace: it only reads the GPUs.
    const out = str(values.out);
    if (!out) throw new UsageError('record-gpu-trace needs --out TRACE.json');
    const trace = await recordGpuTrace({
      out,
      seconds: parseDuration(str(values.duration) ?? '30m', 'duration'),
      everySeconds: parseDuration(str(values.every) ?? '30s', 'every'),
      onSample: (s) =>
        io.err(
          `t=${s.t}s ${s.error ? `error: ${s.error}` : `${(s.gpu ?? '').trim().replace(/\n/g, ' | ')}; processes: ${(s.apps ?? '').trim().split('\n').filter(Boolean).length}`}\n`,
        ),
    });
    emit(io, json, trace, `wrote ${trace.samples.length} samples to ${out}`);
    return 0;
  }
  return withContext(str(values.workspace), async (ctx) => {
    const workspace = ctx.workspace!;
    const { prices } = await computeSettings(ctx);
    if (sub === 'run') {
      if (!ref) throw new UsageError('jobs run needs a JOB_ID');
      const task = process.env.SLURM_ARRAY_TASK_ID;
      const outcome = await runJob(ctx, ref, { workspace, taskIndex: task === undefined ? undefined : Number(task), slurmJobId: process.env.SLURM_JOB_ID });
      emit(
        io,
        json,
        outcome,
        `job ${ref}: ${outcome.ok ? 'done' : outcome.cancelledIdle ? 'cancelled by the idle watchdog' : `failed: ${String(outcome.result.error)}`}`,
      );
      return outcome.ok ? 0 : outcome.cancelledIdle ? 3 : 1;
    }
    if (sub === 'list') {
      const jobs = await listComputeJobs(ctx, { team: str(values.team), month: str(values.month), state: str(values.state) });
      emit(io, json, jobs.map(view), jobs.length ? jobs.map((j) => line(j, prices.currency)).join('\n') : 'no jobs');
      return 0;
    }
    if (sub === 'show') {
      if (!ref) throw new UsageError('jobs show needs a JOB_ID');
      const { job: j, events } = await showJob(ctx, ref);
      emit(
        io,
        json,
        {
          job: view(j),
          events: events.map((e) => ({ seq: e.seq, at: e.at, kind: e.kind, actor: e.actor, reason: e.reason, payload: JSON.parse(e.payload) })),
        },
        `${line(j, prices.currency)}\n  submitted ${j.submitted_at} by ${j.submitted_by}; time limit ${humanDuration(j.time_limit_s)}${j.external_id ? `; Slurm job ${j.external_id}` : ''}\n` +
          (j.elapsed_s !== null
            ? `  elapsed ${humanDuration(j.elapsed_s)}: ${(j.cpu_hours ?? 0).toFixed(4)} CPU-h, ${(j.gpu_hours ?? 0).toFixed(4)} GPU-h, charged ${money(j.charged_cost ?? 0, prices.currency)}\n`
            : '') +
          (j.note ? `  note: ${j.note}\n` : '') +
          events.map((e) => `  ${e.at}  ${e.kind.padEnd(18)} by ${e.actor}: ${e.reason}`).join('\n'),
      );
      return 0;
    }
    if (sub === 'cancel') {
      if (!ref) throw new UsageError('jobs cancel needs a JOB_ID');
      const j = await cancelJob(ctx, ref, str(values.reason) ?? 'cancelled by hand');
      emit(io, json, { job: j.id, cancelled: true }, `cancelled ${j.id} (Slurm job ${j.external_id}); it is charged for what it ran once Slurm has ended it`);
      return 0;
    }
    if (sub === 'score') {
      if (!ref || !values.model || !values.team || !values.tasks) throw new UsageError(`jobs score needs FILE, --model, --team and --tasks\n\n${jobsHelp}`);
      const a = await submitScoreJob(
        ctx,
        {
          model: str(values.model)!,
          team: str(values.team)!,
          input: ref,
          tasks: Number(values.tasks),
          smilesColumn: str(values['smiles-column']),
          idColumn: str(values['id-column']),
        },
        computeRequest(values, workspace),
      );
      const out = str(values.out);
      const result = jobResult<{ outputBlob?: string | null }>(a.job);
      if (out && result?.outputBlob) writeFileSync(out, await ctx.store.blobs.get(result.outputBlob));
      emit(io, json, view(a.job), describeAdmission(a, prices.currency) + (out && result?.outputBlob ? `\n  predictions written to ${out}` : ''));
      return a.job.state === 'failed' ? 1 : 0;
    }
    if (sub === 'external') {
      if (!values.team || !command.length) throw new UsageError(`jobs external needs --team and a command after --\n\n${jobsHelp}`);
      const input = str(values.input);
      if (input !== undefined && input !== 'descriptors' && input !== 'fingerprints') throw new UsageError('--input must be descriptors or fingerprints');
      const imp = values['onnx-output']
        ? {
            model: str(values.model)!,
            endpoint: str(values.endpoint)!,
            features: str(values.features)!,
            block: (input ?? 'descriptors') as 'descriptors' | 'fingerprints',
          }
        : undefined;
      if (imp && (!imp.model || !imp.endpoint || !imp.features)) throw new UsageError('--onnx-output needs --model, --endpoint and --features to import it');
      const a = await submitExternalJob(
        ctx,
        {
          team: str(values.team)!,
          argv: command,
          imageDigest: str(values['image-digest']),
          lockfile: str(values.lockfile),
          onnxOutput: str(values['onnx-output']),
          import: imp,
        },
        computeRequest(values, workspace),
      );
      emit(io, json, view(a.job), describeAdmission(a, prices.currency));
      return a.job.state === 'failed' ? 1 : 0;
    }
    throw new UsageError(jobsHelp);
  });
}

/** A job for --json: JSON columns parsed. */
export function view(j: JobRow) {
  return { ...j, spec: jobSpec(j), result: jobResult(j) };
}
