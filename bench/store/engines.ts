/**
 * bench/store/engines: which embedded SQL engine should hold the metadata store?
 *
 *   npm run bench:store-engines [-- --rows 100000 --other 25000 --compounds 20000 --repeat 3 --engines sqlite,sqlite-raw,pglite,postgres --json]
 *
 * The same schema (rotguard's migrations, applied by Kysely's migrator) and the same
 * Kysely-built SQL on each engine:
 *   sqlite    better-sqlite3 through openStore() (a file, WAL, synchronous=FULL: the production settings)
 *   sqlite-raw  the same file and settings without Kysely: a prepared single-row INSERT per row,
 *             and the same snapshot SQL prepared once (what the query builder costs)
 *   pglite    @electric-sql/pglite (PostgreSQL compiled to WebAssembly) with its data directory on disk,
 *             through a minimal Kysely dialect (PostgreSQL SQL, one connection)
 *   postgres  a real PostgreSQL server through openStore({ databaseUrl }), in a fresh database made
 *             with ROTGUARD_TEST_DATABASE_URL (skipped when that is not set)
 * Measured, per engine:
 *   open      create the store and apply the migrations; reopen: open the existing store
 *   insert    --rows + --other measurement rows (15 columns, 64-hex ids) in ONE transaction,
 *             as multi-row INSERTs of 500 rows; the compounds they reference are inserted before
 *   select    the snapshot query: measurements of one endpoint (--rows of them) joined to
 *             compounds, ordered by compound and id, all rows materialised (5 times per store: the
 *             first is reported apart, the others are the warm runs)
 * Each engine runs --repeat times on a fresh store; the median is reported, with the load
 * average before and after (other work on the machine makes every number slower).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import Sqlite from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  Migrator,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
} from 'kysely';
import pg from 'pg';
import { migrationProvider } from '../../src/store/migrations.js';
import type { Database, NewRow } from '../../src/store/schema.js';
import { openStore, type Store } from '../../src/store/store.js';
import { Random } from '../../src/core/random.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    other: { type: 'string', default: '25000' },
    compounds: { type: 'string', default: '20000' },
    repeat: { type: 'string', default: '3' },
    engines: { type: 'string', default: 'sqlite,sqlite-raw,pglite,postgres' },
    json: { type: 'boolean', default: false },
  },
});
const ROWS = Number(args.rows);
const OTHER = Number(args.other);
const COMPOUNDS = Number(args.compounds);
const REPEAT = Number(args.repeat);
const BATCH = 500;
const SELECT_REPS = 5;
const ENGINES = args
  .engines!.split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const PG_URL = process.env.ROTGUARD_TEST_DATABASE_URL;
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const pkgVersion = (name: string): string =>
  (JSON.parse(readFileSync(join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

// ---------------------------------------------------------------- data (deterministic)

/** Uniform draws in [0, 1) from the project's seeded generator, so every run uses the same data. */
function seededUniform(seed: number): () => number {
  const rng = new Random(seed);
  return () => rng.uniform();
}
const hex = (s: string) => createHash('sha256').update(s).digest('hex');
const T = '2026-11-26T10:00:00.000Z';
const ENDPOINT = 'solubility_logS';
const OTHER_ENDPOINT = 'clearance_hlm';

function inchikeyOf(i: number): string {
  const h = String.fromCharCode(
    ...createHash('sha256')
      .update(`compound ${i}`)
      .digest()
      .map((b) => 65 + (b % 26)),
  );
  return `${h.slice(0, 14)}-${h.slice(14, 24)}-N`;
}

