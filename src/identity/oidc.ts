import { createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { RotguardError } from '../core/errors.js';

/**
 * OpenID Connect bearer tokens (JWTs) verified against the configured issuer's keys, read
 * from a JWKS file the operator provides (no network at run time: the server never fetches
 * keys). RS256 and ES256 only; `none` and HMAC algorithms are refused, so a token cannot
 * choose how it is checked. The principal is a claim (default `preferred_username`, else
 * `sub`); it must also be registered with the server, which holds its roles.
 */
export interface OidcConfig {
  issuer: string;
  audience: string;
  /** Path of a JSON Web Key Set ({"keys": [...]}) with the issuer's public keys. */
  jwksFile: string;
  /** Claim naming the principal (default preferred_username, falling back to sub). */
  principalClaim?: string;
  /** Clock skew allowed on exp/nbf, seconds (default 60). */
  leewaySeconds?: number;
}

interface Jwk extends JsonWebKey {
  kid?: string;
  alg?: string;
  use?: string;
}

const ALGORITHMS: Record<string, { hash: string; ec: boolean }> = {
  RS256: { hash: 'sha256', ec: false },
  ES256: { hash: 'sha256', ec: true },
};

export interface OidcVerifier {
  /** The principal name of a valid token; throws `unauthenticated` with the reason otherwise. */
  verify(token: string, nowSeconds?: number): string;
}

export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

export function oidcVerifier(config: OidcConfig): OidcVerifier {
  let keys: { kid: string | undefined; alg: string | undefined; key: KeyObject }[];
  try {
    const jwks = JSON.parse(readFileSync(config.jwksFile, 'utf8')) as { keys?: Jwk[] };
    if (!Array.isArray(jwks.keys) || !jwks.keys.length) throw new Error('no "keys" array');
    keys = jwks.keys.map((k) => ({ kid: k.kid, alg: k.alg, key: createPublicKey({ key: k, format: 'jwk' }) }));
  } catch (e) {
    throw new RotguardError('bad_json', `OpenID Connect key set ${config.jwksFile}: ${(e as Error).message}`, { file: config.jwksFile });
  }
  const leeway = config.leewaySeconds ?? 60;
  const fail = (why: string): never => {
    throw new RotguardError('unauthenticated', `OpenID Connect token refused: ${why}`);
  };
  return {
    verify(token, nowSeconds = Math.floor(Date.now() / 1000)) {
      const parts = token.split('.');
      if (parts.length !== 3) fail('not a JWT');
      const [h, p, s] = parts as [string, string, string];
      let header: { alg?: string; kid?: string };
      let claims: Record<string, unknown>;
      try {
        header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
        claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
      } catch {
        return fail('header or claims are not JSON');
      }
      const alg = ALGORITHMS[header.alg ?? ''];
      if (!alg) return fail(`algorithm ${header.alg ?? '(none)'} is not accepted (RS256, ES256)`);
      const candidates = keys.filter((k) => (header.kid === undefined || k.kid === header.kid) && (k.alg === undefined || k.alg === header.alg));
      if (!candidates.length) return fail(`no key ${header.kid ?? ''} in the configured key set`);
      const data = Buffer.from(`${h}.${p}`);
      const signature = Buffer.from(s, 'base64url');
      const ok = candidates.some((k) => verify(alg.hash, data, alg.ec ? { key: k.key, dsaEncoding: 'ieee-p1363' } : k.key, signature));
      if (!ok) return fail('bad signature');
      if (claims.iss !== config.issuer) return fail(`issuer ${String(claims.iss)} is not ${config.issuer}`);
      const aud = claims.aud;
      if (!(aud === config.audience || (Array.isArray(aud) && aud.includes(config.audience)))) return fail(`audience is not ${config.audience}`);
      if (typeof claims.exp !== 'number') return fail('no expiry');
      if (claims.exp + leeway <= nowSeconds) return fail('expired');
      if (typeof claims.nbf === 'number' && claims.nbf - leeway > nowSeconds) return fail('not valid yet');
      const claim = config.principalClaim ?? 'preferred_username';
      const name = typeof claims[claim] === 'string' ? (claims[claim] as string) : typeof claims.sub === 'string' ? claims.sub : null;
      if (!name) return fail(`no ${claim} or sub claim`);
      return name;
    },
  };
}
