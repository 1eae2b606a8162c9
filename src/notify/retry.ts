/**
 * When to try a failed delivery again: exponential backoff from `baseMs`, doubling per
 * attempt, capped at `maxDelayMs`; after `maxAttempts` the event becomes a dead letter
 * (recorded, the webhook moves on). The defaults retry for about 3.5 hours (1 s … 512 s,
 * then every 10 minutes), long enough for a receiver's restart or a short outage. No
 * jitter: one dispatcher per store, so there is no herd to spread.
 */
export interface RetryPolicy {
  baseMs: number;
  maxDelayMs: number;
  maxAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 1000, maxDelayMs: 10 * 60_000, maxAttempts: 30 };

/** The wait after the `attempts`-th failed attempt (1, 2, …). */
export function retryDelayMs(attempts: number, policy: RetryPolicy): number {
  return Math.min(policy.maxDelayMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
}
