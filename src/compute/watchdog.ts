/**
 * The idle watchdog's decision rule, pure: fed one GPU sample at a time, it says when to
 * warn and when to cancel. Slurm allocates GPUs and enforces time limits but never acts
 * on a GPU that sits idle; sites script that, and this is rotguard's script.
 *
 * - Samples in the first `graceSeconds` of a job are ignored (loading data, compiling).
 * - A sample is idle when every allocated GPU is at or below `idleUtilizationPercent`.
 *   A job idle for `warnIdleSeconds` is warned once; idle for `cancelIdleSeconds`, cancelled.
 * - No GPU process at all for `noProcessSeconds` also cancels (the script died or never
 *   touched the GPU), whatever the utilisation says.
 * - A sample that failed (nvidia-smi missing, timed out, unreadable) counts as busy and
 *   ends any idle streak: the watchdog never cancels on what it could not see.
 */
export interface WatchdogThresholds {
  /** How often the job wrapper samples (nvidia-smi every 30 s by default). */
  sampleSeconds: number;
  graceSeconds: number;
  warnIdleSeconds: number;
  cancelIdleSeconds: number;
  noProcessSeconds: number;
  /** A GPU at or below this utilisation (%) is idle. */
  idleUtilizationPercent: number;
}

export interface GpuReading {
  index: number;
  utilizationPercent: number;
  memoryUsedMiB: number;
}

/** One sample, `at` seconds after the job started. `processes` is null when the sampler cannot count them. */
export type GpuSample = { at: number; ok: true; gpus: GpuReading[]; processes: number | null } | { at: number; ok: false; error: string };

export interface IdleEvidence {
  reason: 'idle' | 'no_gpu_process';
  /** Seconds the streak has lasted at this sample. */
  idleSeconds: number;
  streakStartedAt: number;
  at: number;
  samples: number;
  maxUtilizationPercent: number;
  maxMemoryUsedMiB: number;
  thresholds: WatchdogThresholds;
  /** The streak's last samples, as read. */
  last: GpuSample[];
}

export type WatchdogAction = { action: 'warn' | 'cancel'; evidence: IdleEvidence };

interface Streak {
  start: number;
  samples: GpuSample[];
  count: number;
  maxUtil: number;
  maxMem: number;
}

const KEEP = 10;

export class Watchdog {
  private idle: Streak | null = null;
  private noProcess: Streak | null = null;
  private warned = false;
  private done = false;

  constructor(private readonly t: WatchdogThresholds) {}

  /** Feeds one sample; returns what to do now, if anything. After a cancel it stays silent. */
  observe(s: GpuSample): WatchdogAction | null {
    if (this.done || s.at < this.t.graceSeconds) return null;
    if (!s.ok || s.gpus.length === 0) {
      this.idle = null;
      this.noProcess = null;
      this.warned = false;
      return null;
    }
    const isIdle = s.gpus.every((g) => g.utilizationPercent <= this.t.idleUtilizationPercent);
    this.idle = isIdle ? extend(this.idle, s) : null;
    if (!isIdle) this.warned = false;
    this.noProcess = s.processes === 0 ? extend(this.noProcess, s) : null;

    if (this.noProcess && s.at - this.noProcess.start >= this.t.noProcessSeconds) {
      this.done = true;
      return { action: 'cancel', evidence: this.evidence('no_gpu_process', this.noProcess, s.at) };
    }
    if (this.idle) {
      const idleFor = s.at - this.idle.start;
      if (idleFor >= this.t.cancelIdleSeconds) {
        this.done = true;
        return { action: 'cancel', evidence: this.evidence('idle', this.idle, s.at) };
      }
      if (idleFor >= this.t.warnIdleSeconds && !this.warned) {
        this.warned = true;
        return { action: 'warn', evidence: this.evidence('idle', this.idle, s.at) };
      }
    }
    return null;
  }

  private evidence(reason: IdleEvidence['reason'], streak: Streak, at: number): IdleEvidence {
    return {
      reason,
      idleSeconds: at - streak.start,
      streakStartedAt: streak.start,
      at,
      samples: streak.count,
      maxUtilizationPercent: streak.maxUtil,
      maxMemoryUsedMiB: streak.maxMem,
      thresholds: this.t,
      last: streak.samples.slice(-KEEP),
    };
  }
}

function extend(streak: Streak | null, s: GpuSample & { ok: true }): Streak {
  const util = Math.max(...s.gpus.map((g) => g.utilizationPercent));
  const mem = Math.max(...s.gpus.map((g) => g.memoryUsedMiB));
  if (!streak) return { start: s.at, samples: [s], count: 1, maxUtil: util, maxMem: mem };
  streak.samples.push(s);
  if (streak.samples.length > KEEP) streak.samples.shift();
  streak.count++;
  streak.maxUtil = Math.max(streak.maxUtil, util);
  streak.maxMem = Math.max(streak.maxMem, mem);
  return streak;
}
