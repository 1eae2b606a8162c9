/**
 * The one clock every stored timestamp comes from. Normally the wall clock; a simulation
 * (the demo's programme year) sets it so that what it records is dated in simulated time,
 * exactly as if the year had happened: monitoring windows, label delays and the audit's
 * "recent" checks then read consistent dates.
 */
let source: () => number = () => Date.now();

/** Milliseconds since the epoch, from the current clock. */
export function nowMs(): number {
  return source();
}

/** Now as an ISO-8601 UTC timestamp, the one time format in the store. */
export function nowIso(): string {
  return new Date(source()).toISOString();
}

/** Runs with the clock set to `at` (ms or ISO), restoring the previous clock afterwards. */
export async function withClock<T>(at: number | string | (() => number), fn: () => Promise<T>): Promise<T> {
  const previous = source;
  source = typeof at === 'function' ? at : (() => { const t = typeof at === 'number' ? at : Date.parse(at); return () => t; })();
  try {
    return await fn();
  } finally {
    source = previous;
  }
}

/** Sets the clock for the rest of the process (null: back to the wall clock). */
export function setClock(at: (() => number) | null): void {
  source = at ?? (() => Date.now());
}