function prerequisites(): { [K in keyof Database]?: NewRow<K>[] } {
  const endpoint = (name: string): NewRow<'endpoints'> => ({
    name,
    unit: 'uM',
    transform: 'log10',
    direction: 'higher_is_better',
    valid_min: 0,
    valid_max: null,
    description: name,
    definition_hash: hex(name),
    created_at: T,
    created_by: 'bench',
  });
  const pv = (endpoint: string): NewRow<'protocol_versions'> => ({
    id: `${endpoint}-p@1`,
    protocol: `${endpoint}-p`,
    version: 1,
    endpoint,
    site: 'basel',
    vendor: 'inhouse',
    unit: 'uM',
    parameters: '{"pH":7.4}',
    definition_hash: hex(endpoint + 'p'),
    created_at: T,
    created_by: 'bench',
  });
  const rnd = seededUniform(7);
  const compounds: NewRow<'compounds'>[] = [];
  for (let i = 0; i < COMPOUNDS; i++) {
    compounds.push({ inchikey: inchikeyOf(i), smiles: `c1ccc(cc1)C(=O)N${'C'.repeat(1 + Math.floor(rnd() * 12))}O`, created_at: T });
  }
  return {
    teams: [{ name: 'dmpk', created_at: T }],
    endpoints: [endpoint(ENDPOINT), endpoint(OTHER_ENDPOINT)],
    protocols: [ENDPOINT, OTHER_ENDPOINT].map((e) => ({ name: `${e}-p`, endpoint: e, created_at: T })),
    protocol_versions: [pv(ENDPOINT), pv(OTHER_ENDPOINT)],
    sources: [
      {
        id: hex('source'),
        file_sha256: hex('file'),
        path: 'assays/bench.csv',
        format: 'csv',
        mapping: '{}',
        mapping_hash: hex('m'),
        team: 'dmpk',
        ingested_by: 'bench',
        ingested_at: T,
        rows: ROWS + OTHER,
        accepted: ROWS + OTHER,
        rejected: 0,
        quarantine_blob: null,
      },
    ],
    compounds,
  };
}

function measurements(): NewRow<'measurements'>[] {
  const rnd = seededUniform(42);
  const out: NewRow<'measurements'>[] = [];
  const source = hex('source');
  for (let i = 0; i < ROWS + OTHER; i++) {
    const endpoint = i < ROWS ? ENDPOINT : OTHER_ENDPOINT;
    const value = Math.round(10 ** (rnd() * 4 - 1) * 1000) / 1000;
    const day = 1 + Math.floor(rnd() * 28);
    out.push({
      id: hex(`${source}:${i + 2}`),
      inchikey: inchikeyOf(Math.floor(rnd() * COMPOUNDS)),
      protocol_version: `${endpoint}-p@1`,
      endpoint,
      source,
      source_line: i + 2,
      team: 'dmpk',
      site: 'basel',
      batch: `B${Math.floor(i / 96)}`,
      value,
      qualifier: rnd() < 0.05 ? '<' : '=',
      raw_value: String(value),
      raw_unit: 'uM',
      measured_at: `2026-10-${String(day).padStart(2, '0')}`,
      reported_at: `2026-11-${String(day).padStart(2, '0')}`,
    });
  }
  // Interleave the endpoints, as an ingest of mixed files would.
  const shuffle = seededUniform(3);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(shuffle() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

// ---------------------------------------------------------------- PGlite as a Kysely dialect

/** One PGlite instance is one connection: queries and transactions take turns. */
class PGliteDriver implements Driver {
  private queue: Promise<void> = Promise.resolve();
  private readonly connection: DatabaseConnection;
  constructor(private readonly db: PGlite) {
    this.connection = {
      executeQuery: async <R>(q: CompiledQuery): Promise<QueryResult<R>> => {
        const r = await db.query<R>(q.sql, [...q.parameters]);
        return r.affectedRows !== undefined && r.command !== 'SELECT' ? { rows: r.rows, numAffectedRows: BigInt(r.affectedRows) } : { rows: r.rows };
      },
      // biome-ignore lint/correctness/useYield: PGlite streams nothing here; the generator only refuses
      streamQuery: async function* () {
        throw new Error('streaming is not supported by the bench PGlite dialect');
      },
    };
  }
  async init(): Promise<void> {
    await this.db.waitReady;
  }
  private release: (() => void) | undefined;
  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.queue;
    let release!: () => void;
    this.queue = new Promise<void>((r) => (release = r));
    await previous;
    this.release = release;
    return this.connection;
  }
  async releaseConnection(): Promise<void> {
    const r = this.release;
    this.release = undefined;
    r?.();
  }
  async beginTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('begin'));
  }
  async commitTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('commit'));
  }
  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('rollback'));
  }
  async destroy(): Promise<void> {
    await this.db.close();
  }
}

