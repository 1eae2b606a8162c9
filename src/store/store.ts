import Sqlite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { RotguardError } from '../core/errors.js';
import { FileBlobStore, type BlobStore } from './blob-store.js';
import { migrationProvider } from './migrations.js';
import type { Database } from './schema.js';

export type Backend = 'sqlite' | 'postgres';

/**
 * Type parsers for this store's own connections only (never pg's process-wide defaults,
 * which would change every other PostgreSQL client in the process): counts and sums
 * (bigint, oid 20) and numeric (oid 1700, what avg()/sum() of integers return) come back
 * as numbers, as in SQLite. Safe at our sizes; no column is declared numeric.
 */
const NUMERIC_AS_NUMBER = {
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
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Workspace directory (holds store.sqlite and blobs/). */
  workspace: string;
  /** postgres://… to keep metadata in PostgreSQL instead of the embedded SQLite file. */
  databaseUrl?: string;
  /** Apply pending migrations (true for `init`; otherwise a store behind on migrations is an error). */
  migrate?: boolean;
}

export const STORE_FILE = 'store.sqlite';
export const BLOB_DIR = 'blobs';

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const blobs = new FileBlobStore(join(options.workspace, BLOB_DIR));
  let db: Kysely<Database>;
  let backend: Backend;
  let location: string;
  if (options.databaseUrl) {
    backend = 'postgres';
    location = redact(options.databaseUrl);
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: options.databaseUrl, max: 4, types: NUMERIC_AS_NUMBER }) }) });
    try {
      await sql`select 1`.execute(db);
    } catch (e) {
      await db.destroy();
      throw new RotguardError('store_unreachable', `cannot connect to PostgreSQL at ${location}: ${(e as Error).message}`);
    }
  } else {
    backend = 'sqlite';
    mkdirSync(options.workspace, { recursive: true });
    location = join(options.workspace, STORE_FILE);
    const file = new Sqlite(location);
    // WAL + full sync: a killed process never leaves a half-applied transaction, and
    // readers do not block the writer.
    file.pragma('journal_mode = WAL');
    file.pragma('synchronous = FULL');
    file.pragma('foreign_keys = ON');
    file.pragma('busy_timeout = 10000');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: file }) });
  }
  const store: Store = { backend, db, blobs, location, close: () => db.destroy() };
  try {
    await ensureMigrated(store, options.migrate ?? false);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  return store;
}

async function ensureMigrated(store: Store, apply: boolean): Promise<void> {
  const migrator = new Migrator({ db: store.db, provider: migrationProvider });
  const pending = (await migrator.getMigrations()).filter((m) => !m.executedAt);
  if (!pending.length) return;
  if (!apply) {
    throw new RotguardError(
      'store_not_initialised',
      `the store at ${store.location} is missing migrations ${pending.map((m) => m.name).join(', ')}; run "rotguard init"`,
    );
  }
  const { error } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
}

/** Run fn in one transaction: all of it commits, or none of it. */
export function inTransaction<T>(store: Store, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return store.db.transaction().execute(fn);
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}
