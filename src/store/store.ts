import Sqlite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import { StoreSqliteDialect } from './sqlite-dialect.js';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { maskUrl } from '../core/mask-url.js';
import { eventLogHead } from './event-log.js';
import { createEventKey, EventKeyPlugin, readEventKey, type EventKey } from './event-key.js';
import pg from 'pg';
import { RotguardError } from '../core/errors.js';
import { FileBlobStore, type BlobStore } from './blob-store.js';
import { migrationProvider } from './migrations.js';
import { PostgresBlobStore } from './postgres-blob-store.js';
import type { Database } from './schema.js';

export type Backend = 'sqlite' | 'postgres';

/**
 * Type parsers for this store's own connections only (never pg's process-wide defaults,
 * which would change every other PostgreSQL client in the process): counts and sums
 * (bigint, oid 20) and numeric (oid 1700, what avg()/sum() of integers return) come back
 * as numbers, as in SQLite. Safe at our sizes; no column is declared numeric.
 */
export const NUMERIC_AS_NUMBER = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 || oid === 1700 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** The metadata store (SQL) and the content-addressed blob store of one workspace. */
export interface Store {
  backend: Backend;
  db: Kysely<Database>;
  blobs: BlobStore;
  /** Where it lives, for messages: a file path or a URL without its password. */
  location: string;
  /** The workspace's event key (signs appended events, verifies them); null when the workspace has none. */
  eventKey: EventKey | null;
  /** Opened read-only: nothing in the workspace or the database is changed. */
  readOnly: boolean;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Workspace directory (holds store.sqlite and blobs/). */
  workspace: string;
  /** postgres://… to keep metadata in PostgreSQL instead of the embedded SQLite file. */
  databaseUrl?: string;
  /** Apply pending migrations (true for `init`; otherwise a store behind on migrations is an error). */
  migrate?: boolean;
  /**
   * Open without changing anything (audit, verify): an auditor's copy on read-only media
   * works. The SQLite file is opened read-only, or, when it has no write-ahead log beside
   * it (a closed copy, where SQLite would need to create one), a private temporary copy
   * of it is; no event key is created.
   */
  readOnly?: boolean;
  /**
   * A folder to keep the blobs in. Default: WORKSPACE/blobs with SQLite; with PostgreSQL,
   * the database's `blobs` table (read falling back to WORKSPACE/blobs for blobs stored
   * as files before migration 0010). Clients of one PostgreSQL database may instead point
   * this at one shared folder.
   */
  blobDir?: string;
}

export const STORE_FILE = 'store.sqlite';
export const BLOB_DIR = 'blobs';

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const readOnly = Boolean(options.readOnly) && !options.migrate;
  if (options.migrate) makePrivateDir(options.workspace);
  const eventKey = readEventKey(options.workspace);
  const plugins = eventKey ? [new EventKeyPlugin(eventKey)] : [];
  const files = new FileBlobStore(options.blobDir ?? join(options.workspace, BLOB_DIR));
  let db: Kysely<Database>;
  let backend: Backend;
  let location: string;
  let cleanup = () => {};
  if (options.databaseUrl) {
    backend = 'postgres';
    location = maskUrl(options.databaseUrl);
    // Read-only sessions: PostgreSQL itself refuses any write.
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: 4,
      types: NUMERIC_AS_NUMBER,
      ...(readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
    });
    // An idle connection that PostgreSQL ends (restart, failover, pg_terminate_backend) is an
    // 'error' on the pool; unhandled, it would end the whole process (a server). The next
    // query reconnects, or fails as that request's error.
    pool.on('error', () => undefined);
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins });
    try {
      await sql`select 1`.execute(db);
    } catch (e) {
      await db.destroy();
      throw new RotguardError('store_unreachable', `cannot connect to PostgreSQL at ${location}: ${maskUrl((e as Error).message)}`);
    }
  } else {
    backend = 'sqlite';
    location = join(options.workspace, STORE_FILE);
    // Never create a store by merely looking (e.g. "models list" in the wrong folder).
    if (!options.migrate && !existsSync(location)) {
      throw new RotguardError('store_not_initialised', `no rotguard store at ${location}; run "rotguard init" (or pass --workspace to an existing workspace)`);
    }
    let file: Sqlite.Database;
    if (readOnly) {
      const opened = openSqliteReadOnly(location);
      file = opened.file;
      cleanup = opened.cleanup;
    } else {
      if (!existsSync(location)) makePrivateDir(options.workspace);
      const fresh = !existsSync(location);
      file = new Sqlite(location);
      // The store holds unpublished assay data: owner only, whatever the umask (the
      // -wal and -shm files SQLite creates take the database file's mode).
      if (fresh) chmodSync(location, 0o600);
      // WAL + full sync: a killed process never leaves a half-applied transaction, and
      // readers do not block the writer.
      file.pragma('journal_mode = WAL');
      file.pragma('synchronous = FULL');
      file.pragma('foreign_keys = ON');
    }
    file.pragma('busy_timeout = 10000');
    // Read-only: plain transactions (BEGIN IMMEDIATE would ask for the write lock).
    db = new Kysely<Database>({ dialect: readOnly ? new SqliteDialect({ database: file }) : new StoreSqliteDialect({ database: file }), plugins });
  }
  // PostgreSQL keeps the blobs beside the metadata unless a folder was named.
  const blobs = backend === 'postgres' && !options.blobDir ? new PostgresBlobStore(db, location, files) : files;
  const store: Store = {
    backend,
    db,
    blobs,
    location,
    eventKey,
    readOnly,
    close: async () => {
      await db.destroy();
      cleanup();
    },
  };
  try {
    await ensureMigrated(store, options.migrate ?? false);
    // A workspace without a key gets one when it is initialised: events from then on are signed.
    if (!eventKey && options.migrate) {
      createEventKey(options.workspace, (await eventLogHead(store.db)).seq);
      await db.destroy();
      return openStore({ ...options, migrate: false });
    }
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}