function pgliteDialect(db: PGlite): Dialect {
  return {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new PGliteDriver(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
    createIntrospector: (k) => new PostgresIntrospector(k),
  };
}

// ---------------------------------------------------------------- engines

interface Opened {
  db: Kysely<Database>;
  close(): Promise<void>;
  sizeBytes(): Promise<number>;
  /** Engine-specific ways to run the two measured steps; Kysely on `db` when absent. */
  insertMeasurements?(rows: NewRow<'measurements'>[]): Promise<void>;
  snapshot?(): Promise<Record<string, unknown>[]>;
}
interface Engine {
  name: string;
  version(): Promise<string>;
  /** Create an empty store and migrate it. */
  create(): Promise<Opened>;
  /** Open the store create() made last (after it was closed). */
  reopen(): Promise<Opened>;
  cleanup(): Promise<void>;
}

function dirSize(path: string): number {
  let total = 0;
  for (const e of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, e.name);
    total += e.isDirectory() ? dirSize(p) : statSync(p).size;
  }
  return total;
}

function fromStore(store: Store, size: () => Promise<number>): Opened {
  return { db: store.db, close: () => store.close(), sizeBytes: size };
}

function sqliteEngine(): Engine {
  const dirs: string[] = [];
  const open = async (migrate: boolean) => {
    const workspace = dirs.at(-1)!;
    return fromStore(await openStore({ workspace, migrate }), async () => dirSize(workspace));
  };
  return {
    name: 'sqlite',
    async version() {
      const db = new Sqlite(':memory:');
      const v = (db.prepare('select sqlite_version() as v').get() as { v: string }).v;
      db.close();
      return `SQLite ${v} (better-sqlite3 ${pkgVersion('better-sqlite3')})`;
    },
    async create() {
      dirs.push(mkdtempSync(join(tmpdir(), 'rotguard-bench-sqlite-')));
      return open(true);
    },
    reopen: () => open(false),
    async cleanup() {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}

/**
 * The same SQLite file and settings driven without Kysely: one prepared single-row INSERT
 * run per row (in one transaction), and the snapshot SQL Kysely compiles, prepared once.
 * Shows what the query builder costs on the embedded engine.
 */
function sqliteRawEngine(): Engine {
  const base = sqliteEngine();
  const dirs: string[] = [];
  const open = async (migrate: boolean): Promise<Opened> => {
    const workspace = dirs.at(-1)!;
    if (migrate) await (await openStore({ workspace, migrate: true })).close();
    const store = await openStore({ workspace });
    const raw = new Sqlite(join(workspace, 'store.sqlite'));
    for (const p of ['journal_mode = WAL', 'synchronous = FULL', 'foreign_keys = ON', 'busy_timeout = 10000']) raw.pragma(p);
    return {
      db: store.db,
      sizeBytes: async () => dirSize(workspace),
      async close() {
        raw.close();
        await store.close();
      },
      async insertMeasurements(rows) {
        const columns = Object.keys(rows[0]!) as (keyof NewRow<'measurements'>)[];
        const stmt = raw.prepare(`insert into measurements (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`);
        raw.transaction(() => {
          for (const r of rows) stmt.run(columns.map((c) => r[c] ?? null));
        })();
      },
      async snapshot() {
        const q = snapshotQuery(store.db).compile();
        return raw.prepare(q.sql).all(...q.parameters) as Record<string, unknown>[];
      },
    };
  };
  return {
    name: 'sqlite-raw',
    version: base.version,
    async create() {
      dirs.push(mkdtempSync(join(tmpdir(), 'rotguard-bench-sqlite-raw-')));
      return open(true);
    },
    reopen: () => open(false),
    async cleanup() {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}

function pgliteEngine(): Engine {
  const dirs: string[] = [];
  const open = async (migrate: boolean) => {
    const dataDir = dirs.at(-1)!;
    const pgl = await PGlite.create(dataDir);
    const db = new Kysely<Database>({ dialect: pgliteDialect(pgl) });
    if (migrate) {
      const { error } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
      if (error) throw error;
    } else {
      await sql`select count(*) from kysely_migration`.execute(db);
    }
    return { db, close: () => db.destroy(), sizeBytes: async () => dirSize(dataDir) };
  };
  return {
    name: 'pglite',
    async version() {
      const pgl = await PGlite.create();
      const v = (await pgl.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]!.v;
      await pgl.close();
      return `PostgreSQL ${v} (@electric-sql/pglite ${pkgVersion('@electric-sql/pglite')}, on-disk data dir)`;
    },
    async create() {
      dirs.push(mkdtempSync(join(tmpdir(), 'rotguard-bench-pglite-')));
      return open(true);
    },
    reopen: () => open(false),
    async cleanup() {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}

function postgresEngine(adminUrl: string): Engine {
  const databases: string[] = [];
  const workspaces: string[] = [];
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>) => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  const urlOf = (name: string) => {
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const open = async (migrate: boolean) => {
    const name = databases.at(-1)!;
    const store = await openStore({ workspace: workspaces.at(-1)!, databaseUrl: urlOf(name), migrate });
    return fromStore(store, async () => {
      const r = await sql<{ n: number }>`select pg_database_size(current_database()) as n`.execute(store.db);
      return r.rows[0]!.n;
    });
  };
  return {
    name: 'postgres',
    async version() {
      const v = await admin(async (c) => (await c.query('show server_version')).rows[0].server_version as string);
      const host = new URL(adminUrl);
      return `PostgreSQL ${v} server at ${host.hostname}:${host.port || 5432} (pg ${pkgVersion('pg')})`;
    },
    async create() {
      const name = `rotguard_bench_${process.pid}_${databases.length}`;
      await admin((c) => c.query(`create database ${name}`));
      databases.push(name);
      workspaces.push(mkdtempSync(join(tmpdir(), 'rotguard-bench-pg-')));
      return open(true);
    },
    reopen: () => open(false),
    async cleanup() {
      await admin(async (c) => {
        for (const d of databases) await c.query(`drop database if exists ${d} with (force)`);
      });
      for (const w of workspaces) rmSync(w, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- measuring

const now = () => performance.now();
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function insertAll<K extends keyof Database>(db: Kysely<Database>, table: K, rows: NewRow<K>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH)
    await db
      .insertInto(table)
      .values(rows.slice(i, i + BATCH) as never)
      .execute();
}

function snapshotQuery(db: Kysely<Database>) {
  return db
    .selectFrom('measurements as m')
    .innerJoin('compounds as c', 'c.inchikey', 'm.inchikey')
    .select(['m.id', 'm.inchikey', 'c.smiles', 'm.protocol_version', 'm.value', 'm.qualifier', 'm.measured_at', 'm.reported_at'])
    .where('m.endpoint', '=', ENDPOINT)
    .orderBy('m.inchikey')
    .orderBy('m.id');
}

interface EngineResult {
  engine: string;
  version: string;
  createMs: number;
  reopenMs: number;
  insertMs: number;
  insertRowsPerS: number;
  selectMs: number;
  selectRowsPerS: number;
  selectFirstMs: number;
  sizeMiB: number;
}

async function runEngine(engine: Engine, prereq: ReturnType<typeof prerequisites>, rows: NewRow<'measurements'>[]): Promise<EngineResult> {
  const creates: number[] = [],
    reopens: number[] = [],
    inserts: number[] = [],
    selects: number[] = [],
    firsts: number[] = [],
    sizes: number[] = [];
  for (let r = 0; r < REPEAT; r++) {
    let t = now();
    let opened = await engine.create();
    creates.push(now() - t);
    for (const table of Object.keys(prereq) as (keyof Database)[]) await insertAll(opened.db, table, prereq[table] as never);

    t = now();
    if (opened.insertMeasurements) await opened.insertMeasurements(rows);
    else await opened.db.transaction().execute((trx) => insertAll(trx, 'measurements', rows));
    inserts.push(now() - t);
    await opened.close();

    t = now();
    opened = await engine.reopen();
    reopens.push(now() - t);
    for (let s = 0; s < SELECT_REPS; s++) {
      t = now();
      const got = opened.snapshot ? await opened.snapshot() : await snapshotQuery(opened.db).execute();
      const ms = now() - t;
      if (got.length !== ROWS) throw new Error(`${engine.name}: snapshot query returned ${got.length} rows, expected ${ROWS}`);
      if (typeof got[0]!.value !== 'number') throw new Error(`${engine.name}: value came back as ${typeof got[0]!.value}`);
      (s === 0 ? firsts : selects).push(ms);
    }
    sizes.push(await opened.sizeBytes());
    await opened.close();
    process.stderr.write(
      `  ${engine.name} run ${r + 1}/${REPEAT}: insert ${inserts.at(-1)!.toFixed(0)} ms, select ${median(selects.slice(-(SELECT_REPS - 1))).toFixed(0)} ms\n`,
    );
  }
  const insertMs = median(inserts);
  const selectMs = median(selects);
  return {
    engine: engine.name,
    version: await engine.version(),
    createMs: median(creates),
    reopenMs: median(reopens),
    insertMs,
    insertRowsPerS: ((ROWS + OTHER) / insertMs) * 1000,
    selectMs,
    selectRowsPerS: (ROWS / selectMs) * 1000,
    selectFirstMs: median(firsts),
    sizeMiB: median(sizes) / 2 ** 20,
  };
}

async function main(): Promise<void> {
  const engines: Engine[] = [];
  const skipped: string[] = [];
  for (const name of ENGINES) {
    if (name === 'sqlite') engines.push(sqliteEngine());
    else if (name === 'sqlite-raw') engines.push(sqliteRawEngine());
    else if (name === 'pglite') engines.push(pgliteEngine());
    else if (name === 'postgres') {
      if (PG_URL) engines.push(postgresEngine(PG_URL));
      else skipped.push('postgres (set ROTGUARD_TEST_DATABASE_URL to a role with CREATEDB)');
    } else {
      console.error(`bench/store/engines: unknown engine "${name}" (known: sqlite, sqlite-raw, pglite, postgres)`);
      process.exit(1);
    }
  }
  const prereq = prerequisites();
  const rows = measurements();
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
  const command = `node ${process.argv
    .slice(1)
    .map((a) => a.replace(process.cwd() + '/', ''))
    .join(' ')}`;
  process.stderr.write(`bench/store/engines: ${ROWS} + ${OTHER} measurements over ${COMPOUNDS} compounds, ${REPEAT} runs per engine\n`);
  const loadBefore = loadavg()[0]!;
  const results: EngineResult[] = [];
  for (const engine of engines) {
    try {
      results.push(await runEngine(engine, prereq, rows));
    } finally {
      await engine.cleanup();
    }
  }
  const load = { before: +loadBefore.toFixed(2), after: +loadavg()[0]!.toFixed(2) };
  if (args.json) {
    console.log(JSON.stringify({ machine, load, command, rows: ROWS, other: OTHER, compounds: COMPOUNDS, repeat: REPEAT, results, skipped }, null, 2));
    return;
  }
  const f0 = (x: number) => Math.round(x).toLocaleString('en-US');
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}`);
  console.log(`load average (1 min): ${load.before} before, ${load.after} after`);
  console.log(`command: ${command}`);
  console.log(
    `data: insert ${ROWS + OTHER} measurement rows in one transaction (${BATCH}-row INSERTs) over ${COMPOUNDS} compounds; ` +
      `select ${ROWS} rows (one endpoint, join compounds, ordered); median of ${REPEAT} runs (select: of ${REPEAT * (SELECT_REPS - 1)} warm runs)`,
  );
  console.log('');
  console.log('| engine | create+migrate ms | reopen ms | insert ms | insert rows/s | select ms (first) | select rows/s | size MiB |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(
      `| ${r.engine} | ${f0(r.createMs)} | ${f0(r.reopenMs)} | ${f0(r.insertMs)} | ${f0(r.insertRowsPerS)} | ${f0(r.selectMs)} (${f0(r.selectFirstMs)}) | ${f0(r.selectRowsPerS)} | ${r.sizeMiB.toFixed(1)} |`,
    );
  }
  console.log('');
  for (const r of results) console.log(`${r.engine}: ${r.version}`);
  for (const s of skipped) console.log(`skipped: ${s}`);
}

await main();
