import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { main } from '../../src/cli/main.js';
import { d } from '../../src/core/decode.js';
import { RotguardError } from '../../src/core/errors.js';
import { ServerInternalError } from '../../src/cli/remote/api-errors.js';
import { remoteConfig } from '../../src/cli/remote/config.js';
import { predictRemote } from '../../src/cli/remote/remote-predict.js';
import { ApiClient } from '../../src/cli/remote/http-client.js';

const TOKEN = `rg_0123456789abcdef_${'s'.repeat(43)}`;

/**
 * The client-mode HTTP client against a scripted server: which requests are retried, how
 * the API's errors come back, and that the token travels only in its header.
 */
describe('remote client', () => {
  let server: Server;
  let url: string;
  let script: Array<(req: IncomingMessage, res: ServerResponse) => void>;
  let seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }>;

  const reply = (status: number, body: unknown) => (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        const next = script.shift() ?? reply(500, { error: { code: 'internal', message: 'unscripted request' } });
        next(req, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    script = [];
    seen = [];
  });

  const client = (env: NodeJS.ProcessEnv = {}) => new ApiClient(remoteConfig({ ROTGUARD_URL: url, ROTGUARD_TOKEN: TOKEN, ...env }), { retryDelayMs: 1 });
  const rejection = async (p: Promise<unknown>): Promise<unknown> =>
    p.then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    );

  it('sends the token as a bearer header and the acting team, and decodes the answer', async () => {
    script.push(reply(200, [{ name: 'solubility' }]));
    const list = await client({ ROTGUARD_TEAM: 'chem-a' }).get('/api/v1/endpoints', d.array(d.object({ name: d.string })), {
      endpoint: 'x y',
      none: undefined,
    });
    assert.deepEqual(list, [{ name: 'solubility' }]);
    assert.equal(seen[0]!.url, '/api/v1/endpoints?endpoint=x+y');
    assert.equal(seen[0]!.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(seen[0]!.headers['x-rotguard-team'], 'chem-a');
  });

  it('retries a GET on 503 and answers with the third attempt', async () => {
    script.push(reply(503, { error: { code: 'store_unreachable', message: 'down' } }), reply(502, 'bad gateway'), reply(200, { ok: true }));
    assert.deepEqual(await client().get('/api/v1/x', d.object({ ok: d.boolean })), { ok: true });
    assert.equal(seen.length, 3);
  });

  it('never repeats a POST: the first failure is the answer', async () => {
    script.push(reply(503, { error: { code: 'store_unreachable', message: 'the database is down' } }), reply(200, { ok: true }));
    const e = await rejection(client().post('/api/v1/endpoints', { name: 'x' }, d.unknown));
    assert.ok(e instanceof RotguardError && e.code === 'store_unreachable');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.body, '{"name":"x"}');
  });

  it("turns the API's error body into the same RotguardError (code, category's exit code, field)", async () => {
    script.push(reply(422, { error: { code: 'bad_recipe', message: 'split.test must be a share', field: 'split.test' } }));
    const e = await rejection(client().post('/api/v1/builds', {}, d.unknown));
    assert.ok(e instanceof RotguardError);
    assert.deepEqual([e.code, e.exitCode, e.location.field, e.message], ['bad_recipe', 1, 'split.test', 'split.test must be a share']);
  });

  it('says what to do on 401 and 403, and never prints the token', async () => {
    script.push(reply(401, { error: { code: 'token_revoked', message: `token ${TOKEN} was revoked` } }));
    const e401 = await rejection(client().get('/api/v1/me', d.unknown));
    assert.ok(e401 instanceof RotguardError && e401.code === 'token_revoked');
    assert.match(e401.message, /Check ROTGUARD_TOKEN/);
    assert.ok(!e401.message.includes('s'.repeat(43)), 'the secret is masked');
    script.push(reply(403, { error: { code: 'forbidden', message: 'ana has no role allowing promote in team a' } }));
    const e403 = await rejection(client().post('/api/v1/models/m/promotions', {}, d.unknown));
    assert.ok(e403 instanceof RotguardError && e403.code === 'forbidden');
    assert.match(e403.message, /rotguard users grant NAME --team TEAM --role ROLE/);
  });

  it('classifies a code this client does not know by its status, keeping the code in the message', async () => {
    script.push(reply(403, { error: { code: 'four_eyes', message: 'a second person must approve' } }));
    const e = await rejection(client().post('/api/v1/x', {}, d.unknown));
    assert.ok(e instanceof RotguardError && e.code === 'forbidden');
    assert.match(e.message, /a second person must approve \[four_eyes\]/);
  });

  it('an answer of another shape or not JSON is bad_server_response', async () => {
    script.push(reply(200, { name: 3 }));
    const e = await rejection(client().get('/api/v1/x', d.object({ name: d.string })));
    assert.ok(e instanceof RotguardError && e.code === 'bad_server_response');
    assert.match(e.message, /name: expected a string/);
    script.push(reply(200, '<html>proxy</html>'));
    const e2 = await rejection(client().post('/api/v1/x', {}, d.unknown));
    assert.ok(e2 instanceof RotguardError && e2.code === 'bad_server_response');
  });

  it('a server that does not answer in time is server_unreachable, naming ROTGUARD_TIMEOUT', async () => {
    script.push((_req, res) => setTimeout(() => reply(200, {})(_req, res), 300));
    const e = await rejection(client({ ROTGUARD_TIMEOUT: '0.05' }).post('/api/v1/x', {}, d.unknown));
    assert.ok(e instanceof RotguardError && e.code === 'server_unreachable');
    assert.match(e.message, /ROTGUARD_TIMEOUT/);
    assert.match(e.message, /may or may not have applied it/);
  });

  it("a 500 is the server's bug, not the user's: ServerInternalError (exit 2), never retried as a write", async () => {
    script.push(reply(500, { error: { code: 'internal', message: 'internal error; the server log has it under request req-3' } }));
    const e = await rejection(client().post('/api/v1/x', {}, d.unknown));
    assert.ok(e instanceof ServerInternalError);
    assert.match((e as Error).message, /req-3/);
    assert.equal(seen.length, 1);
  });

  it('the CLI exits 2 on a server-side internal error, 1 on a user error, with --json errors as locally', async () => {
    const env = { ROTGUARD_URL: url, ROTGUARD_TOKEN: TOKEN };
    let out = '';
    let err = '';
    const io = { out: (t: string) => void (out += t), err: (t: string) => void (err += t), env };
    script.push(reply(500, { error: { code: 'internal', message: 'internal error; the server log has it under request req-7' } }));
    assert.equal(await main(['endpoints', 'list'], io), 2);
    assert.match(err, /internal error: .*request req-7/);
    assert.ok(!(out + err).includes(TOKEN));
    out = '';
    script.push(reply(404, { error: { code: 'unknown_model', message: 'no model named nope; see GET /api/v1/models' } }));
    assert.equal(await main(['models', 'show', 'nope', '--json'], io), 1);
    assert.deepEqual(JSON.parse(out), { error: { code: 'unknown_model', category: 'not_found', message: 'no model named nope; see GET /api/v1/models' } });
  });

  it('predict sends batches (a repeated id starts a new one) and writes the answers in input order, with rejects from both sides', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rotguard-remote-predict-'));
    try {
      const input = join(dir, 'in.csv');
      writeFileSync(input, 'id,smiles\nc1,C\nc2,CC\nc3,C,extra\nc4,CCC\nc5,XX\nc1,CCO\n' + `c7,${'C'.repeat(5001)}\n`);
      // The server answers every compound but XX; the first answers carry no position (an older server), later ones do.
      const server = (req: IncomingMessage, res: ServerResponse) => {
        const body = JSON.parse(seen[seen.length - 1]!.body) as { compounds: { id: string; smiles: string }[] };
        const n = seen.length;
        const predictions = body.compounds
          .map((c, i) => ({ c, i }))
          .filter(({ c }) => c.smiles !== 'XX')
          .reverse()
          .map(({ c, i }) => ({
            id: `p${n}-${i}`,
            request: `r${n}`,
            inputId: c.id,
            smiles: c.smiles,
            inchikey: 'K',
            value: c.smiles.length,
            uncertainty: null,
            interval: null,
            domain: { maxSimilarity: 0.5, nearestTrainingCompound: null, scaffoldSeen: true, inDomain: true },
            modelFrozen: false,
            requestedBy: 'ana',
            ...(n > 1 ? { index: i } : {}),
          }));
        const rejects = body.compounds.flatMap((c, i) => (c.smiles === 'XX' ? [{ index: i, id: c.id, code: 'unparsable_structure', reason: 'no' }] : []));
        reply(200, {
          request: `r${n}`,
          model: 'm@1',
          featureHash: 'f',
          modelFrozen: false,
          rows: body.compounds.length,
          predicted: predictions.length,
          rejected: rejects.length,
          rejectReasons: {},
          predictions,
          rejects,
        })(req, res);
      };
      script.push(server, server, server);
      const summary = await predictRemote(
        client(),
        { modelRef: 'm@champion', input, out: join(dir, 'out.csv'), level: 0.9 },
        { model: 'm', ref: 'champion' },
        2,
      );
      assert.deepEqual(
        seen.map((r) => (JSON.parse(r.body) as { compounds: { id: string }[] }).compounds.map((c) => c.id)),
        [['c1', 'c2'], ['c4', 'c5'], ['c1']],
      );
      assert.deepEqual(summary.requests, ['r1', 'r2', 'r3']);
      assert.deepEqual([summary.rows, summary.predicted, summary.rejected], [7, 4, 3]);
      const out = readFileSync(join(dir, 'out.csv'), 'utf8').trim().split('\n').slice(1);
      assert.deepEqual(
        out.map((l) => l.split(',').slice(0, 3).join(',')),
        ['p1-0,2,c1', 'p1-1,3,c2', 'p2-0,5,c4', 'p3-0,7,c1'],
      );
      const rejects = readFileSync(join(dir, 'out.rejects.csv'), 'utf8').trim().split('\n').slice(1);
      assert.deepEqual(
        rejects.map((l) => l.split(',').slice(0, 2).join(',') + ',' + l.split(',')[3]),
        ['4,c3,wrong_field_count', '6,c5,unparsable_structure', '8,c7,structure_too_large'],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a configuration that would leak or cannot work', () => {
    const code = (env: NodeJS.ProcessEnv) => {
      try {
        remoteConfig(env);
        return 'ok';
      } catch (e) {
        return e instanceof RotguardError ? e.code : 'thrown';
      }
    };
    assert.equal(code({ ROTGUARD_URL: 'localhost:8080', ROTGUARD_TOKEN: TOKEN }), 'bad_server_url');
    assert.equal(code({ ROTGUARD_URL: `http://ana:${TOKEN}@host`, ROTGUARD_TOKEN: TOKEN }), 'bad_server_url');
    assert.equal(code({ ROTGUARD_URL: 'http://host' }), 'unauthenticated');
    assert.equal(code({ ROTGUARD_URL: 'http://host', ROTGUARD_TOKEN: 'rg_ab…' }), 'unauthenticated');
    assert.equal(code({ ROTGUARD_URL: 'https://host/', ROTGUARD_TOKEN: TOKEN }), 'ok');
    assert.equal(remoteConfig({ ROTGUARD_URL: 'https://host/rotguard/', ROTGUARD_TOKEN: TOKEN }).url, 'https://host/rotguard');
  });
});
