import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RotguardError } from '../core/errors.js';
import { slurmTime } from './duration.js';
import type { JobRow } from './jobs.js';
import { isFinalState, parseJobCompLine, parseKeyValueLine, parseScontrolJob, type SlurmJobRecord } from './slurm-records.js';

/**
 * The Slurm executor, through the command-line clients (sbatch, squeue, scancel,
 * scontrol), which every Slurm site has; slurmrestd needs its own daemon, JWT set-up
 * and version-specific OpenAPI plugins. A job is a tiny batch script that runs
 * `rotguard jobs run ID --workspace W` with the same Node and rotguard as the submitter;
 * `--export=NONE` keeps the submitting shell's environment out of the job: the script
 * names the workspace and, for PostgreSQL, the database URL, and nothing else.
 */
export interface WhereJobsRun {
  workspace: string;
  databaseUrl?: string;
}

function run(cmd: string, args: string[], timeoutMs = 30_000): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 127) : 0;
      resolve({ stdout, stderr: stderr || (err && code === 127 ? err.message : ''), code });
    });
  });
}

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The rotguard launcher next to this compiled file (bin/rotguard.js). */
export function rotguardBin(): string {
  return fileURLToPath(new URL('../../../bin/rotguard.js', import.meta.url));
}

export function jobDir(workspace: string, jobId: string): string {
  return join(workspace, 'jobs', jobId);
}

/** The batch script a job runs: the absolute Node and rotguard, the workspace, the database URL; nothing from the submitting shell. */
export function jobScript(job: JobRow, where: WhereJobsRun): string {
  const lines = [
    '#!/bin/sh',
    `# rotguard ${job.kind} job ${job.id} (team ${job.team}); generated at submission`,
    'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  ];
  if (where.databaseUrl) lines.push(`export ROTGUARD_DATABASE_URL=${shq(where.databaseUrl)}`);
  lines.push(`exec ${shq(process.execPath)} ${shq(rotguardBin())} jobs run ${shq(job.id)} --workspace ${shq(where.workspace)}`);
  return lines.join('\n') + '\n';
}

export function sbatchArgs(job: JobRow, script: string, dir: string): string[] {
  const args = [
    '--parsable',
    '--export=NONE',
    `--job-name=rotguard-${job.kind}-${job.id.slice(4, 12)}`,
    `--time=${slurmTime(job.time_limit_s)}`,
    `--cpus-per-task=${job.cpus}`,
    `--chdir=${dir}`,
    `--output=${join(dir, job.array_size > 1 ? 'slurm-%A_%a.out' : 'slurm-%j.out')}`,
  ];
  if (job.partition) args.push(`--partition=${job.partition}`);
  if (job.gpus > 0) args.push(`--gres=gpu:${job.gpus}`);
  if (job.array_size > 1) args.push(`--array=0-${job.array_size - 1}`);
  args.push(script);
  return args;
}

export async function slurmSubmit(job: JobRow, where: WhereJobsRun): Promise<string> {
  const dir = jobDir(where.workspace, job.id);
  mkdirSync(dir, { recursive: true });
  const script = join(dir, 'job.sh');
  writeFileSync(script, jobScript(job, where));
  // The script may hold the database URL: readable by its owner only.
  chmodSync(script, 0o700);
  const r = await run('sbatch', sbatchArgs(job, script, dir));
  if (r.code !== 0) throw new RotguardError('slurm_submit_failed', `sbatch refused job ${job.id}: ${(r.stderr || r.stdout).trim()}`);
  const id = r.stdout.trim().split(';')[0]!;
  if (!/^\d+$/.test(id)) throw new RotguardError('slurm_submit_failed', `sbatch printed no job id for ${job.id}: ${JSON.stringify(r.stdout)}`);
  return id;
}

export async function slurmCancel(externalId: string): Promise<void> {
  const r = await run('scancel', [externalId]);
  if (r.code !== 0) throw new RotguardError('slurm_cancel_failed', `scancel ${externalId} failed: ${(r.stderr || r.stdout).trim()}`);
}

export interface SlurmStatus {
  /** Every task has ended. */
  final: boolean;
  tasks: SlurmJobRecord[];
  source: 'scontrol' | 'jobcomp' | 'none';
}

/** Where slurmctld writes the job-completion log, if it is configured as a file. */
async function jobCompLog(): Promise<string | null> {
  const r = await run('scontrol', ['show', 'config']);
  if (r.code !== 0) return null;
  const type = /^JobCompType\s*=\s*(\S+)/m.exec(r.stdout)?.[1];
  const loc = /^JobCompLoc\s*=\s*(\S+)/m.exec(r.stdout)?.[1];
  return type === 'jobcomp/filetxt' && loc && existsSync(loc) ? loc : null;
}

/**
 * What Slurm knows of a job (all tasks of an array): `scontrol show job -o` while it
 * remembers the job, else the job-completion log (plain jobs only: the log does not name
 * a task's array).
 */
export async function slurmStatus(externalId: string): Promise<SlurmStatus> {
  const r = await run('scontrol', ['show', 'job', '-o', externalId]);
  if (r.code === 0 && r.stdout.trim()) {
    const tasks = r.stdout
      .split('\n')
      .filter((l) => l.includes('JobId='))
      .map(parseScontrolJob)
      // An array's pending remainder is one line "JobId=N ArrayTaskId=3-9": not finished.
      .filter((t) => t.arrayJobId === null || t.arrayJobId === externalId || t.jobId === externalId);
    return { final: tasks.length > 0 && tasks.every((t) => isFinalState(t.state) && !/[-,]/.test(t.arrayTaskId ?? '')), tasks, source: 'scontrol' };
  }
  const log = await jobCompLog();
  if (log) {
    const line = readFileSync(log, 'utf8')
      .split('\n')
      .find((l) => parseKeyValueLine(l).get('JobId') === externalId);
    if (line) return { final: true, tasks: [parseJobCompLine(line)], source: 'jobcomp' };
  }
  return { final: false, tasks: [], source: 'none' };
}

/** Whether the Slurm clients are here and a controller answers. */
export async function slurmAvailable(): Promise<boolean> {
  const r = await run('sinfo', ['-h', '-o', '%P'], 5000);
  return r.code === 0 && r.stdout.trim().length > 0;
}
