import type { Db } from './jobs.js';

/**
 * What compute cost, read from the jobs: per model version (what its builds cost, what
 * identical rebuilds answered from the cache saved) and per team and month (spend).
 */
export interface VersionCost {
  versionId: string;
  jobs: number;
  cpuHours: number;
  gpuHours: number;
  cost: number;
  cacheHits: number;
  savedCpuHours: number;
  savedGpuHours: number;
  savedCost: number;
}

export async function costPerVersion(db: Db): Promise<Map<string, VersionCost>> {
  const rows = await db
    .selectFrom('jobs')
    .select(['version_id', 'state', 'cpu_hours', 'gpu_hours', 'charged_cost', 'saved_cpu_hours', 'saved_gpu_hours', 'saved_cost'])
    .where('version_id', 'is not', null)
    .execute();
  const out = new Map<string, VersionCost>();
  for (const r of rows) {
    const v = out.get(r.version_id!) ?? {
      versionId: r.version_id!,
      jobs: 0,
      cpuHours: 0,
      gpuHours: 0,
      cost: 0,
      cacheHits: 0,
      savedCpuHours: 0,
      savedGpuHours: 0,
      savedCost: 0,
    };
    if (r.state === 'cached') v.cacheHits++;
    else v.jobs++;
    v.cpuHours += r.cpu_hours ?? 0;
    v.gpuHours += r.gpu_hours ?? 0;
    v.cost += r.charged_cost ?? 0;
    v.savedCpuHours += r.saved_cpu_hours;
    v.savedGpuHours += r.saved_gpu_hours;
    v.savedCost += r.saved_cost;
    out.set(v.versionId, v);
  }
  return out;
}

export interface TeamSpend {
  team: string;
  month: string;
  jobs: number;
  cpuHours: number;
  gpuHours: number;
  cost: number;
  savedCost: number;
  budget: number | null;
}

/** Spend per team and month (settled charges), with the month's budget where one is set. */
export async function spendPerTeam(db: Db): Promise<TeamSpend[]> {
  const rows = await db.selectFrom('jobs').select(['team', 'month', 'state', 'cpu_hours', 'gpu_hours', 'charged_cost', 'saved_cost']).execute();
  const budgets = await db.selectFrom('budgets').select(['team', 'month', 'amount']).execute();
  const key = (t: string, m: string) => `${t}\u0000${m}`;
  const out = new Map<string, TeamSpend>();
  for (const b of budgets)
    out.set(key(b.team, b.month), { team: b.team, month: b.month, jobs: 0, cpuHours: 0, gpuHours: 0, cost: 0, savedCost: 0, budget: b.amount });
  for (const r of rows) {
    const k = key(r.team, r.month);
    const s = out.get(k) ?? { team: r.team, month: r.month, jobs: 0, cpuHours: 0, gpuHours: 0, cost: 0, savedCost: 0, budget: null };
    if (r.state !== 'cached') s.jobs++;
    s.cpuHours += r.cpu_hours ?? 0;
    s.gpuHours += r.gpu_hours ?? 0;
    s.cost += r.charged_cost ?? 0;
    s.savedCost += r.saved_cost;
    out.set(k, s);
  }
  return [...out.values()].sort((a, b) => (a.month === b.month ? (a.team < b.team ? -1 : 1) : a.month < b.month ? 1 : -1));
}
