import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A local OpenID Connect issuer for tests: an RSA and an EC P-256 key pair made here
 * (node:crypto), their public keys in a JWKS file, and a signer for JWTs with any header
 * and claims, including the forgeries a verifier must refuse (alg none, HS256 keyed with
 * the public key, a signature by a key not in the set). No network.
 */
export const ISSUER = 'https://login.example.test/realms/discovery';
export const AUDIENCE = 'rotguard';

export interface LocalIssuer {
  jwksFile: string;
  /** A signed JWT: RS256 or ES256 with the issuer's keys, or with `key` (a stranger's). */
  sign(claims: Record<string, unknown>, o?: { alg?: 'RS256' | 'ES256'; kid?: string; key?: KeyObject }): string;
  /** A token with header alg none and no signature. */
  unsigned(claims: Record<string, unknown>): string;
  /** A token signed with HMAC-SHA256 keyed by the RSA public key's PEM (the algorithm-confusion attack). */
  hs256WithPublicKey(claims: Record<string, unknown>): string;
  /** Claims that pass: this issuer, this audience, valid for an hour from `now`. */
  claims(subject: string, now?: number): Record<string, unknown>;
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

export function localIssuer(dir: string): LocalIssuer {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwksFile = join(dir, 'jwks.json');
  writeFileSync(
    jwksFile,
    JSON.stringify({
      keys: [
        { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
        { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1', alg: 'ES256', use: 'sig' },
      ],
    }),
  );
  return {
    jwksFile,
    sign(claims, o = {}) {
      const alg = o.alg ?? 'RS256';
      const head = `${b64({ alg, typ: 'JWT', kid: o.kid ?? (alg === 'RS256' ? 'rsa-1' : 'ec-1') })}.${b64(claims)}`;
      const key = o.key ?? (alg === 'RS256' ? rsa.privateKey : ec.privateKey);
      const signature = alg === 'RS256' ? sign('sha256', Buffer.from(head), key) : sign('sha256', Buffer.from(head), { key, dsaEncoding: 'ieee-p1363' });
      return `${head}.${signature.toString('base64url')}`;
    },
    unsigned(claims) {
      return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    },
    hs256WithPublicKey(claims) {
      const head = `${b64({ alg: 'HS256', typ: 'JWT', kid: 'rsa-1' })}.${b64(claims)}`;
      const pem = rsa.publicKey.export({ format: 'pem', type: 'spki' });
      return `${head}.${createHmac('sha256', pem).update(head).digest('base64url')}`;
    },
    claims(subject, now = Math.floor(Date.now() / 1000)) {
      return { iss: ISSUER, aud: AUDIENCE, sub: `sub-${subject}`, preferred_username: subject, iat: now, exp: now + 3600 };
    },
  };
}
