import { userInfo } from 'node:os';

/** Who is acting: ROTGUARD_USER, else the OS user. Recorded on every write. */
export function currentActor(): string {
  const fromEnv = process.env.ROTGUARD_USER?.trim();
  if (fromEnv) return fromEnv;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** Re-exported: timestamps come from the one clock (see clock.ts). */
export { nowIso } from './clock.js';
