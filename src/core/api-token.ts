import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API tokens: `rg_<id>_<secret>`. The id is public (it names the token in lists, logs and
 * revocations); the secret is 32 random bytes, shown once and stored only as its sha256.
 * A database dump therefore holds no usable token.
 */
export interface IssuedToken {
  id: string;
  secret: string;
  token: string;
}

const TOKEN_RE = /^rg_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export function newApiToken(): IssuedToken {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, token: `rg_${id}_${secret}` };
}

/** The id and secret of a token string, or null when it is not one of ours. */
export function parseApiToken(token: string): { id: string; secret: string } | null {
  const m = TOKEN_RE.exec(token.trim());
  return m ? { id: m[1]!, secret: m[2]! } : null;
}

export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashTokenSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A token-looking string anywhere in a text, masked (for logs and error messages). */
export function maskTokens(text: string): string {
  return text.replace(/rg_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/g, (t) => `${t.slice(0, 19)}_…`);
}
