import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { main } from '../../src/cli/main.js';
import { buildServer } from '../../src/server/app.js';
import { singleStoreProvider, type StoreProvider } from '../../src/server/store-provider.js';
import { openStore } from '../../src/store/store.js';
import { forEachBackend } from '../store/backends.js';

/**
 * The demo's flow through the API, with two teams: a server in this process on the
 * embedded store, and every step run by the CLI's main() in client mode (ROTGUARD_URL +
 * ROTGUARD_TOKEN), each person with their own token. ROTGUARD_USER is set to an impostor
 * throughout: the event log must record the authenticated identities only.
 */

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const SAMPLE = join(REPO, 'examples', 'solubility-sample.csv');
/** The README's example files for this flow. */
const EXAMPLE = join(REPO, 'examples', 'serve');
const IMPOSTOR = 'impostor-from-env';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { out: (t) => void (stdout += t), err: (t) => void (stderr += t), env });
  return { code, stdout, stderr };
}

/** A loopback port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A run's --json output (the error object on failure). */
function json<T = Record<string, unknown>>(r: Run): T {
  return JSON.parse(r.stdout) as T;
}

forEachBackend('the demo flow through the API: two teams, CLI in client mode', (backend) => {
  let dir: string;
  let app: FastifyInstance;
  let stores: StoreProvider;
  let url: string;
  const tokens = new Map<string, string>();
  const outputs: string[] = [];

  /** Runs a command as `who` against the server; every output is kept to check that no token leaks. */
  async function as(who: string, args: string[], team?: string): Promise<Run> {
    const env: NodeJS.ProcessEnv = { ROTGUARD_URL: url, ROTGUARD_TOKEN: tokens.get(who)!, ROTGUARD_USER: IMPOSTOR, ...(team ? { ROTGUARD_TEAM: team } : {}) };
    const r = await cli(args, env);
    if (!(args[0] === 'users' && args[1] === 'add') && !(args[0] === 'tokens' && args[1] === 'new')) outputs.push(r.stdout, r.stderr);
    return r;
  }

  async function addUser(name: string, team: string, role: string) {
    const r = await as('root', ['users', 'add', name, '--team', team, '--role', role, '--json']);
    assert.equal(r.code, 0, r.stderr);
    tokens.set(name, json<{ token: string }>(r).token);
  }

  let savedDatabaseUrl: string | undefined;

  /**
   * A lab on this backend: a migrated workspace (PostgreSQL: a database of its own, named by
   * ROTGUARD_DATABASE_URL for the local CLI steps), the first admin made on the workspace
   * itself, and the server in process. Torn down by the test itself, before the backend's
   * cleanup drops the database.
   */
  async function setUp() {
    const location = await backend.freshLocation();
    dir = location.workspace;
    savedDatabaseUrl = process.env.ROTGUARD_DATABASE_URL;
    if (location.databaseUrl) process.env.ROTGUARD_DATABASE_URL = location.databaseUrl;
    else delete process.env.ROTGUARD_DATABASE_URL;
    const workspace = join(dir, '.rotguard');
    await (await openStore({ workspace, databaseUrl: location.databaseUrl, migrate: true })).close();
    // The first admin is made on the workspace itself; everything after goes through the server.
    const root = await cli(['users', 'add', 'root', '--team', '*', '--role', 'admin', '--json', '--workspace', dir], { ROTGUARD_USER: 'bootstrap' });
    assert.equal(root.code, 0, root.stderr);
    tokens.set('root', json<{ token: string }>(root).token);
    stores = singleStoreProvider(await openStore({ workspace, databaseUrl: location.databaseUrl }));
    assert.equal(stores.base.backend, backend.backend);
    app = await buildServer({ stores, workspace, logger: false });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  }

  async function tearDown() {
    await app?.close();
    await stores?.close();
    if (savedDatabaseUrl === undefined) delete process.env.ROTGUARD_DATABASE_URL;
    else process.env.ROTGUARD_DATABASE_URL = savedDatabaseUrl;
  }

  it('admin, steward, two teams: ingest, build, four eyes, predict, grants, monitor, decide, audit; the log records who was authenticated', async () => {
    await setUp();
    try {
      await flow();
    } finally {
      await tearDown();
    }
  });

  async function flow() {
    // An organisation admin adds a steward and, per team, a scientist, a modeler and an approver.
    await addUser('stew', '*', 'steward');
    for (const t of ['a', 'b']) {
      await addUser(`sci-${t}`, `chem-${t}`, 'scientist');
      await addUser(`mod-${t}`, `chem-${t}`, 'modeler');
      await addUser(`apr-${t}`, `chem-${t}`, 'approver');
    }
    // A's modeler may also approve, so the four-eyes rule (not a missing role) is what refuses their own build.
    assert.equal((await as('root', ['users', 'grant', 'mod-a', '--team', 'chem-a', '--role', 'approver'])).code, 0);

    // The steward sets the shared standards.
    let r = await as('stew', ['endpoints', 'add', 'solubility', '--unit', 'M', '--transform', 'log10', '--min', '1e-12', '--max', '10']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /ROTGUARD_USER is ignored in client mode/);
    r = await as('stew', ['protocols', 'add', 'kinetic', '--endpoint', 'solubility', '--unit', 'uM', '--site', 's1', '--param', 'pH=7.4']);
    assert.equal(r.code, 0, r.stderr);
    r = await as('stew', ['gate', 'set', 'solubility', '--min-test-size', '10', '--require-split', 'any', '--max-mae', '1.5']);
    assert.equal(r.code, 0, r.stderr);
    // A scientist is not a steward.
    r = await as('sci-a', ['endpoints', 'add', 'other', '--unit', 'M', '--json']);
    assert.equal(r.code, 1);
    assert.equal(json<{ error: { code: string } }>(r).error.code, 'forbidden');

    // Team A's scientist ingests an assay file, read here and sent to the server.
    const mapping = join(EXAMPLE, 'mapping.yaml');
    r = await as('sci-a', ['ingest', SAMPLE, '--mapping', mapping, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(json<{ accepted: number; team: string }>(r).accepted, 120);

    // A's modeler snapshots and builds.
    r = await as('mod-a', ['datasets', 'create', '--endpoint', 'solubility', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const snapshot = json<{ info: { hash: string; definition: { teams: string[] } } }>(r).info;
    assert.deepEqual(snapshot.definition.teams, ['chem-a']);
    for (const args of [
      ['datasets', 'list', '--json'],
      ['datasets', 'show', snapshot.hash, '--rows', '3', '--json'],
      ['features', 'compute', '--dataset', snapshot.hash, '--json'],
      ['endpoints', 'list', '--json'],
      ['protocols', 'list', '--json'],
      ['gate', 'show', 'solubility', '--json'],
    ]) {
      r = await as('mod-a', args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
    const recipe = join(EXAMPLE, 'recipe.yaml');
    r = await as('mod-a', ['build', recipe, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(json<{ version: string }>(r).version, 'sol-rf@1');

    // Four eyes: the builder cannot promote their own build, even holding the approver role (403, logged).
    r = await as('mod-a', ['promote', 'sol-rf@1', '--to', 'champion', '--reason', 'mine', '--json']);
    assert.equal(r.code, 1);
    assert.deepEqual(
      { code: json<{ error: { code: string; category: string } }>(r).error.code, category: json<{ error: { category: string } }>(r).error.category },
      { code: 'approver_is_builder', category: 'refused' },
    );
    // The same refusal on the workspace itself (local mode, ROTGUARD_USER naming the builder) prints the same --json error.
    const local = await cli(['promote', 'sol-rf@1', '--to', 'champion', '--reason', 'mine', '--json', '--workspace', dir], { ROTGUARD_USER: 'mod-a' });
    assert.equal(local.code, r.code);
    assert.deepEqual(json(local), json(r));
    // A's approver promotes; validate checks the version against the shared gate (exit 0: it passes).
    r = await as('apr-a', ['validate', 'sol-rf@1', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(json<{ gate: { passed: boolean } }>(r).gate.passed, true);
    r = await as('apr-a', ['promote', 'sol-rf@1', '--to', 'champion', '--reason', 'validation reviewed', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(json<{ alias: string }>(r).alias, 'champion');

    // A predicts: the input is read here, the answers written to the same CSV columns as a local predict.
    const input = join(EXAMPLE, 'query.csv');
    const out = join(dir, 'predictions.csv');
    r = await as('sci-a', ['predict', '--model', 'sol-rf@champion', input, '--out', out, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const summary = json<{ rows: number; predicted: number; rejected: number; model: string; requests: string[] }>(r);
    assert.deepEqual([summary.rows, summary.predicted, summary.rejected, summary.model], [4, 3, 1, 'sol-rf@1']);
    // A repeated id starts a new batch, so every answer can be placed: two prediction requests.
    assert.equal(summary.requests.length, 2);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(
      lines[0],
      'prediction_id,line,id,smiles,inchikey,value,uncertainty,interval_level,lower,upper,max_similarity,nearest_training_compound,scaffold_seen,in_domain,model_frozen',
    );
    // Input order and lines, a repeated id kept apart, the unparsable row in the rejects file with its line.
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(',').slice(1, 3).join(',')),
      ['2,q1', '4,q1', '5,q3'],
    );
    assert.match(readFileSync(join(dir, 'predictions.rejects.csv'), 'utf8'), /^line,id,input,code,reason\n3,q2,not_a_smiles,unparsable_structure,/);
    const predictionId = lines[1]!.split(',')[0]!;
    // An id holding a quoted line break keeps its place (answers are placed by position, not by physical line).
    const tricky = join(dir, 'tricky.csv');
    writeFileSync(tricky, 'id,smiles\n"two\nlines",CCO\nq9,not_a_smiles\nq10,CCN\n');
    r = await as('sci-a', ['predict', '--model', 'sol-rf@champion', tricky, '--out', join(dir, 'tricky-out.csv'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      readFileSync(join(dir, 'tricky-out.csv'), 'utf8')
        .split('\n')
        .filter((l) => /^[0-9a-f-]{36},/.test(l))
        .map((l) => l.split(',').slice(1, 4).join(',')),
      ['2,"two', '5,q10,CCN'],
    );
    assert.match(readFileSync(join(dir, 'tricky-out.rejects.csv'), 'utf8'), /\n4,q9,not_a_smiles,unparsable_structure,/);
    // Reads print the same --json through the server as on the workspace.
    for (const args of [
      ['predictions', 'show', predictionId, '--json'],
      ['predictions', 'list', '--model', 'sol-rf', '--json'],
      ['models', 'list', '--json'],
      ['models', 'show', 'sol-rf@champion', '--json'],
      ['validate', 'sol-rf@1', '--json'],
      ['gate', 'show', 'solubility', '--json'],
      ['gate', 'show', 'no-such-endpoint', '--json'],
      ['endpoints', 'list', '--json'],
      ['protocols', 'list', '--json'],
      ['datasets', 'list', '--json'],
      ['monitor', 'show', '--model', 'sol-rf', '--json'],
    ]) {
      const remote = await as('sci-a', args);
      const onWorkspace = await cli([...args, '--workspace', dir], { ROTGUARD_USER: 'auditor' });
      assert.equal(remote.code, 0, remote.stderr);
      assert.deepEqual(json(remote), json(onWorkspace), args.join(' '));
    }

    // Team B cannot see A's model or predictions: 404, the same answer as for a model that does not exist.
    r = await as('sci-b', ['models', 'show', 'sol-rf', '--json']);
    assert.equal(r.code, 1);
    assert.equal(json<{ error: { code: string } }>(r).error.code, 'unknown_model');
    r = await as('sci-b', ['trace', predictionId, '--json']);
    assert.equal(json<{ error: { code: string } }>(r).error.code, 'unknown_prediction');
    r = await as('sci-b', ['models', 'list', '--json']);
    assert.deepEqual(json(r), []);

    // Until A grants B read access.
    r = await as('root', ['teams', 'grant', 'chem-a', '--to', 'chem-b']);
    assert.equal(r.code, 0, r.stderr);
    r = await as('sci-b', ['whoami', '--json']);
    assert.deepEqual(json(r), {
      principal: 'sci-b',
      kind: 'user',
      roles: [{ team: 'chem-b', role: 'scientist' }],
      actingTeam: 'chem-b',
      visibleTeams: ['chem-b', 'chem-a'],
      location: url,
    });
    r = await as('sci-b', ['models', 'show', 'sol-rf', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(json<{ version: { id: string } }>(r).version.id, 'sol-rf@1');
    r = await as('sci-b', ['trace', predictionId, '--json']);
    assert.equal(r.code, 0, r.stderr);
    // Reading is not promoting or predicting: 403.
    r = await as('apr-b', ['promote', 'sol-rf@1', '--to', 'challenger', '--reason', 'ours now', '--json']);
    assert.equal(r.code, 1);
    assert.equal(json<{ error: { code: string } }>(r).error.code, 'forbidden');
    r = await as('sci-b', ['predict', '--model', 'sol-rf@champion', input, '--out', join(dir, 'b.csv'), '--json']);
    assert.equal(r.code, 1);
    assert.equal(json<{ error: { code: string } }>(r).error.code, 'forbidden');
    assert.equal(existsSync(join(dir, 'b.csv')), false, 'a refused predict leaves no output');

    // A monitors and decides with a policy (sent as text).
    r = await as('mod-a', ['monitor', 'run', '--model', 'sol-rf', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(json<{ windows: unknown[] }>(r).windows.length >= 1);
    r = await as('sci-a', ['monitor', 'show', '--model', 'sol-rf', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const policy = join(EXAMPLE, 'policy.yaml');
    r = await as('mod-a', ['decide', '--policy', policy, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(['continue', 'watch'].includes(json<{ action: string }>(r).action));
    r = await as('mod-a', ['policy', 'apply', '--policy', policy, '--json']);
    assert.equal(r.code, 0, r.stderr);
    // Unfreezing a model that is not frozen: the use case's conflict, through the API.
    r = await as('apr-a', ['policy', 'unfreeze', '--model', 'sol-rf', '--reason', 'checked', '--json']);
    assert.equal(r.code, 1);
    assert.equal(json<{ error: { code: string } }>(r).error.code, 'not_frozen');

    // The audit runs on the server over A's visible teams; both files are written here.
    const reports = join(dir, 'reports');
    mkdirSync(reports);
    r = await as('sci-a', ['audit', '--out', reports, '--json']);
    assert.ok(r.code === 0 || r.code === 3, r.stderr);
    const report = json<{ models: { version: string }[]; eventLog: { ok: boolean } }>(r);
    assert.deepEqual(
      report.models.map((m) => m.version),
      ['sol-rf@1'],
    );
    assert.equal(report.eventLog.ok, true);
    assert.ok(existsSync(join(reports, 'audit-report.html')) && existsSync(join(reports, 'audit-report.json')));

    // The event log records the authenticated identities, never ROTGUARD_USER.
    const events = await stores.base.db.selectFrom('events').select(['kind', 'actor', 'payload', 'reason']).orderBy('seq').execute();
    const actorOf = (kind: string) => [...new Set(events.filter((e) => e.kind === kind).map((e) => e.actor))];
    assert.deepEqual(actorOf('endpoint_created'), ['stew']);
    assert.deepEqual(actorOf('gate_set'), ['stew']);
    assert.deepEqual(actorOf('source_ingested'), ['sci-a']);
    assert.deepEqual(actorOf('registered'), ['mod-a']);
    assert.deepEqual(actorOf('promotion_refused'), ['mod-a']);
    assert.deepEqual(actorOf('promoted_champion'), ['apr-a']);
    assert.deepEqual(actorOf('predicted'), ['sci-a']);
    assert.deepEqual(actorOf('decision'), ['mod-a']);
    assert.deepEqual(actorOf('team_granted'), ['root']);
    assert.deepEqual(actorOf('principal_added').sort(), ['bootstrap', 'root']);
    assert.ok(!events.some((e) => e.actor === IMPOSTOR), 'ROTGUARD_USER never recorded in client mode');

    // No token anywhere: not in the log, the report or any command's output.
    const reportText = readFileSync(join(reports, 'audit-report.json'), 'utf8') + readFileSync(join(reports, 'audit-report.html'), 'utf8');
    for (const [who, token] of tokens) {
      // rg_ + 16 hex + _ : the secret is the rest (base64url, which may itself contain '_').
      const secret = token.slice(20);
      assert.equal(secret.length, 43);
      assert.ok(!events.some((e) => `${e.payload}${e.reason}`.includes(secret)), `${who}'s token is not in the event log`);
      assert.ok(!reportText.includes(secret), `${who}'s token is not in the report`);
      assert.ok(!outputs.some((o) => o.includes(secret)), `${who}'s token is not in any output`);
    }

    // A token the server does not know: 401, with what to do, and the token never printed.
    r = await cli(['endpoints', 'list', '--json'], { ROTGUARD_URL: url, ROTGUARD_TOKEN: `rg_0123456789abcdef_${'A'.repeat(43)}` });
    assert.equal(r.code, 1);
    assert.equal(json<{ error: { code: string } }>(r).error.code, 'unauthenticated');
    assert.match(r.stderr, /Check ROTGUARD_TOKEN/);
    assert.ok(!r.stdout.includes('A'.repeat(43)) && !r.stderr.includes('A'.repeat(43)), 'the token is never printed');
  }
});

describe('client mode refusals', () => {
  it('refuses workspace-only commands and bad configuration with clear user errors, before any request', async () => {
    const url = 'http://127.0.0.1:9';
    const env = { ROTGUARD_URL: url, ROTGUARD_TOKEN: `rg_0123456789abcdef_${'B'.repeat(43)}` };
    let r = await cli(['init', '--json'], env);
    assert.equal(r.code, 1);
    assert.equal(json<{ error: { code: string } }>(r).error.code, 'not_remote');
    r = await cli(['datasets', 'list', '--workspace', tmpdir()], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--workspace .* names a local workspace, but ROTGUARD_URL is set/);
    r = await cli(['endpoints', 'list', '--json'], { ROTGUARD_URL: url });
    assert.equal(json<{ error: { code: string } }>(r).error.code, 'unauthenticated');
    assert.match(r.stderr, /ROTGUARD_TOKEN is not/);
    r = await cli(['endpoints', 'list', '--json'], { ROTGUARD_URL: 'ftp://example.org', ROTGUARD_TOKEN: 'x' });
    assert.equal(json<{ error: { code: string } }>(r).error.code, 'bad_server_url');
    // Nothing listens there: a clear user error after the GET's retries, not a stack.
    r = await cli(['endpoints', 'list', '--json'], { ROTGUARD_URL: `http://127.0.0.1:${await closedPort()}`, ROTGUARD_TOKEN: 'x' });
    assert.equal(r.code, 1);
    assert.equal(json<{ error: { code: string } }>(r).error.code, 'server_unreachable');
    assert.match(r.stderr, /connection refused/);
  });
});
