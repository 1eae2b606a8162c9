/**
 * bench/server: N concurrent API clients against `rotguard serve`, on loopback.
 *
 *   npm run bench:server [-- --clients 1,4,16,32 --seconds 10 --backends sqlite,postgres --seed 1]
 *
 * For each backend (the embedded SQLite store, then PostgreSQL in a database made for the
 * run and dropped after it): a workspace with one small model (the robustness suites' live
 * workspace: 130 compounds, a 5-tree forest, champion), a scientist's API token, then
 * `rotguard serve` started as its own process (logs at info, as in production, to
 * /dev/null). Each concurrency level runs its clients for --seconds; every client loops over
 * a seeded mix: a prediction of 10 structures (POST /models/:model/predictions), GET
 * /models, GET /predictions/:id, GET /models/:model, in equal shares. Reported per level:
 * requests/s over all kinds, p50/p99 latency per kind, errors (any non-2xx answer or a
 * failed connection). Any error makes the bench exit 1. PostgreSQL: the database named
 * by ROTGUARD_BENCH_DATABASE_URL, else ROTGUARD_TEST_DATABASE_URL, else the local
 * postgres://rotguard:rotguard@127.0.0.1:55432/rotguard; its role needs CREATEDB.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { maskUrl } from '../../src/core/mask-url.js';
import { Random } from '../../src/core/random.js';
import { openStore } from '../../src/store/store.js';
import { createContext } from '../../src/usecases/context.js';
import { addUser } from '../../src/usecases/identity.js';
import { liveWorkspace } from '../../test/robustness/live-workspace.js';

const repo = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const KINDS = ['predict', 'GET /models', 'GET /predictions/:id', 'GET /models/:model'] as const;
type Kind = (typeof KINDS)[number];
const MODEL = 'logd-rf';
const COMPOUNDS_PER_PREDICT = 10;

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1,4,16,32' },
    seconds: { type: 'string', default: '10' },
    backends: { type: 'string', default: 'sqlite,postgres' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: join(repo, 'bench/server/RESULTS.md') },
  },
});
const levels = values.clients.split(',').map(Number);
const seconds = Number(values.seconds);
const seed = Number(values.seed);
if (levels.some((n) => !Number.isInteger(n) || n < 1 || n > 256) || !(seconds > 0)) throw new Error('--clients: integers 1..256; --seconds > 0');
const adminUrl = process.env.ROTGUARD_BENCH_DATABASE_URL ?? process.env.ROTGUARD_TEST_DATABASE_URL ?? 'postgres://rotguard:rotguard@127.0.0.1:55432/rotguard';

interface LevelResult {
  clients: number;
  seconds: number;
  requests: number;
  errors: number;
  firstErrors: string[];
  latencies: Record<Kind, number[]>;
}

interface World {
  base: string;
  token: string;
  unseen: string[];
  predictionIds: string[];
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

async function request(w: World, kind: Kind, rng: Random): Promise<{ ok: boolean; detail: string; id?: string }> {
  const headers: Record<string, string> = { authorization: `Bearer ${w.token}` };
  let res: Response;
  if (kind === 'predict') {
    const at = Math.floor(rng.uniform() * (w.unseen.length - COMPOUNDS_PER_PREDICT));
    const compounds = w.unseen.slice(at, at + COMPOUNDS_PER_PREDICT).map((smiles, i) => ({ id: `b${at + i}`, smiles }));
    headers['content-type'] = 'application/json';
    res = await fetch(`${w.base}/api/v1/models/${MODEL}/predictions`, { method: 'POST', headers, body: JSON.stringify({ compounds }) });
  } else if (kind === 'GET /models') {
    res = await fetch(`${w.base}/api/v1/models`, { headers });
  } else if (kind === 'GET /predictions/:id') {
    const id = w.predictionIds[Math.floor(rng.uniform() * w.predictionIds.length)]!;
    res = await fetch(`${w.base}/api/v1/predictions/${id}`, { headers });
  } else {
    res = await fetch(`${w.base}/api/v1/models/${MODEL}`, { headers });
  }
  const text = await res.text();
  if (res.status < 200 || res.status >= 300) return { ok: false, detail: `${kind}: ${res.status} ${text.slice(0, 200)}` };
  if (kind === 'predict') {
    const body = JSON.parse(text) as { predictions: { id: string }[] };
    if (body.predictions.length !== COMPOUNDS_PER_PREDICT)
      return { ok: false, detail: `predict: ${body.predictions.length} predictions for ${COMPOUNDS_PER_PREDICT}` };
    return { ok: true, detail: '', id: body.predictions[0]!.id };
  }
  return { ok: true, detail: '' };
}

async function runLevel(w: World, clients: number): Promise<LevelResult> {
  const latencies = Object.fromEntries(KINDS.map((k) => [k, [] as number[]])) as Record<Kind, number[]>;
  const r: LevelResult = { clients, seconds: 0, requests: 0, errors: 0, firstErrors: [], latencies };
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const rng = Random.stream(seed, clients * 1000 + c);
      while (performance.now() < deadline) {
        const kind = KINDS[Math.floor(rng.uniform() * KINDS.length)]!;
        const t0 = performance.now();
        const got = await request(w, kind, rng).catch((e: unknown) => ({ ok: false, detail: `${kind}: ${(e as Error).message}`, id: undefined }));
        const ms = performance.now() - t0;
        r.requests++;
        if (!got.ok) {
          r.errors++;
          if (r.firstErrors.length < 5) r.firstErrors.push(got.detail);
          continue;
        }
        latencies[kind].push(ms);
        if (got.id && w.predictionIds.length < 5000) w.predictionIds.push(got.id);
      }
    }),
  );
  r.seconds = (performance.now() - start) / 1000;
  for (const k of KINDS) latencies[k].sort((a, b) => a - b);
  return r;
}

/** `rotguard serve` on a free port; resolves with its base URL once it listens. */
function startServer(workspace: string, databaseUrl: string | undefined): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [join(repo, 'bin/rotguard.js'), 'serve', '--port', '0', '--workspace', workspace, '--log-level', 'info'], {
    env: { ...process.env, ROTGUARD_DATABASE_URL: databaseUrl ?? '', ROTGUARD_WORKSPACE: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((done, fail) => {
    let err = '';
    child.stderr!.on('data', (d) => {
      err += d;
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) done({ child, base: m[1]! });
    });
    child.on('exit', (code) => fail(new Error(`rotguard serve exited ${code}: ${err}`)));
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function benchBackend(backend: 'sqlite' | 'postgres'): Promise<{ backend: string; results: LevelResult[] } | { backend: string; skipped: string }> {
  const workspace = mkdtempSync(join(tmpdir(), `rotguard-bench-server-${backend}-`));
  let databaseUrl: string | undefined;
  let dbName: string | undefined;
  let server: ChildProcess | undefined;
  try {
    if (backend === 'postgres') {
      dbName = `rotguard_bench_${process.pid}`;
      try {
        await withAdmin((c) => c.query(`create database ${dbName}`));
      } catch (e) {
        dbName = undefined;
        return { backend, skipped: `PostgreSQL at ${maskUrl(adminUrl)} not usable: ${maskUrl((e as Error).message)}` };
      }
      const u = new URL(adminUrl);
      u.pathname = `/${dbName}`;
      databaseUrl = u.toString();
    }
    const store = await openStore({ workspace, databaseUrl, migrate: true });
    let token: string;
    let unseen: string[];
    try {
      ({ unseen } = await liveWorkspace(store, workspace, 'bench'));
      token = (await addUser(createContext(store, { actor: 'bench' }), { name: 'bench-client', kind: 'service', team: 'chem', role: 'scientist' })).token!;
    } finally {
      await store.close();
    }
    const started = await startServer(workspace, databaseUrl);
    server = started.child;
    const w: World = { base: started.base, token, unseen, predictionIds: [] };
    // Warm-up: the server's chemistry workers start on the first prediction.
    const rng = Random.stream(seed, 0);
    for (let i = 0; i < 5; i++) {
      const got = await request(w, 'predict', rng);
      if (!got.ok) throw new Error(`warm-up failed: ${got.detail}`);
      w.predictionIds.push(got.id!);
    }
    const results: LevelResult[] = [];
    for (const n of levels) {
      const r = await runLevel(w, n);
      results.push(r);
      process.stderr.write(`${backend} ${n} clients: ${(r.requests / r.seconds).toFixed(1)} req/s, ${r.errors} errors\n`);
    }
    return { backend, results };
  } finally {
    if (server) await stopServer(server);
    rmSync(workspace, { recursive: true, force: true });
    if (dbName) await withAdmin((c) => c.query(`drop database if exists ${dbName} with (force)`));
  }
}

function table(results: LevelResult[]): string {
  const f = (x: number) => (Number.isNaN(x) ? '–' : x < 10 ? x.toFixed(1) : x.toFixed(0));
  const head = `| clients | requests | req/s | errors | ${KINDS.map((k) => `${k} p50 / p99 ms`).join(' | ')} |`;
  const rule = `|---:|---:|---:|---:|${KINDS.map(() => '---:').join('|')}|`;
  const rows = results.map(
    (r) =>
      `| ${r.clients} | ${r.requests} | ${(r.requests / r.seconds).toFixed(1)} | ${r.errors} | ${KINDS.map((k) => `${f(quantile(r.latencies[k], 0.5))} / ${f(quantile(r.latencies[k], 0.99))}`).join(' | ')} |`,
  );
  return [head, rule, ...rows].join('\n');
}

const command = `npm run bench:server -- --clients ${levels.join(',')} --seconds ${seconds} --backends ${values.backends} --seed ${seed}`;
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`;
console.log(
  `bench/server — ${command}\nmachine: ${machine}; load average before: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
await loadRDKit();
const started = new Date();
const t0 = performance.now();
const sections: string[] = [];
let errors = 0;
for (const backend of values.backends.split(',') as ('sqlite' | 'postgres')[]) {
  const out = await benchBackend(backend);
  if ('skipped' in out) {
    sections.push(`### ${backend}\n\nskipped: ${out.skipped}`);
    console.log(`\n${backend}: skipped: ${out.skipped}`);
    continue;
  }
  errors += out.results.reduce((s, r) => s + r.errors, 0);
  const firstErrors = out.results.flatMap((r) => r.firstErrors.map((e) => `${r.clients} clients: ${e}`));
  const text = `### ${backend === 'sqlite' ? 'embedded store (SQLite)' : 'PostgreSQL'}\n\n${table(out.results)}${firstErrors.length ? `\n\nfirst errors:\n${firstErrors.map((e) => `- ${e}`).join('\n')}` : ''}`;
  sections.push(text);
  console.log(`\n${text}`);
}
const total = (performance.now() - t0) / 1000;
const after = loadavg()
  .map((x) => x.toFixed(2))
  .join(' ');
console.log(`\nload average after: ${after}; whole run ${total.toFixed(0)} s; errors: ${errors}`);

writeFileSync(
  values.out,
  `# bench/server results

Run on ${started.toISOString().slice(0, 10)} with \`${command}\`.
Machine: ${machine}. Load average after the run: ${after} (other engineers' work shares these cores). Whole run: ${total.toFixed(0)} s.

Each level runs its clients for ${seconds} s against \`rotguard serve\` (its own process, logs at info to /dev/null, loopback
HTTP/1.1 keep-alive). Every client loops over a seeded mix in equal shares: a prediction of ${COMPOUNDS_PER_PREDICT} structures
(POST /api/v1/models/${MODEL}/predictions, recorded with lineage), GET /api/v1/models, GET /api/v1/predictions/:id,
GET /api/v1/models/${MODEL}. req/s counts every kind; latency is per request, client side. The model is the robustness
suites' small live workspace (130 compounds, a 5-tree random forest). Errors are any non-2xx answer or failed connection;
the bench exits 1 when there is one.

${sections.join('\n\n')}
`,
);
process.exitCode = errors ? 1 : 0;
