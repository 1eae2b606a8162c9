/**
 * Run a group of tests on every metadata-store backend: embedded SQLite always, and
 * PostgreSQL when ROTGUARD_TEST_DATABASE_URL is set (otherwise that group is reported as
 * skipped, saying how to enable it; .ci/run sets it). The whole API:
 *
 *   import { forEachBackend } from '../store/backends.js';
 *
 *   forEachBackend('snapshots', (b) => {          // one describe() per backend: "snapshots [sqlite]", "snapshots [postgres]"
 *     it('selects by endpoint', async () => {
 *       const store = await b.openFresh();         // empty, migrated store of backend b.backend
 *       …                                          // no need to close it: done after the group
 *     });
 *   });
 *
 * - `b.backend`: 'sqlite' | 'postgres'.
 * - `b.openFresh({ migrate? })`: a Store in a new temporary workspace (its own blobs/) and,
 *   for PostgreSQL, in a newly created database of its own, so tests and concurrent runs
 *   never see each other's rows. Migrated unless `migrate: false` (then an empty database:
 *   openStore throws store_not_initialised).
 * - `b.freshLocation()`: the same new workspace (+ database URL) without opening it, for
 *   tests that call openStore themselves (open twice, reopen after close…).
 *
 * After the group, every store it opened is closed, its workspaces are removed and its
 * PostgreSQL databases dropped. The URL's role needs CREATEDB (the databases are named
 * rotguard_t_<pid>_<n>_<random>).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { after, describe } from 'node:test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, type Backend, type Store } from '../../src/store/store.js';

export const TEST_DATABASE_URL_ENV = 'ROTGUARD_TEST_DATABASE_URL';

export interface StoreLocation {
  workspace: string;
  databaseUrl?: string;
}

export interface TestBackend {
  readonly backend: Backend;
  openFresh(options?: { migrate?: boolean }): Promise<Store>;
  freshLocation(): Promise<StoreLocation>;
}

/** Why PostgreSQL tests are skipped, or false when ROTGUARD_TEST_DATABASE_URL is set. */
export function postgresSkipReason(): string | false {
  return process.env[TEST_DATABASE_URL_ENV]
    ? false
    : `PostgreSQL not tested: set ${TEST_DATABASE_URL_ENV}=postgres://USER:PASSWORD@HOST:PORT/DB (a role with CREATEDB, and CREATEROLE for the row-level security tests; .ci/run starts one)`;
}

export function forEachBackend(title: string, fn: (b: TestBackend) => void): void {
  for (const backend of ['sqlite', 'postgres'] as const) {
    const skip = backend === 'postgres' ? postgresSkipReason() : false;
    describe(`${title} [${backend}]`, { skip }, () => {
      const b = new Backends(backend);
      after(() => b.cleanup());
      fn(b);
    });
  }
}

/** One backend's fresh locations outside forEachBackend (a describe of its own); call cleanup() after. */
export function testBackend(backend: Backend): TestBackend & { cleanup(): Promise<void> } {
  return new Backends(backend);
}

let counter = 0;
const workspaces = new WeakMap<Store, string>();

/** The workspace folder of a store made by openFresh (with PostgreSQL the blobs are in the database, so the folder cannot be read off the blob store). */
export function workspaceOf(store: Store): string {
  const workspace = workspaces.get(store);
  if (!workspace) throw new Error('workspaceOf: not a store made by openFresh');
  return workspace;
}

class Backends implements TestBackend {
  readonly backend: Backend;
  private readonly stores: Store[] = [];
  private readonly workspaces: string[] = [];
  private readonly databases: string[] = [];

  constructor(backend: Backend) {
    this.backend = backend;
  }

  async freshLocation(): Promise<StoreLocation> {
    const workspace = mkdtempSync(join(tmpdir(), 'rotguard-store-test-'));
    this.workspaces.push(workspace);
    if (this.backend === 'sqlite') return { workspace };
    const name = `rotguard_t_${process.pid}_${++counter}_${Math.floor(Math.random() * 1e9).toString(36)}`;
    await withAdmin((c) => c.query(`create database ${name}`));
    this.databases.push(name);
    const url = new URL(adminUrl());
    url.pathname = `/${name}`;
    return { workspace, databaseUrl: url.toString() };
  }

  async openFresh(options: { migrate?: boolean } = {}): Promise<Store> {
    const location = await this.freshLocation();
    const store = await openStore({ ...location, migrate: options.migrate ?? true });
    this.stores.push(store);
    workspaces.set(store, location.workspace);
    return store;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.stores.map((s) => s.close()));
    for (const w of this.workspaces) rmSync(w, { recursive: true, force: true });
    if (this.databases.length) {
      await withAdmin(async (c) => {
        // WITH (FORCE) also ends connections a test left open (PostgreSQL 13+).
        for (const name of this.databases) await dropDatabase(c, name);
      });
    }
  }
}

/**
 * DROP DATABASE … WITH (FORCE), retried a few times: it fails with insufficient_privilege
 * (42501) when an autovacuum worker, which the test role may not terminate, is working on
 * that database at that moment.
 */
async function dropDatabase(c: pg.Client, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await c.query(`drop database if exists ${name} with (force)`);
      return;
    } catch (e) {
      if ((e as { code?: string }).code !== '42501' || attempt === 5) throw e;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

function adminUrl(): string {
  const url = process.env[TEST_DATABASE_URL_ENV];
  if (!url) throw new Error(`${TEST_DATABASE_URL_ENV} is not set`);
  return url;
}

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
