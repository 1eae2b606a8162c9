import { nowIso } from '../../core/clock.js';
import { UsageError } from '../../core/errors.js';
import type { BudgetStatus } from '../../compute/budget.js';
import { money } from '../../compute/cost.js';
import { humanDuration, parseDuration } from '../../compute/duration.js';
import { monthOf } from '../../compute/jobs.js';
import type { SettingsPatch } from '../../compute/settings.js';
import { budgets, computeSettings, setBudget, updateSettings } from '../../usecases/compute.js';
import { emit, parseCommand as parse, str, type CommandIO } from '../options.js';
import { withContext } from '../workspace.js';

export const budgetHelp = `Usage:
  rotguard budget set TEAM --amount N [--month YYYY-MM] [--currency USD]
  rotguard budget show [--team T] [--month YYYY-MM]
  rotguard budget settings [--cpu-hour PRICE] [--gpu-hour PRICE] [--currency C] [--default-time 2h] [--max-time 48h]
                           [--standard-partition P] [--preemptible-partition P] [--sample-every 30s] [--grace 20m]
                           [--warn-after 30m] [--cancel-after 60m] [--no-process-after 10m] [--idle-below PERCENT]

A team's monthly budget is money: CPU-hours × the CPU-hour price + GPU-hours × the GPU-hour
price. A job reserves resources × time limit when submitted and is charged the real use
when it ends. From 100 % of the budget (charges + open reservations + the new job) a
team's jobs go to the preemptible lane only; from 125 % they are refused. show lists
spend per team (charged, reserved, saved by the build cache). settings with no flag
prints the current settings.
`;

function describe(s: BudgetStatus, currency: string): string {
  const cur = s.currency ?? currency;
  const pct = s.fraction === null ? 'no budget' : `${(s.fraction * 100).toFixed(1)} % of ${money(s.amount!, cur)}`;
  return `${s.team.padEnd(12)} ${s.month}  ${pct}: charged ${money(s.charged, cur)}, reserved ${money(s.reserved, cur)}; ${s.cpuHours.toFixed(3)} CPU-h, ${s.gpuHours.toFixed(3)} GPU-h in ${s.jobs - s.cacheHits} jobs; cache saved ${money(s.saved, cur)} (${s.cacheHits} hits)`;
}

export async function budgetCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {
    amount: { type: 'string' },
    month: { type: 'string' },
    currency: { type: 'string' },
    team: { type: 'string' },
    'cpu-hour': { type: 'string' },
    'gpu-hour': { type: 'string' },
    'default-time': { type: 'string' },
    'max-time': { type: 'string' },
    'standard-partition': { type: 'string' },
    'preemptible-partition': { type: 'string' },
    'sample-every': { type: 'string' },
    grace: { type: 'string' },
    'warn-after': { type: 'string' },
    'cancel-after': { type: 'string' },
    'no-process-after': { type: 'string' },
    'idle-below': { type: 'string' },
  });
  const [sub, team] = positionals;
  if (values.help || !sub) return (io.out(budgetHelp), values.help ? 0 : 1);
  const json = Boolean(values.json);
  const month = str(values.month) ?? monthOf(nowIso());
  return withContext(str(values.workspace), async (ctx) => {
    const settings = await computeSettings(ctx);
    if (sub === 'set') {
      if (!team || values.amount === undefined) throw new UsageError(`budget set needs TEAM and --amount\n\n${budgetHelp}`);
      const amount = Number(values.amount);
      const s = await setBudget(ctx, { team, month, amount, currency: str(values.currency) ?? settings.prices.currency });
      emit(io, json, s, `budget set: ${describe(s, settings.prices.currency)}`);
      return 0;
    }
    if (sub === 'show') {
      const all = await budgets(ctx, month);
      const list = values.team ? all.filter((s) => s.team === values.team) : all;
      emit(io, json, list, list.length ? list.map((s) => describe(s, settings.prices.currency)).join('\n') : `no budgets or jobs in ${month}`);
      return 0;
    }
    if (sub === 'settings') {
      const num = (flag: string) => (values[flag] === undefined ? undefined : Number(values[flag]));
      const dur = (flag: string) => (values[flag] === undefined ? undefined : parseDuration(str(values[flag])!, flag));
      const patch: SettingsPatch = {
        prices: strip({ cpuHour: num('cpu-hour'), gpuHour: num('gpu-hour'), currency: str(values.currency) }),
        timeLimit: strip({ defaultSeconds: dur('default-time'), maxSeconds: dur('max-time') }),
        lanes: strip({ standard: str(values['standard-partition']), preemptible: str(values['preemptible-partition']) }),
        watchdog: strip({
          sampleSeconds: dur('sample-every'),
          graceSeconds: dur('grace'),
          warnIdleSeconds: dur('warn-after'),
          cancelIdleSeconds: dur('cancel-after'),
          noProcessSeconds: dur('no-process-after'),
          idleUtilizationPercent: num('idle-below'),
        }),
      };
      const changed = Object.values(patch).some((p) => Object.keys(p as object).length);
      const s = changed ? await updateSettings(ctx, patch) : settings;
      const w = s.watchdog;
      emit(
        io,
        json,
        s,
        `${changed ? 'compute settings changed\n' : ''}prices: CPU-hour ${money(s.prices.cpuHour, s.prices.currency)}, GPU-hour ${money(s.prices.gpuHour, s.prices.currency)}\n` +
          `time limit: default ${humanDuration(s.timeLimit.defaultSeconds)}, maximum ${humanDuration(s.timeLimit.maxSeconds)}\nlanes: standard ${s.lanes.standard}, preemptible ${s.lanes.preemptible}\n` +
          `idle watchdog: sample every ${humanDuration(w.sampleSeconds)}, grace ${humanDuration(w.graceSeconds)}, warn after ${humanDuration(w.warnIdleSeconds)} and cancel after ${humanDuration(w.cancelIdleSeconds)} at ≤ ${w.idleUtilizationPercent} % utilisation, cancel after ${humanDuration(w.noProcessSeconds)} with no GPU process`,
      );
      return 0;
    }
    throw new UsageError(budgetHelp);
  });
}

function strip<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
