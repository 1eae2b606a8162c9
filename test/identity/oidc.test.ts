import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RotguardError } from '../../src/core/errors.js';
import { oidcVerifier } from '../../src/identity/oidc.js';
import { AUDIENCE, ISSUER, localIssuer } from './issuer.js';

/** OpenID Connect bearer tokens, checked against a locally generated key set: what passes and every way to fail. */

const dir = mkdtempSync(join(tmpdir(), 'rotguard-oidc-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const issuer = localIssuer(dir);
const verifier = oidcVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksFile: issuer.jwksFile });
const NOW = 1_800_000_000;

function refused(token: string, why: RegExp, now = NOW): void {
  assert.throws(
    () => verifier.verify(token, now),
    (e: unknown) => e instanceof RotguardError && e.code === 'unauthenticated' && why.test(e.message),
  );
}

describe('OpenID Connect verification', () => {
  it('accepts RS256 and ES256 tokens signed by the configured keys and names the principal by preferred_username, else sub', () => {
    assert.equal(verifier.verify(issuer.sign(issuer.claims('olga', NOW), { alg: 'RS256' }), NOW), 'olga');
    assert.equal(verifier.verify(issuer.sign(issuer.claims('olga', NOW), { alg: 'ES256' }), NOW), 'olga');
    const { preferred_username: _p, ...noName } = issuer.claims('olga', NOW);
    assert.equal(verifier.verify(issuer.sign(noName), NOW), 'sub-olga');
    assert.equal(verifier.verify(issuer.sign({ ...issuer.claims('olga', NOW), aud: ['other', AUDIENCE] }), NOW), 'olga', 'an audience list that includes ours');
  });

  it('refuses another issuer, another audience, an expired token, a token not valid yet, and one without expiry', () => {
    refused(issuer.sign({ ...issuer.claims('olga', NOW), iss: 'https://evil.example.test' }), /issuer/);
    refused(issuer.sign({ ...issuer.claims('olga', NOW), aud: 'another-app' }), /audience/);
    refused(issuer.sign(issuer.claims('olga', NOW - 3600 - 61)), /expired/);
    refused(issuer.sign({ ...issuer.claims('olga', NOW), nbf: NOW + 600 }), /not valid yet/);
    const { exp: _e, ...noExpiry } = issuer.claims('olga', NOW);
    refused(issuer.sign(noExpiry), /no expiry/);
    // Within the leeway (60 s) an expiry just past still passes: clocks drift.
    assert.equal(verifier.verify(issuer.sign(issuer.claims('olga', NOW - 3600 - 30)), NOW), 'olga');
  });

  it('refuses forgeries: a stranger key, a tampered payload, alg none, HS256 keyed with the public key, an unknown key id', () => {
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    refused(issuer.sign(issuer.claims('olga', NOW), { key: stranger }), /bad signature/);
    const [h, , s] = issuer.sign(issuer.claims('olga', NOW)).split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify(issuer.claims('root', NOW))).toString('base64url')}.${s}`;
    refused(tampered, /bad signature/);
    refused(issuer.unsigned(issuer.claims('olga', NOW)), /algorithm none/);
    refused(issuer.hs256WithPublicKey(issuer.claims('olga', NOW)), /algorithm HS256/);
    refused(issuer.sign(issuer.claims('olga', NOW), { kid: 'rotated-away' }), /no key/);
    refused('not.a-jwt', /not a JWT|not JSON/);
  });

  it('refuses to start on a key set that is not one, saying which file', () => {
    const bad = join(dir, 'bad-jwks.json');
    writeFileSync(bad, '{"keys": []}');
    assert.throws(
      () => oidcVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksFile: bad }),
      (e: unknown) => e instanceof RotguardError && e.code === 'bad_json' && e.location.file === bad,
    );
  });
});
