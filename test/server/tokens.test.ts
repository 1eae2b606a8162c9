import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { parseApiToken } from '../../src/core/api-token.js';
import { oidcVerifier } from '../../src/identity/oidc.js';
import { issueToken } from '../../src/identity/principals.js';
import { buildServer } from '../../src/server/app.js';
import { singleStoreProvider } from '../../src/server/store-provider.js';
import type { Store } from '../../src/store/store.js';
import { createContext } from '../../src/usecases/context.js';
import { addUser } from '../../src/usecases/identity.js';
import { AUDIENCE, ISSUER, type LocalIssuer, localIssuer } from '../identity/issuer.js';
import { forEachBackend } from '../store/backends.js';
import { call, type Reply } from './two-teams.js';

/**
 * Authentication at the HTTP edge: API tokens (revoked, expired, malformed, unknown, wrong
 * secret) and OpenID Connect JWTs from a locally generated issuer. Every refusal is a 401
 * with the error body; a success is GET /api/v1/me naming the authenticated principal.
 */

const dir = mkdtempSync(join(tmpdir(), 'rotguard-server-tokens-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const issuer: LocalIssuer = localIssuer(dir);

function code(r: Reply): string | undefined {
  return (r.json as { error?: { code: string } } | null)?.error?.code;
}

forEachBackend('authentication through the API', (b) => {
  let store: Store;
  let app: FastifyInstance;
  let admin: string;
  let scientist: { token: string; tokenId: string };

  before(async () => {
    store = await b.openFresh();
    const root = createContext(store, { actor: 'root' });
    admin = (await addUser(root, { name: 'org-admin', kind: 'user', team: '*', role: 'admin' })).token!;
    const s = await addUser(root, { name: 'sam', kind: 'user', team: 'alpha', role: 'scientist' });
    scientist = { token: s.token!, tokenId: s.tokenId! };
    await addUser(root, { name: 'olga', kind: 'oidc', team: 'alpha', role: 'viewer' });
    app = await buildServer({
      stores: singleStoreProvider(store),
      workspace: dir,
      oidc: oidcVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksFile: issuer.jwksFile }),
    });
  });
  after(() => app?.close());

  const me = (token: string | null, header?: string) =>
    app
      .inject({
        method: 'GET',
        url: '/api/v1/me',
        headers: header !== undefined ? { authorization: header } : token ? { authorization: `Bearer ${token}` } : {},
      })
      .then((res) => ({ status: res.statusCode, text: res.body, json: JSON.parse(res.body) as unknown }));

  it('a valid token reaches the route as its principal; none at all is 401 unauthenticated', async () => {
    const ok = await me(scientist.token);
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.json, {
      principal: 'sam',
      kind: 'user',
      roles: [{ team: 'alpha', role: 'scientist' }],
      actingTeam: 'alpha',
      visibleTeams: ['alpha'],
    });
    const none = await me(null);
    assert.equal(none.status, 401);
    assert.equal(code(none), 'unauthenticated');
  });

  it('a token revoked through the admin API is 401 token_revoked from the next request on', async () => {
    const t = await issueToken(store, { principal: 'sam', actor: 'root', expiresAt: null });
    assert.equal((await me(t.token)).status, 200);
    const revoke = await call(app, { method: 'DELETE', url: `/api/v1/admin/tokens/${t.id}`, token: admin });
    assert.equal(revoke.status, 200, revoke.text);
    const after = await me(t.token);
    assert.equal(after.status, 401);
    assert.equal(code(after), 'token_revoked');
    assert.equal((await me(scientist.token)).status, 200, "the principal's other tokens still work");
  });

  it('an expired token is 401 token_expired', async () => {
    const t = await issueToken(store, { principal: 'sam', actor: 'root', expiresAt: new Date(Date.now() - 1000).toISOString() });
    const r = await me(t.token);
    assert.equal(r.status, 401);
    assert.equal(code(r), 'token_expired');
  });

  it('an unknown token id and a wrong secret get the same 401 body; malformed headers and tokens are 401 too', async () => {
    const secret = parseApiToken(scientist.token)!.secret;
    const wrongSecret = await me(`rg_${scientist.tokenId}_${'B'.repeat(43)}`);
    const unknownId = await me(`rg_${'1'.repeat(16)}_${secret}`);
    assert.equal(wrongSecret.status, 401);
    assert.equal(wrongSecret.text, unknownId.text);
    assert.ok(!wrongSecret.text.includes(secret));
    for (const header of ['', 'Basic c2FtOnB3', `Bearer`, `Bearer rg_nonsense`, `Bearer ${scientist.token} extra`, `Token ${scientist.token}`]) {
      const r = await me(null, header);
      assert.equal(r.status, 401, `${JSON.stringify(header)}: ${r.text}`);
      assert.equal(code(r), 'unauthenticated');
      assert.ok(!r.text.includes(secret), 'a refusal never repeats the secret');
    }
  });

  it('an OpenID Connect token (RS256 or ES256) of a registered oidc principal is 200 as that principal', async () => {
    for (const alg of ['RS256', 'ES256'] as const) {
      const r = await me(issuer.sign(issuer.claims('olga'), { alg }));
      assert.equal(r.status, 200, r.text);
      assert.equal((r.json as { principal: string }).principal, 'olga');
      assert.equal((r.json as { kind: string }).kind, 'oidc');
    }
  });

  it('OpenID Connect tokens with the wrong issuer or audience, expired, badly signed, alg none or HS256, or of an unregistered subject are 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const good = issuer.claims('olga', now);
    const [h, , s] = issuer.sign(good).split('.');
    const cases: Record<string, string> = {
      'wrong issuer': issuer.sign({ ...good, iss: 'https://elsewhere.example.test' }),
      'wrong audience': issuer.sign({ ...good, aud: 'another-app' }),
      expired: issuer.sign(issuer.claims('olga', now - 7200)),
      'bad signature': `${h}.${Buffer.from(JSON.stringify({ ...good, preferred_username: 'org-admin' })).toString('base64url')}.${s}`,
      'alg none': issuer.unsigned(good),
      HS256: issuer.hs256WithPublicKey(good),
      'unregistered subject': issuer.sign(issuer.claims('mallory', now)),
    };
    for (const [what, token] of Object.entries(cases)) {
      const r = await me(token);
      assert.equal(r.status, 401, `${what}: ${r.text}`);
      assert.equal(code(r), 'unauthenticated', what);
    }
  });

  it('a JWT is not accepted by a server without OpenID Connect configured', async () => {
    const plain = await buildServer({ stores: singleStoreProvider(store), workspace: dir });
    try {
      const r = await plain.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${issuer.sign(issuer.claims('olga'))}` } });
      assert.equal(r.statusCode, 401);
    } finally {
      await plain.close();
    }
  });
});
