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

/** Now as an ISO-8601 UTC timestamp, the one time format in the store. */
export function nowIso(): string {
  return new Date().toISOString();
}