/** A folder only its owner can enter (0700, whatever the umask). */
function makePrivateDir(dir: string): void {
  if (existsSync(dir)) return;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/**
 * SQLite read-only. A WAL database can be read in place only where its -wal and -shm
 * files exist (a live workspace); otherwise SQLite would have to create them, which a
 * read-only medium refuses, so a private temporary copy is read instead.
 */
function openSqliteReadOnly(location: string): { file: Sqlite.Database; cleanup: () => void } {
  if (existsSync(`${location}-wal`) && existsSync(`${location}-shm`)) {
    try {
      const file = new Sqlite(location, { readonly: true, fileMustExist: true });
      file.prepare('select count(*) from sqlite_master').get();
      return { file, cleanup: () => {} };
    } catch {
      // fall through to the copy
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'rotguard-readonly-'));
  chmodSync(dir, 0o700);
  const copy = join(dir, STORE_FILE);
  copyFileSync(location, copy);
  if (existsSync(`${location}-wal`)) copyFileSync(`${location}-wal`, `${copy}-wal`);
  const file = new Sqlite(copy, { fileMustExist: true });
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The migrations a store has not applied yet, by name. */
export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  return (await migrator.getMigrations()).filter((m) => !m.executedAt).map((m) => m.name);
}

/** Throws store_not_initialised when the store is behind, naming the command that migrates it. */
export async function assertMigrated(db: Kysely<Database>, backend: Backend, location: string): Promise<void> {
  const pending = await pendingMigrations(db);
  if (!pending.length) return;
  // PostgreSQL is migrated only by its administrator (`rotguard admin migrate`); a SQLite workspace by its owner's `init`.
  const command = backend === 'postgres' ? 'rotguard admin migrate' : 'rotguard init';
  throw new RotguardError('store_not_initialised', `the store at ${location} is missing migrations ${pending.join(', ')}; run "${command}"`);
}

async function ensureMigrated(store: Store, apply: boolean): Promise<void> {
  if (!apply) return assertMigrated(store.db, store.backend, store.location);
  const migrator = new Migrator({ db: store.db, provider: migrationProvider });
  if (!(await pendingMigrations(store.db)).length) return;
  const { error } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
}

/** Run fn in one transaction: all of it commits, or none of it. */
export function inTransaction<T>(store: Store, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return store.db.transaction().execute(fn);
}

// ---- issue 14: migrations only through `rotguard admin migrate` on PostgreSQL ----

/**
 * Applies every pending migration and returns their names: `rotguard admin migrate`, the
 * one command that migrates a PostgreSQL database (run it with the tables' owner; it needs
 * no workspace). SQLite: migrates WORKSPACE's store, creating it with its event key, as
 * `init` does.
 */
export async function migrateStore(o: { workspace?: string; databaseUrl?: string }): Promise<{ backend: Backend; location: string; applied: string[] }> {
  if (!o.databaseUrl) {
    if (!o.workspace) throw new RotguardError('usage', 'migrating an embedded store needs its workspace (--workspace DIR)');
    const location = join(o.workspace, STORE_FILE);
    let before: string[] | null = null;
    if (existsSync(location)) {
      const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new Sqlite(location, { fileMustExist: true }) }) });
      try {
        before = await pendingMigrations(db);
      } finally {
        await db.destroy();
      }
    }
    const store = await openStore({ workspace: o.workspace, migrate: true });
    await store.close();
    return { backend: 'sqlite', location, applied: before ?? Object.keys(await migrationProvider.getMigrations()).sort() };
  }
  const { db, location } = await connectPostgres(o.databaseUrl);
  try {
    const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
    if (error) throw error instanceof Error ? error : new Error(String(error));
    return { backend: 'postgres', location, applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
  } finally {
    await db.destroy();
  }
}

/**
 * `rotguard init` with PostgreSQL: creates the workspace folder and its event key, and
 * never migrates the database; returns the migrations it lacks (empty: ready to use).
 */
export async function initPostgresWorkspace(o: { workspace: string; databaseUrl: string }): Promise<{ location: string; pending: string[] }> {
  makePrivateDir(o.workspace);
  const { db, location } = await connectPostgres(o.databaseUrl);
  try {
    const pending = await pendingMigrations(db);
    if (!readEventKey(o.workspace)) createEventKey(o.workspace, await headSeqOfAnyVersion(db, pending));
    return { location, pending };
  } finally {
    await db.destroy();
  }
}

/** The log's head seq on a database at any migration (events signed from the next one). */
async function headSeqOfAnyVersion(db: Kysely<Database>, pending: string[]): Promise<number> {
  if (!pending.length) return (await eventLogHead(db)).seq;
  const { rows } = await sql<{ exists: boolean }>`select to_regclass('events') is not null as exists`.execute(db);
  if (!rows[0]?.exists) return 0;
  const { rows: head } = await sql<{ seq: number | null }>`select max(seq) as seq from events`.execute(db);
  return head[0]?.seq ?? 0;
}

/** A one-connection Kysely on a PostgreSQL URL (administrative commands); store_unreachable when it cannot connect. */
export async function connectPostgres(url: string): Promise<{ db: Kysely<Database>; location: string }> {
  const location = maskUrl(url);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1, types: NUMERIC_AS_NUMBER }) }) });
  try {
    await sql`select 1`.execute(db);
  } catch (e) {
    await db.destroy();
    throw new RotguardError('store_unreachable', `cannot connect to PostgreSQL at ${location}: ${maskUrl((e as Error).message)}`);
  }
  return { db, location };
}
// ---- end issue 14 ----
