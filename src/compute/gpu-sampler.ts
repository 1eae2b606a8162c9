import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { AtomicFileWriter } from '../core/atomic-file.js';
import { RotguardError } from '../core/errors.js';
import type { GpuReading } from './watchdog.js';

/**
 * Where the watchdog's GPU readings come from. The job wrapper asks `sample()` every
 * `sampleSeconds`; a throw is a failed sample (counted as busy). Pluggable: nvidia-smi on
 * a real node, a recorded trace in tests and replays.
 */
export interface GpuSampler {
  /** `at` is set by samplers that carry their own time (a trace); otherwise the wrapper's clock is used. */
  sample(): Promise<{ at?: number; gpus: GpuReading[]; processes: number | null }>;
  /** Real seconds to wait between samples (a trace replays faster than it was recorded). */
  readonly intervalSeconds: number;
}

/** The query the wrapper runs, as the issue and NVIDIA's docs give it. */
export const NVIDIA_SMI_GPU_ARGS = ['--query-gpu=index,utilization.gpu,memory.used', '--format=csv,noheader,nounits'];
/** Compute processes on the GPUs: none at all for a while means nothing is using them. */
export const NVIDIA_SMI_APPS_ARGS = ['--query-compute-apps=pid', '--format=csv,noheader'];

/**
 * Parses `nvidia-smi --query-gpu=index,utilization.gpu,memory.used --format=csv,noheader,nounits`
 * (`0, 87, 40213` per line). Also accepts the two-column form without the index
 * (`utilization.gpu,memory.used`), numbering lines from 0. "[N/A]" or anything
 * non-numeric is an error: an unreadable sample is never read as idle.
 */
export function parseGpuQuery(text: string): GpuReading[] {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (!lines.length) throw new Error('nvidia-smi printed no GPU');
  return lines.map((line, i) => {
    const cells = line.split(',').map((c) => c.trim());
    const nums = cells.map(Number);
    if (nums.some((n) => !Number.isFinite(n)) || (cells.length !== 2 && cells.length !== 3))
      throw new Error(`unreadable nvidia-smi line ${JSON.stringify(line)}`);
    const [index, util, mem] = cells.length === 3 ? nums : [i, ...nums];
    return { index: index!, utilizationPercent: util!, memoryUsedMiB: mem! };
  });
}

