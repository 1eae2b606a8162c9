import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { it } from 'node:test';
import { maskTokens, parseApiToken } from '../../src/core/api-token.js';
import { RotguardError } from '../../src/core/errors.js';
import { addPrincipal, authenticateToken, grantRole, issueToken, revokeToken } from '../../src/identity/principals.js';
import type { Store } from '../../src/store/store.js';
import { forEachBackend } from '../store/backends.js';

/** API tokens in the store: only a hash is kept, and each way a token stops working has its own answer. */

async function userWithToken(store: Store, name: string, expiresAt: string | null = null) {
  await addPrincipal(store, { name, kind: 'user', actor: 'root' });
  await grantRole(store, { principal: name, team: 'alpha', role: 'scientist', actor: 'root' });
  return issueToken(store, { principal: name, actor: 'root', expiresAt });
}

function rejectsWith(p: Promise<unknown>, code: string): Promise<RotguardError> {
  return p.then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => {
      assert.ok(e instanceof RotguardError, String(e));
      assert.equal(e.code, code, e.message);
      return e;
    },
  );
}

forEachBackend('API tokens', (b) => {
  it('stores only the sha256 of the secret: no column holds the token or its secret', async () => {
    const store = await b.openFresh();
    const t = await userWithToken(store, 'ana');
    const parsed = parseApiToken(t.token)!;
    assert.equal(parsed.id, t.id);
    const rows = await store.db.selectFrom('api_tokens').selectAll().execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.token_hash, createHash('sha256').update(parsed.secret).digest('hex'));
    assert.notEqual(rows[0]!.token_hash, t.token);
    const stored = JSON.stringify(rows);
    assert.ok(!stored.includes(parsed.secret) && !stored.includes(t.token), 'neither the token nor its secret is stored');
    const events = JSON.stringify(await store.db.selectFrom('events').selectAll().execute());
    assert.ok(!events.includes(parsed.secret) && !events.includes(rows[0]!.token_hash), 'the token_issued event names the token id only');
    assert.ok(events.includes(t.id));
    assert.equal(maskTokens(`Bearer ${t.token}`).includes(parsed.secret), false);
  });

  it('authenticates a valid token with the principal and its grants', async () => {
    const store = await b.openFresh();
    const t = await userWithToken(store, 'ana', '2099-01-01T00:00:00.000Z');
    const id = await authenticateToken(store, t.token);
    assert.deepEqual(id, { principal: 'ana', kind: 'user', grants: [{ team: 'alpha', role: 'scientist' }], tokenId: t.id });
  });

  it('refuses a revoked token (token_revoked) and an expired one (token_expired), each saying when', async () => {
    const store = await b.openFresh();
    const revoked = await userWithToken(store, 'ana');
    await authenticateToken(store, revoked.token);
    await revokeToken(store, { id: revoked.id, actor: 'root' });
    const e1 = await rejectsWith(authenticateToken(store, revoked.token), 'token_revoked');
    assert.match(e1.message, /revoked at \d{4}-/);
    const expiring = await userWithToken(store, 'ben', '2030-01-01T00:00:00.000Z');
    await authenticateToken(store, expiring.token, '2029-12-31T23:59:59.000Z');
    const e2 = await rejectsWith(authenticateToken(store, expiring.token, '2030-01-01T00:00:00.000Z'), 'token_expired');
    assert.match(e2.message, /expired at 2030-01-01/);
    for (const e of [e1, e2])
      assert.ok(!e.message.includes(parseApiToken(revoked.token)!.secret) && !e.message.includes(parseApiToken(expiring.token)!.secret));
  });

  it('answers an unknown id and a wrong secret word for word alike, and a malformed token as not a token', async () => {
    const store = await b.openFresh();
    const t = await userWithToken(store, 'ana');
    const secret = parseApiToken(t.token)!.secret;
    const wrongSecret = `rg_${t.id}_${'A'.repeat(43)}`;
    const unknownId = `rg_${'0'.repeat(16)}_${secret}`;
    const a = await rejectsWith(authenticateToken(store, wrongSecret), 'unauthenticated');
    const u = await rejectsWith(authenticateToken(store, unknownId), 'unauthenticated');
    assert.equal(a.message, u.message);
    for (const malformed of ['rg_short', `rg_${t.id}`, `${t.token}x`, 'Bearer', '']) {
      const m = await rejectsWith(authenticateToken(store, malformed), 'unauthenticated');
      assert.match(m.message, /not a rotguard API token/);
    }
  });

  it('refuses the token of a disabled principal', async () => {
    const store = await b.openFresh();
    const t = await userWithToken(store, 'ana');
    await store.db.updateTable('principals').set({ disabled_at: '2025-01-01T00:00:00.000Z' }).where('name', '=', 'ana').execute();
    await rejectsWith(authenticateToken(store, t.token), 'unauthenticated');
  });
});
