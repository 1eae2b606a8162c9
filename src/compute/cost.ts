/**
 * Money for compute: CPU-hours and GPU-hours, each weighted by its price per hour. A
 * reservation is resources × time limit; a charge is resources × real elapsed time.
 */
export interface Prices {
  /** Price of one CPU core for one hour. */
  cpuHour: number;
  /** Price of one GPU for one hour. */
  gpuHour: number;
  currency: string;
}

export interface Resources {
  cpus: number;
  gpus: number;
  /** Array tasks (bulk scoring): each task holds cpus and gpus. 1 for an ordinary job. */
  tasks: number;
}

export interface Usage {
  cpuHours: number;
  gpuHours: number;
  cost: number;
}

/** What holding `r` for `seconds` uses and costs. */
export function usageOf(r: Resources, seconds: number, prices: Prices): Usage {
  const hours = (seconds / 3600) * r.tasks;
  const cpuHours = r.cpus * hours;
  const gpuHours = r.gpus * hours;
  return { cpuHours, gpuHours, cost: cpuHours * prices.cpuHour + gpuHours * prices.gpuHour };
}

/** The sum of several usages. */
export function addUsage(a: Usage, b: Usage): Usage {
  return { cpuHours: a.cpuHours + b.cpuHours, gpuHours: a.gpuHours + b.gpuHours, cost: a.cost + b.cost };
}

export const NO_USAGE: Usage = { cpuHours: 0, gpuHours: 0, cost: 0 };

/** Money with two decimals (sub-cent amounts with four), for messages. */
export function money(amount: number, currency: string): string {
  const digits = Math.abs(amount) < 0.01 && amount !== 0 ? 4 : 2;
  return `${amount.toFixed(digits)} ${currency}`;
}