/** Counts the compute processes listed by `nvidia-smi --query-compute-apps=pid --format=csv,noheader`. */
export function parseAppsQuery(text: string): number {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.some((l) => !/^\d+$/.test(l))) throw new Error(`unreadable nvidia-smi process list ${JSON.stringify(text.slice(0, 200))}`);
  return lines.length;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} failed: ${stderr || err.message}`)) : resolve(stdout),
    );
  });
}

/** The two queries' raw outputs, as a trace records them. CUDA_VISIBLE_DEVICES (set by Slurm for --gres=gpu:N) limits them to the job's GPUs. */
export async function nvidiaSmiRaw(command = 'nvidia-smi', visible = process.env.CUDA_VISIBLE_DEVICES): Promise<{ gpu: string; apps: string }> {
  const select = visible && /^[\d,]+$/.test(visible) ? [`--id=${visible}`] : [];
  const gpu = await run(command, [...NVIDIA_SMI_GPU_ARGS, ...select], 15_000);
  const apps = await run(command, [...NVIDIA_SMI_APPS_ARGS, ...select], 15_000);
  return { gpu, apps };
}

/** nvidia-smi on this node. */
export class NvidiaSmiSampler implements GpuSampler {
  constructor(
    readonly intervalSeconds: number,
    private readonly command = 'nvidia-smi',
    private readonly visible = process.env.CUDA_VISIBLE_DEVICES,
  ) {}

  async sample() {
    const raw = await nvidiaSmiRaw(this.command, this.visible);
    return { gpus: parseGpuQuery(raw.gpu), processes: parseAppsQuery(raw.apps) };
  }
}

/**
 * Records a trace on a real node: both queries every `everySeconds` for `seconds`, raw, in
 * the trace format (failed samples as `error`). The file is rewritten after every sample,
 * so an interrupted recording keeps what it had.
 */
export async function recordGpuTrace(o: {
  out: string;
  seconds: number;
  everySeconds: number;
  description?: string;
  command?: string;
  onSample?: (s: GpuTrace['samples'][number]) => void;
}): Promise<GpuTrace> {
  const trace: GpuTrace = { description: o.description ?? `recorded with rotguard on ${new Date().toISOString()}`, samples: [] };
  const t0 = performance.now();
  for (let k = 0; ; k++) {
    const t = k * o.everySeconds;
    if (t > o.seconds) break;
    const wait = t0 + t * 1000 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    let sample: GpuTrace['samples'][number];
    try {
      sample = { t, ...(await nvidiaSmiRaw(o.command)) };
    } catch (e) {
      sample = { t, error: (e as Error).message.trim() };
    }
    trace.samples.push(sample);
    o.onSample?.(sample);
    const w = new AtomicFileWriter(o.out);
    w.write(JSON.stringify(trace, null, 1) + '\n');
    w.commit();
  }
  return trace;
}

/**
 * A recorded trace: what nvidia-smi printed at each time. File format (JSON):
 * `{ "description": "…", "samples": [ { "t": 0, "gpu": "0, 97, 40213\n", "apps": "4242\n" }, { "t": 30, "error": "…" }, … ] }`
 * `gpu` and `apps` are the raw outputs of the two queries, parsed as the live sampler
 * parses them; `error` replays a failed sample. After the last sample the trace repeats
 * its last entry with time moving on (a job that stays as it ended).
 */
export interface GpuTrace {
  description?: string;
  samples: Array<{ t: number; gpu?: string; apps?: string; error?: string }>;
}

export function readGpuTrace(text: string, file?: string): GpuTrace {
  let doc: GpuTrace;
  try {
    doc = JSON.parse(text) as GpuTrace;
  } catch (e) {
    throw new RotguardError('bad_gpu_trace', `a GPU trace is JSON: ${(e as Error).message}`, { file });
  }
  if (!doc || !Array.isArray(doc.samples) || !doc.samples.length)
    throw new RotguardError('bad_gpu_trace', 'a GPU trace needs a non-empty "samples" list', { file, field: 'samples' });
  doc.samples.forEach((s, i) => {
    if (typeof s.t !== 'number' || (i > 0 && s.t <= doc.samples[i - 1]!.t))
      throw new RotguardError('bad_gpu_trace', 'sample times "t" must be increasing numbers of seconds', { file, field: `samples[${i}].t` });
    if (s.error === undefined && typeof s.gpu !== 'string')
      throw new RotguardError('bad_gpu_trace', 'each sample has "gpu" (nvidia-smi output) or "error"', { file, field: `samples[${i}]` });
  });
  return doc;
}

export function readGpuTraceFile(path: string): GpuTrace {
  return readGpuTrace(readFileSync(path, 'utf8'), path);
}

export class TraceSampler implements GpuSampler {
  private i = 0;
  constructor(
    private readonly trace: GpuTrace,
    readonly intervalSeconds: number,
  ) {}

  async sample() {
    const samples = this.trace.samples;
    const k = Math.min(this.i, samples.length - 1);
    const s = samples[k]!;
    const step = samples.length > 1 ? samples.at(-1)!.t - samples.at(-2)!.t : 30;
    const at = s.t + Math.max(0, this.i - k) * step;
    this.i++;
    if (s.error !== undefined) throw Object.assign(new Error(s.error), { at });
    return { at, gpus: parseGpuQuery(s.gpu!), processes: s.apps === undefined ? null : parseAppsQuery(s.apps) };
  }
}
