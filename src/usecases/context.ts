import { userInfo } from 'node:os';
import { WALL_CLOCK, withClock, type Clock } from '../core/clock.js';
import { withActingTeam } from '../core/acting-team.js';
import type { Store } from '../store/store.js';

/**
 * What every use case runs with, passed in, never read from globals: the store, who acts,
 * for which team, and the clock that dates what is recorded. The CLI builds one per
 * command (the OS user or ROTGUARD_USER in a local, single-user workspace); a server
 * builds one per request from the authenticated identity.
 */
export interface Context {
  store: Store;
  /** The acting identity, recorded on every write. */
  actor: string;
  /** The acting team, when the front end knows it (a server does; the local CLI may not). */
  team: string | null;
  /** Dates every record written by the use case: the wall clock, or a simulation's time. */
  clock: Clock;
  /** The workspace folder (quarantine reports, default report folder); null when there is none (e.g. a server on PostgreSQL). */
  workspace: string | null;
}

export function createContext(store: Store, o: { actor: string; team?: string | null; clock?: Clock; workspace?: string | null }): Context {
  if (!o.actor.trim()) throw new Error('createContext: an actor is required');
  return { store, actor: o.actor, team: o.team ?? null, clock: o.clock ?? WALL_CLOCK, workspace: o.workspace ?? null };
}

/** The same context acting as someone else (a second approver) or at another time. */
export function withActor(ctx: Context, actor: string): Context {
  return { ...ctx, actor };
}

export function atTime(ctx: Context, clock: Clock): Context {
  return { ...ctx, clock };
}

/** Runs a use case's body under the context's clock and acting team (both scoped to this call chain only). */
export function inContext<T>(ctx: Context, fn: () => Promise<T>): Promise<T> {
  return withClock(ctx.clock, () => withActingTeam(ctx.team, fn));
}

/**
 * The acting user of a local, single-user workspace: ROTGUARD_USER, else the OS user.
 * Only front ends call this (the CLI); use cases read ctx.actor.
 */
export function localActor(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.ROTGUARD_USER?.trim();
  if (fromEnv) return fromEnv;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
