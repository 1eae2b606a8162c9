import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import pg from 'pg';
import { usersCommand } from '../../src/cli/commands/users.js';
import { parseApiToken } from '../../src/core/api-token.js';
import { RotguardError } from '../../src/core/errors.js';
import { buildServer } from '../../src/server/app.js';
import { singleStoreProvider } from '../../src/server/store-provider.js';
import { openStore, type Store } from '../../src/store/store.js';
import { createContext } from '../../src/usecases/context.js';
import { addUser } from '../../src/usecases/identity.js';
import { forEachBackend, type StoreLocation } from '../store/backends.js';
import { call, TEAM_A, type TwoTeams, twoTeams } from './two-teams.js';
import { BIN } from '../helpers/cli.js';

/**
 * Secrets never leak: after a flow that issues, uses, misuses and revokes tokens through the
 * API with every log line captured, no token string, token secret or stored token hash
 * appears in the log, the events table (every column), any answer (error bodies included),
 * the audit report (JSON and HTML) or `users list --json`. Database credentials stay out
 * of the same places, and out of connection errors (of the store, of `rotguard serve`, of
 * a database that goes away under a running server).
 */

const dir = mkdtempSync(join(tmpdir(), 'rotguard-secrets-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The parts of a token that must never be shown again: the whole string and its secret. */
function tokenSecrets(token: string): string[] {
  return [token, parseApiToken(token)!.secret];
}

/** What of a database URL must never be printed: the URL itself and its user:password@ part, and the password when it is not a common word of this project. */
function urlSecrets(url: string): string[] {
  const u = new URL(url);
  const out = [url, `${u.username}:${u.password}@`];
  if (u.password.length >= 8 && !/rotguard/i.test(u.password)) out.push(decodeURIComponent(u.password));
  return out;
}

function assertClean(where: string, text: string, secrets: readonly string[]): void {
  const found = secrets.filter((s) => text.includes(s));
  assert.deepEqual(
    found.map((s) => `${s.slice(0, 12)}…`),
    [],
    `${where} contains a secret`,
  );
}

forEachBackend('secrets never leak', (b) => {
  let location: StoreLocation;
  let store: Store;
  let w: TwoTeams;
  const lines: string[] = [];

  before(async () => {
    location = await b.freshLocation();
    store = await openStore({ ...location, migrate: true });
    mkdirSync(join(dir, b.backend));
    w = await twoTeams(store, join(dir, b.backend), { logger: { level: 'trace', stream: { write: (l: string) => lines.push(l) } } });
  });
  after(async () => {
    await w?.app.close();
    await store?.close();
  });

  it('tokens issued, used, misused and revoked leave no token, secret or hash in logs, events, answers, audit reports or users list', async () => {
    const admin = w.tokens.get('org-admin')!;
    const answers: string[] = [];
    const ask = async (r: Parameters<typeof call>[1]) => {
      const x = await call(w.app, r);
      answers.push(x.text);
      return x;
    };
    // The two answers that carry a new token (shown once, by design) are kept out of `answers`.
    const created = await call(w.app, {
      method: 'POST',
      url: '/api/v1/admin/principals',
      token: admin,
      team: TEAM_A,
      body: { name: 'leaky', team: TEAM_A, role: 'scientist' },
    });
    assert.equal(created.status, 200, created.text);
    const t1 = (created.json as { token: string }).token;
    const second = await call(w.app, { method: 'POST', url: '/api/v1/admin/tokens', token: admin, body: { principal: 'leaky' } });
    assert.equal(second.status, 200, second.text);
    const t2 = (second.json as { token: string; tokenId: string }).token;

    assert.equal((await ask({ method: 'GET', url: '/api/v1/me', token: t1 })).status, 200);
    const predicted = await ask({
      method: 'POST',
      url: `/api/v1/models/${w.a.model}/predictions`,
      token: t1,
      body: { compounds: [{ id: 'x1', smiles: w.unseen[200]! }] },
    });
    assert.equal(predicted.status, 200, predicted.text);
    // Misuse: a token pasted into a path, a query, a body field; a wrong secret; a revoked token.
    assert.equal((await ask({ method: 'GET', url: `/api/v1/models/${t1}`, token: t1 })).status, 404);
    assert.equal((await ask({ method: 'GET', url: `/api/v1/predictions?q=${t1}`, token: t1 })).status, 200);
    await ask({ method: 'POST', url: '/api/v1/admin/tokens', token: admin, body: { principal: t1 } });
    await ask({ method: 'POST', url: '/api/v1/datasets', token: t1, body: { endpoint: t1, teams: [TEAM_A] } });
    assert.equal((await ask({ method: 'GET', url: '/api/v1/me', token: `${t1.slice(0, 20)}${'Z'.repeat(43)}` })).status, 401);
    assert.equal((await ask({ method: 'DELETE', url: `/api/v1/admin/tokens/${(second.json as { tokenId: string }).tokenId}`, token: admin })).status, 200);
    assert.equal((await ask({ method: 'GET', url: '/api/v1/me', token: t2 })).status, 401);
    assert.equal((await ask({ method: 'GET', url: '/api/v1/me', token: `${t2} ` })).status, 401);
    const auditJson = await ask({ method: 'POST', url: '/api/v1/audit', token: admin, team: TEAM_A, body: {} });
    assert.equal(auditJson.status, 200, auditJson.text.slice(0, 300));
    const auditHtml = await ask({ method: 'GET', url: '/api/v1/audit/report.html', token: admin, team: TEAM_A });
    assert.equal(auditHtml.status, 200);
    const events = await ask({ method: 'GET', url: '/api/v1/events?limit=1000', token: admin, team: TEAM_A });
    assert.equal(events.status, 200);

    const hashes = (await store.db.selectFrom('api_tokens').select('token_hash').execute()).map((r) => r.token_hash);
    assert.ok(hashes.length >= w.tokens.size + 2);
    const secrets = [...[...w.tokens.values(), t1, t2].flatMap(tokenSecrets), ...hashes, ...(location.databaseUrl ? urlSecrets(location.databaseUrl) : [])];

    assert.ok(lines.length > 50, `${lines.length} log lines captured`);
    assert.ok(
      lines.some((l) => l.includes('"authenticated"') && l.includes('leaky')),
      'the log names who acted (the principal), just not with what',
    );
    assertClean('the server log', lines.join(''), secrets);
    for (const [i, a] of answers.entries()) assertClean(`answer ${i}`, a, secrets);
    const rows = await store.db.selectFrom('events').selectAll().execute();
    assert.ok(rows.some((r) => r.kind === 'token_revoked'));
    assertClean('the events table', JSON.stringify(rows), secrets);

    const out: string[] = [];
    const saved = process.env.ROTGUARD_DATABASE_URL;
    process.env.ROTGUARD_DATABASE_URL = location.databaseUrl ?? '';
    try {
      assert.equal(await usersCommand(['list', '--json', '--workspace', location.workspace], { out: (s) => out.push(s), err: (s) => out.push(s) }), 0);
    } finally {
      if (saved === undefined) delete process.env.ROTGUARD_DATABASE_URL;
      else process.env.ROTGUARD_DATABASE_URL = saved;
    }
    const listed = out.join('');
    assert.ok(listed.includes('leaky') && listed.includes((second.json as { tokenId: string }).tokenId), 'users list names principals and token ids');
    assertClean('users list --json', listed, secrets);
  });

  it('a database password stays out of connection errors: opening the store, starting rotguard serve, and a database gone under a running server', async (t) => {
    if (b.backend === 'sqlite') return t.skip('the embedded store has no password');
    const real = new URL(location.databaseUrl!);
    // A password this project never prints otherwise, so finding it anywhere is a leak.
    const distinct = 'Zq9-Wv4.x7Kp';
    const wrong = new URL(real);
    wrong.password = distinct;
    const inQuery = new URL(real);
    inQuery.password = '';
    inQuery.searchParams.set('password', distinct);
    for (const url of [wrong.toString(), inQuery.toString()]) {
      const e = await openStore({ workspace: location.workspace, databaseUrl: url }).then(
        () => assert.fail('a wrong password must not connect'),
        (err: unknown) => err,
      );
      assert.ok(e instanceof RotguardError && e.code === 'store_unreachable', String(e));
      assertClean('the store_unreachable message', `${e.message} ${JSON.stringify(e)}`, [distinct, ...urlSecrets(url)]);
    }

    const served = await new Promise<{ code: number | null; out: string }>((done) => {
      const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--workspace', location.workspace], {
        env: { ...process.env, ROTGUARD_DATABASE_URL: wrong.toString() },
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('close', (code) => done({ code, out }));
    });
    assert.equal(served.code, 1, served.out);
    assert.match(served.out, /cannot connect to PostgreSQL/);
    assertClean('rotguard serve output', served.out, [distinct, ...urlSecrets(wrong.toString())]);

    // A server whose database disappears: 503 store_unreachable (a load balancer routes around it), without the credentials.
    const gone = await b.freshLocation();
    const goneStore = await openStore({ ...gone, migrate: true });
    const log: string[] = [];
    const token = (await addUser(createContext(goneStore, { actor: 'root' }), { name: 'sam', kind: 'user', team: 'alpha', role: 'viewer' })).token!;
    const app = await buildServer({
      stores: singleStoreProvider(goneStore),
      workspace: gone.workspace,
      logger: { level: 'trace', stream: { write: (l: string) => log.push(l) } },
    });
    try {
      assert.equal((await call(app, { method: 'GET', url: '/healthz' })).status, 200);
      const admin = new pg.Client({ connectionString: process.env.ROTGUARD_TEST_DATABASE_URL });
      await admin.connect();
      await admin.query(`drop database ${new URL(gone.databaseUrl!).pathname.slice(1)} with (force)`);
      await admin.end();
      const bodies = [await call(app, { method: 'GET', url: '/healthz' }), await call(app, { method: 'GET', url: '/api/v1/me', token })];
      for (const r of bodies) {
        assert.equal(r.status, 503, r.text);
        assert.equal((r.json as { error?: { code: string } }).error?.code, 'store_unreachable', r.text);
        assertClean('an answer of a server without its database', r.text, urlSecrets(gone.databaseUrl!));
      }
      assertClean('the log of a server without its database', log.join(''), [...urlSecrets(gone.databaseUrl!), ...tokenSecrets(token)]);
    } finally {
      await app.close();
      await goneStore.close().catch(() => undefined);
    }
  });
});
