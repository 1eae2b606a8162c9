import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The team a call chain acts for, scoped like the clock (AsyncLocalStorage, never the
 * process): two requests served at once by one process each see their own team. The
 * use-case layer sets it from `ctx.team` (`inContext`); the store reads it to stamp the
 * rows and events it writes with their team when the caller did not name one.
 */
const scoped = new AsyncLocalStorage<string | null>();

/** The acting team of the current call chain, or null outside any withActingTeam (a local, single-lab workspace). */
export function actingTeam(): string | null {
  return scoped.getStore() ?? null;
}

/** Runs fn (and everything it awaits) acting for `team` (null: no team in scope). */
export function withActingTeam<T>(team: string | null, fn: () => Promise<T>): Promise<T> {
  return scoped.run(team, fn);
}
