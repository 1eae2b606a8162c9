import { nowIso } from '../core/clock.js';
import { RotguardError } from '../core/errors.js';
import { canonicalJson } from '../core/hash.js';
import { appendEvent } from '../store/event-log.js';
import type { Store } from '../store/store.js';
import type { Prices } from './cost.js';
import type { WatchdogThresholds } from './watchdog.js';

/**
 * A workspace's compute settings: prices per resource class, the time-limit default and
 * maximum (a time limit is mandatory: reservations and the scheduler need one), the two
 * lanes (Slurm partitions), and the idle watchdog's thresholds. Stored in the store, so a
 * job running on a node reads the same settings as the shell that submitted it.
 */
export interface ComputeSettings {
  prices: Prices;
  timeLimit: { defaultSeconds: number; maxSeconds: number };
  lanes: { standard: string; preemptible: string };
  watchdog: WatchdogThresholds;
}

export const DEFAULT_SETTINGS: ComputeSettings = {
  // Order-of-magnitude cloud list prices (2025): a vCPU-hour ≈ 0.05, an H100-class GPU-hour ≈ 2.5.
  prices: { cpuHour: 0.05, gpuHour: 2.5, currency: 'USD' },
  timeLimit: { defaultSeconds: 2 * 3600, maxSeconds: 48 * 3600 },
  lanes: { standard: 'main', preemptible: 'preemptible' },
  watchdog: {
    sampleSeconds: 30,
    graceSeconds: 20 * 60,
    warnIdleSeconds: 30 * 60,
    cancelIdleSeconds: 60 * 60,
    noProcessSeconds: 10 * 60,
    idleUtilizationPercent: 5,
  },
};

const KEY = 'settings';

export async function readComputeSettings(store: Store): Promise<ComputeSettings> {
  const row = await store.db.selectFrom('compute_settings').select('value').where('key', '=', KEY).executeTakeFirst();
  if (!row) return DEFAULT_SETTINGS;
  const stored = JSON.parse(row.value) as Partial<ComputeSettings>;
  return {
    prices: { ...DEFAULT_SETTINGS.prices, ...stored.prices },
    timeLimit: { ...DEFAULT_SETTINGS.timeLimit, ...stored.timeLimit },
    lanes: { ...DEFAULT_SETTINGS.lanes, ...stored.lanes },
    watchdog: { ...DEFAULT_SETTINGS.watchdog, ...stored.watchdog },
  };
}

export interface SettingsPatch {
  prices?: Partial<Prices>;
  timeLimit?: Partial<ComputeSettings['timeLimit']>;
  lanes?: Partial<ComputeSettings['lanes']>;
  watchdog?: Partial<WatchdogThresholds>;
}

/** Changes some settings (checked), records who and when as a `compute_settings_set` event. */
export async function updateComputeSettings(store: Store, patch: SettingsPatch, actor: string): Promise<ComputeSettings> {
  const current = await readComputeSettings(store);
  const next: ComputeSettings = {
    prices: { ...current.prices, ...patch.prices },
    timeLimit: { ...current.timeLimit, ...patch.timeLimit },
    lanes: { ...current.lanes, ...patch.lanes },
    watchdog: { ...current.watchdog, ...patch.watchdog },
  };
  checkSettings(next);
  const value = canonicalJson(next);
  await store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('compute_settings').where('key', '=', KEY).execute();
    await trx.insertInto('compute_settings').values({ key: KEY, value, updated_at: nowIso(), updated_by: actor }).execute();
    await appendEvent(trx, {
      kind: 'compute_settings_set',
      team: null, // organisation-wide settings
      subject: 'compute:settings',
      actor,
      reason: 'compute settings changed',
      payload: { before: current, after: next },
    });
  });
  return next;
}

function checkSettings(s: ComputeSettings): void {
  const bad = (field: string, message: string): never => {
    throw new RotguardError('bad_compute_settings', message, { field });
  };
  if (!(s.prices.cpuHour >= 0)) bad('prices.cpuHour', 'the CPU-hour price must be a number ≥ 0');
  if (!(s.prices.gpuHour >= 0)) bad('prices.gpuHour', 'the GPU-hour price must be a number ≥ 0');
  if (!(s.timeLimit.defaultSeconds > 0)) bad('timeLimit.defaultSeconds', 'the default time limit must be positive');
  if (!(s.timeLimit.maxSeconds >= s.timeLimit.defaultSeconds)) bad('timeLimit.maxSeconds', 'the maximum time limit must be at least the default');
  const w = s.watchdog;
  if (!(w.sampleSeconds > 0)) bad('watchdog.sampleSeconds', 'the sampling interval must be positive');
  if (!(w.warnIdleSeconds <= w.cancelIdleSeconds)) bad('watchdog.warnIdleSeconds', 'the watchdog must warn before it cancels (warn ≤ cancel)');
  if (!(w.idleUtilizationPercent >= 0 && w.idleUtilizationPercent <= 100)) bad('watchdog.idleUtilizationPercent', 'the idle threshold is a percentage (0–100)');
}
