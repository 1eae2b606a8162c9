import { UsageError } from '../../core/errors.js';
import type { ComputeRequest } from '../../compute/submit.js';
import { databaseUrl } from '../workspace.js';
import { str } from '../options.js';

/** The flags every governed compute command takes: executor, partition, time limit, resources, wait. */
export const COMPUTE_OPTIONS = {
  executor: { type: 'string' },
  partition: { type: 'string' },
  time: { type: 'string' },
  gpus: { type: 'string' },
  cpus: { type: 'string' },
  wait: { type: 'boolean', default: false },
  'gpu-trace': { type: 'string' },
  'trace-replay-seconds': { type: 'string' },
} as const;

export const COMPUTE_HELP = `Compute (governed: budget, time limit, idle watchdog, cost recorded):
  --executor local|slurm   run here (worker threads) or as a Slurm job
  --partition P            Slurm partition for the standard lane (default: settings)
  --time 2h                time limit (mandatory; default and maximum: rotguard budget settings)
  --cpus N --gpus N        resources per task (GPU requests for built-in trainers are dropped)
  --wait                   wait for a Slurm job to end and be charged
  --gpu-trace FILE         drive the idle watchdog from a recorded nvidia-smi trace (tests, replays)
`;

/** The compute flags as a request; who submits comes from the use case's context. */
export function computeRequest(values: Record<string, unknown>, workspace: string): Omit<ComputeRequest, 'actor'> {
  const executor = str(values.executor) ?? 'local';
  if (executor !== 'local' && executor !== 'slurm') throw new UsageError(`--executor must be local or slurm, got "${executor}"`);
  const int = (flag: string) => {
    const v = str(values[flag]);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${flag} must be an integer ≥ 0, got "${v}"`);
    return n;
  };
  const trace = str(values['gpu-trace']);
  const replay = str(values['trace-replay-seconds']);
  return {
    executor,
    partition: str(values.partition),
    time: str(values.time),
    cpus: int('cpus'),
    gpus: int('gpus'),
    wait: Boolean(values.wait),
    where: { workspace, databaseUrl: databaseUrl() },
    gpuTrace: trace ? { file: trace, replaySeconds: replay === undefined ? 1 : Number(replay) } : undefined,
  };
}
