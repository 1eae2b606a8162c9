import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The one clock every stored timestamp comes from. Normally the wall clock; a simulation
 * (the demo's programme year, a backtest) runs its steps under a set clock so that what
 * they record is dated in simulated time, exactly as if it had happened then.
 *
 * The clock is scoped to an asynchronous call chain (AsyncLocalStorage), never to the
 * process: two requests served at once by one process each see their own clock.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  nowMs(): number;
}

export const WALL_CLOCK: Clock = { nowMs: () => Date.now() };

/** A clock that always reads `at` (ms or ISO time). */
export function fixedClock(at: number | string): Clock {
  const t = typeof at === 'number' ? at : Date.parse(at);
  if (!Number.isFinite(t)) throw new Error(`fixedClock: not a time: ${String(at)}`);
  return { nowMs: () => t };
}

const scoped = new AsyncLocalStorage<Clock>();

/** The clock of the current call chain (the wall clock outside any withClock). */
export function currentClock(): Clock {
  return scoped.getStore() ?? WALL_CLOCK;
}

/** Milliseconds since the epoch, from the current clock. */
export function nowMs(): number {
  return currentClock().nowMs();
}

/** Now as an ISO-8601 UTC timestamp, the one time format in the store. */
export function nowIso(): string {
  return new Date(nowMs()).toISOString();
}

/** Runs fn (and everything it awaits) under a clock: a Clock, a fixed time (ms or ISO), or a function giving ms. */
export function withClock<T>(at: Clock | number | string | (() => number), fn: () => Promise<T>): Promise<T> {
  const clock = typeof at === 'object' ? at : typeof at === 'function' ? { nowMs: at } : fixedClock(at);
  return scoped.run(clock, fn);
}
