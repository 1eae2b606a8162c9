import { RotguardError } from '../../core/errors.js';

/**
 * Client mode: with ROTGUARD_URL and ROTGUARD_TOKEN set, the CLI calls a rotguard server
 * instead of opening a workspace. ROTGUARD_TEAM (optional) picks the acting team for an
 * identity with roles in several teams (sent as X-Rotguard-Team).
 */
export interface RemoteConfig {
  /** The server's base URL, without a trailing slash (e.g. https://rotguard.example.org). */
  url: string;
  token: string;
  team: string | null;
  /** Per-request limits in milliseconds: reads are quick; builds, ingests and audits may take long. */
  readTimeoutMs: number;
  writeTimeoutMs: number;
}

/** Whether the environment asks for client mode. */
export function isClientMode(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.ROTGUARD_URL?.trim());
}

export function remoteConfig(env: NodeJS.ProcessEnv): RemoteConfig {
  const raw = env.ROTGUARD_URL?.trim() ?? '';
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new RotguardError('bad_server_url', `ROTGUARD_URL must be the server's http(s) address, e.g. http://127.0.0.1:8080; got "${raw}"`, {
      field: 'ROTGUARD_URL',
    });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new RotguardError('bad_server_url', `ROTGUARD_URL must start with http:// or https://, got "${parsed.protocol}"`, { field: 'ROTGUARD_URL' });
  }
  if (parsed.username || parsed.password) {
    // A token in the URL would end up in shell history and proxy logs: it belongs in ROTGUARD_TOKEN.
    throw new RotguardError('bad_server_url', 'ROTGUARD_URL must not carry credentials; put the API token in ROTGUARD_TOKEN', { field: 'ROTGUARD_URL' });
  }
  const token = env.ROTGUARD_TOKEN?.trim() ?? '';
  if (!token) {
    throw new RotguardError(
      'unauthenticated',
      `ROTGUARD_URL is set (${parsed.origin}) but ROTGUARD_TOKEN is not: set it to your API token (rg_…, printed once by "rotguard users add" or "rotguard tokens new" on the server), or unset ROTGUARD_URL to use a local workspace`,
      { field: 'ROTGUARD_TOKEN' },
    );
  }
  // An HTTP header takes printable ASCII only; a token pasted with a stray character would fail obscurely in fetch.
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new RotguardError('unauthenticated', 'ROTGUARD_TOKEN holds characters a token never has (spaces, non-ASCII): copy the token (rg_…) again', {
      field: 'ROTGUARD_TOKEN',
    });
  }
  const seconds = (name: string, fallback: number) => {
    const v = env[name]?.trim();
    if (!v) return fallback * 1000;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new RotguardError('usage', `${name} must be a positive number of seconds, got "${v}"`);
    return n * 1000;
  };
  const timeout = env.ROTGUARD_TIMEOUT?.trim() ? seconds('ROTGUARD_TIMEOUT', 0) : null;
  return {
    url: parsed.href.replace(/\/+$/, ''),
    token,
    team: env.ROTGUARD_TEAM?.trim() || null,
    readTimeoutMs: timeout ?? 60_000,
    writeTimeoutMs: timeout ?? 3_600_000,
  };
}
