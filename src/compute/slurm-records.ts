/**
 * Reading what Slurm says about a job, without slurmdbd. Two sources, both give the real
 * start and end and the allocation:
 *
 * - `scontrol show job -o ID`: live and recent jobs (Slurm forgets a finished job after
 *   MinJobAge, 300 s by default). Holds the GPUs (`TresPerNode=gres:gpu:N`).
 * - the job-completion log (`JobCompType=jobcomp/filetxt`): one line per finished job,
 *   kept for good, but without GPUs (gres/gpu can be an accounting TRES only with slurmdbd).
 *
 * `sacct` would need slurmdbd and a MySQL database on every cluster that runs rotguard;
 * these two need nothing beyond slurmctld.
 */
export interface SlurmJobRecord {
  jobId: string;
  arrayJobId: string | null;
  arrayTaskId: string | null;
  state: string;
  partition: string | null;
  /** ISO-8601 as Slurm prints it (local time, no zone); null when not started. */
  startTime: string | null;
  endTime: string | null;
  /** Seconds from start to end (or RunTime for a running job). */
  elapsedSeconds: number | null;
  cpus: number | null;
  gpus: number | null;
  exitCode: string | null;
  reason: string | null;
}

/** `Key=Value Key=Value …` as scontrol -o and jobcomp/filetxt print one job; values have no spaces except the last free-text fields. */
export function parseKeyValueLine(line: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /(?:^|\s)([A-Za-z][\w/:]*)=(\S*)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out.set(m[1]!, m[2]!);
  return out;
}

const nul = (v: string | undefined): string | null =>
  v === undefined || v === '' || v === '(null)' || v === 'None' || v === 'Unknown' || v === 'N/A' ? null : v;

/** Slurm's `[D-]HH:MM:SS` RunTime in seconds. */
export function runTimeSeconds(text: string | undefined): number | null {
  const m = text ? /^(?:(\d+)-)?(\d+):(\d+):(\d+)$/.exec(text) : null;
  return m ? Number(m[1] ?? 0) * 86400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]) : null;
}

/** Seconds between two Slurm timestamps (both local time, so the zone cancels). */
export function secondsBetween(start: string | null, end: string | null): number | null {
  if (!start || !end) return null;
  const a = Date.parse(start + 'Z');
  const b = Date.parse(end + 'Z');
  return Number.isFinite(a) && Number.isFinite(b) ? Math.max(0, (b - a) / 1000) : null;
}

/** GPUs from `TresPerNode=gres:gpu:2` / `gres/gpu:2` / `gres:gpu:h200:2`, times nodes. */
export function gpusOf(tresPerNode: string | undefined, nodes: number): number {
  if (!tresPerNode) return 0;
  let total = 0;
  for (const part of tresPerNode.split(',')) {
    // gres:gpu, gres:gpu:N, gres:gpu:TYPE, gres:gpu:TYPE:N
    const m = /^gres[:/]gpu((?::[^:]+)*)$/.exec(part);
    if (!m) continue;
    const last = m[1]!.split(':').at(-1) ?? '';
    total += /^\d+$/.test(last) ? Number(last) : 1;
  }
  return total * nodes;
}

/** One job from `scontrol show job -o` (one line per job; an array prints one line per task). */
export function parseScontrolJob(line: string): SlurmJobRecord {
  const f = parseKeyValueLine(line);
  const state = f.get('JobState') ?? 'UNKNOWN';
  const start = nul(f.get('StartTime'));
  const finished = !['PENDING', 'RUNNING', 'CONFIGURING', 'SUSPENDED', 'COMPLETING'].includes(state);
  const end = finished ? nul(f.get('EndTime')) : null;
  const nodes = Number(f.get('NumNodes') ?? 1) || 1;
  return {
    jobId: f.get('JobId') ?? '',
    arrayJobId: nul(f.get('ArrayJobId')),
    arrayTaskId: nul(f.get('ArrayTaskId')),
    state,
    partition: nul(f.get('Partition')),
    startTime: state === 'PENDING' ? null : start,
    endTime: end,
    elapsedSeconds: finished ? secondsBetween(start, end) : runTimeSeconds(f.get('RunTime')),
    cpus: f.has('NumCPUs') ? Number(f.get('NumCPUs')) : null,
    gpus: gpusOf(f.get('TresPerNode'), nodes),
    exitCode: nul(f.get('ExitCode')),
    reason: nul(f.get('Reason')),
  };
}

/** One job from the jobcomp/filetxt log. GPUs are not there (null): the caller keeps the allocation it knows. */
export function parseJobCompLine(line: string): SlurmJobRecord {
  const f = parseKeyValueLine(line);
  const tres = new Map(
    (f.get('Tres') ?? '')
      .split(',')
      .filter(Boolean)
      .map((kv) => kv.split('=') as [string, string]),
  );
  const start = nul(f.get('StartTime'));
  const end = nul(f.get('EndTime'));
  const cpus = tres.has('cpu') ? Number(tres.get('cpu')) : f.has('ProcCnt') ? Number(f.get('ProcCnt')) : null;
  const gpuTres = [...tres.entries()].find(([k]) => k === 'gres/gpu');
  return {
    jobId: f.get('JobId') ?? '',
    arrayJobId: null,
    arrayTaskId: null,
    state: f.get('JobState') ?? 'UNKNOWN',
    partition: nul(f.get('Partition')),
    startTime: start,
    endTime: end,
    elapsedSeconds: secondsBetween(start, end),
    cpus,
    gpus: gpuTres ? Number(gpuTres[1]) : null,
    exitCode: nul(f.get('ExitCode')),
    reason: null,
  };
}

/** Slurm states after which a job uses nothing more. */
export function isFinalState(state: string): boolean {
  return ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'PREEMPTED', 'NODE_FAIL', 'OUT_OF_MEMORY', 'BOOT_FAIL', 'DEADLINE'].includes(state.split(/\s|\+/)[0]!);
}
