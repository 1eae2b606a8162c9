import { UsageError } from '../core/errors.js';

/** Where a command writes: stdout for results (and --json), stderr for people. */
export interface CommandIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

export function integerOption(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got "${raw}"`);
  return n;
}
