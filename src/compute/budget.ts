import { nowIso } from '../core/clock.js';
import { RotguardError } from '../core/errors.js';
import { appendEvent } from '../store/event-log.js';
import type { Store } from '../store/store.js';
import type { Db } from './jobs.js';
import { OPEN_STATES } from './jobs.js';

/**
 * Budgets per team and month, in money. A job reserves resources × time limit when it is
 * submitted; when it ends the reservation is released and the real use charged. What a
 * team has committed is its charges plus its open reservations.
 *
 * Admission, on the committed amount plus the new job's reservation (the "projected" use):
 * below 100 % of the budget the job runs in the standard lane; from 100 % it runs only in
 * the preemptible lane; from 125 % it is refused. A team without a budget for the month
 * is admitted to the standard lane, and its spend is still recorded and shown.
 */
export const PREEMPTIBLE_AT = 1.0;
export const REFUSE_AT = 1.25;

export interface BudgetStatus {
  team: string;
  month: string;
  /** null: no budget set for this team and month. */
  amount: number | null;
  currency: string | null;
  charged: number;
  reserved: number;
  /** Charges + open reservations. */
  committed: number;
  saved: number;
  cpuHours: number;
  gpuHours: number;
  jobs: number;
  cacheHits: number;
  /** committed / amount, null without a budget. */
  fraction: number | null;
}

export type Lane = 'standard' | 'preemptible';
export type AdmissionDecision =
  | { admitted: true; lane: Lane; projectedFraction: number | null; reason: string }
  | { admitted: false; projectedFraction: number; reason: string };

/** The admission rule on its own (pure), for a job reserving `reservation`. */
export function admissionFor(status: Pick<BudgetStatus, 'amount' | 'committed' | 'team' | 'month' | 'currency'>, reservation: number): AdmissionDecision {
  if (status.amount === null)
    return {
      admitted: true,
      lane: 'standard',
      projectedFraction: null,
      reason: `team ${status.team} has no budget for ${status.month}: standard lane, spend recorded`,
    };
  const projected = status.committed + reservation;
  const fraction = status.amount > 0 ? projected / status.amount : Number.POSITIVE_INFINITY;
  const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(0)} %` : 'an unlimited share');
  const used = `${status.committed.toFixed(2)} committed + ${reservation.toFixed(2)} reserved for this job = ${pct(fraction)} of ${status.amount.toFixed(2)} ${status.currency}`;
  if (fraction >= REFUSE_AT)
    return {
      admitted: false,
      projectedFraction: fraction,
      reason: `team ${status.team} would reach ${used} for ${status.month} (refused from ${REFUSE_AT * 100} %)`,
    };
  if (fraction >= PREEMPTIBLE_AT)
    return {
      admitted: true,
      lane: 'preemptible',
      projectedFraction: fraction,
      reason: `team ${status.team} is at ${used} for ${status.month}: preemptible lane only (from ${PREEMPTIBLE_AT * 100} %)`,
    };
  return { admitted: true, lane: 'standard', projectedFraction: fraction, reason: `${used}: standard lane` };
}

/** A team's month: budget, charges, open reservations, savings. `excludeJob`: as if that job were not there (admission of it). */
export async function budgetStatus(db: Db, team: string, month: string, excludeJob?: string): Promise<BudgetStatus> {
  const budget = await db.selectFrom('budgets').selectAll().where('team', '=', team).where('month', '=', month).executeTakeFirst();
  let q = db
    .selectFrom('jobs')
    .select(['state', 'reserved_cost', 'charged_cost', 'saved_cost', 'cpu_hours', 'gpu_hours'])
    .where('team', '=', team)
    .where('month', '=', month);
  if (excludeJob) q = q.where('id', '!=', excludeJob);
  const jobs = await q.execute();
  let charged = 0,
    reserved = 0,
    saved = 0,
    cpuHours = 0,
    gpuHours = 0,
    cacheHits = 0;
  for (const j of jobs) {
    if ((OPEN_STATES as string[]).includes(j.state)) reserved += j.reserved_cost;
    else charged += j.charged_cost ?? 0;
    saved += j.saved_cost;
    cpuHours += j.cpu_hours ?? 0;
    gpuHours += j.gpu_hours ?? 0;
    if (j.state === 'cached') cacheHits++;
  }
  const amount = budget?.amount ?? null;
  const committed = charged + reserved;
  return {
    team,
    month,
    amount,
    currency: budget?.currency ?? null,
    charged,
    reserved,
    committed,
    saved,
    cpuHours,
    gpuHours,
    jobs: jobs.length,
    cacheHits,
    fraction: amount === null ? null : amount > 0 ? committed / amount : null,
  };
}

/** Every team with a budget or a job in the month, with its status. */
export async function budgetStatuses(db: Db, month: string): Promise<BudgetStatus[]> {
  const teams = new Set<string>();
  for (const r of await db.selectFrom('budgets').select('team').where('month', '=', month).execute()) teams.add(r.team);
  for (const r of await db.selectFrom('jobs').select('team').where('month', '=', month).distinct().execute()) teams.add(r.team);
  const out: BudgetStatus[] = [];
  for (const t of [...teams].sort()) out.push(await budgetStatus(db, t, month));
  return out;
}

/** Sets (or changes) a team's budget for a month; a `budget_set` event records the old and new amount. */
export async function setBudget(store: Store, o: { team: string; month: string; amount: number; currency: string; actor: string }): Promise<BudgetStatus> {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(o.month)) throw new RotguardError('bad_budget', `a budget month is YYYY-MM, got "${o.month}"`, { field: 'month' });
  if (!(Number.isFinite(o.amount) && o.amount >= 0)) throw new RotguardError('bad_budget', `a budget is an amount ≥ 0, got ${o.amount}`, { field: 'amount' });
  if (!o.team) throw new RotguardError('bad_budget', 'a budget needs a team', { field: 'team' });
  return store.db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('budgets').selectAll().where('team', '=', o.team).where('month', '=', o.month).executeTakeFirst();
    await trx.deleteFrom('budgets').where('team', '=', o.team).where('month', '=', o.month).execute();
    await trx
      .insertInto('budgets')
      .values({ team: o.team, month: o.month, amount: o.amount, currency: o.currency, set_at: nowIso(), set_by: o.actor })
      .execute();
    await appendEvent(trx, {
      kind: 'budget_set',
      team: o.team,
      subject: `team:${o.team}`,
      actor: o.actor,
      reason: `${o.team} budget for ${o.month}: ${before ? `${before.amount} ${before.currency} → ` : ''}${o.amount} ${o.currency}`,
      payload: {
        team: o.team,
        month: o.month,
        amount: o.amount,
        currency: o.currency,
        previous: before ? { amount: before.amount, currency: before.currency } : null,
      },
    });
    return budgetStatus(trx, o.team, o.month);
  });
}
