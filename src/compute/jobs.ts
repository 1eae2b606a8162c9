import { randomUUID } from 'node:crypto';
import { RotguardError } from '../core/errors.js';
import type { Kysely, Transaction } from 'kysely';
import type { Database, Row } from '../store/schema.js';

/** A governed compute job as the store holds it (spec and result are canonical JSON text: jobSpec, jobResult). */
export type JobRow = Row<'jobs'>;
export type JobKind = 'build' | 'score' | 'external';
export type JobState = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'cancelled_idle' | 'timeout' | 'cached';
export const OPEN_STATES: JobState[] = ['queued', 'running'];

export type Db = Kysely<Database> | Transaction<Database>;

export function newJobId(): string {
  return `job-${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

/** The job with this id, or its unique prefix. */
export async function getJob(db: Db, id: string): Promise<JobRow> {
  const exact = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  if (exact) return exact;
  const like = await db
    .selectFrom('jobs')
    .selectAll()
    .where('id', 'like', `${id.replace(/[%_]/g, '')}%`)
    .limit(2)
    .execute();
  if (like.length === 1) return like[0]!;
  throw new RotguardError(
    like.length ? 'ambiguous_job' : 'unknown_job',
    like.length ? `job id prefix ${id} names several jobs; give more of it` : `no job ${id}; "rotguard jobs list" shows them`,
    { field: 'job' },
  );
}

export interface JobFilter {
  team?: string;
  month?: string;
  state?: string;
  limit?: number;
}

export async function listJobs(db: Db, f: JobFilter = {}): Promise<JobRow[]> {
  let q = db.selectFrom('jobs').selectAll();
  if (f.team) q = q.where('team', '=', f.team);
  if (f.month) q = q.where('month', '=', f.month);
  if (f.state) q = q.where('state', '=', f.state);
  q = q.orderBy('submitted_at', 'desc').orderBy('id');
  if (f.limit) q = q.limit(f.limit);
  return q.execute();
}

export function jobSpec<T = Record<string, unknown>>(job: JobRow): T {
  return JSON.parse(job.spec) as T;
}

export function jobResult<T = Record<string, unknown>>(job: JobRow): T | null {
  return job.result ? (JSON.parse(job.result) as T) : null;
}

/** Month of a timestamp, the budget period: YYYY-MM (UTC). */
export function monthOf(iso: string): string {
  return iso.slice(0, 7);
}
