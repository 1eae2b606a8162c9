/**
 * Team-scoped stores for a multi-team server (`rotguard serve`):
 *
 *   const tenants = await openTenantStores({ workspace, databaseUrl });   // once, at start
 *   const store = tenants.forTeam(request.actingTeam);                     // per request
 *   …use cases with createContext(store, { actor, team })…
 *   await tenants.close();                                                 // at shutdown
 *
 * PostgreSQL: ONE connection pool for all teams. Each team's Store has its own Kysely whose
 * pool view runs `select set_config('rotguard.team', TEAM, false)` on every connection it
 * takes from the shared pool, before any statement of the request, so row-level security
 * (store/row-security.ts) shows that connection only its team's rows and those of teams
 * that granted it read access, and lets it write only its own. Connect with the server
 * role (`rotguard admin server-role`), never the tables' owner: the owner unscoped sees
 * everything. Blobs are shared (content addressed) and come from one blob store.
 *
 * SQLite (a single-lab workspace): `forTeam` returns the one store; scoping is the
 * application's (the server filters by visible teams on both backends).
 *
 * A team's Store is not closed on its own (its close() does nothing): `close()` ends them all.
 */
import { Kysely, PostgresDialect, sql, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import { RotguardError } from '../core/errors.js';
import { maskUrl } from '../core/mask-url.js';
import { FileBlobStore, type BlobStore } from './blob-store.js';
import { EventKeyPlugin, readEventKey } from './event-key.js';
import { PostgresBlobStore } from './postgres-blob-store.js';
import { TEAM_SETTING } from './row-security.js';
import type { Database } from './schema.js';
import { assertMigrated, BLOB_DIR, NUMERIC_AS_NUMBER, openStore, type Backend, type Store } from './store.js';
import { join } from 'node:path';

export interface TenantStoresOptions {
  /** The workspace folder: the event key (and, for SQLite, the store file and blobs). */
  workspace: string;
  /** postgres://… as the server role; omitted: the workspace's embedded SQLite store. */
  databaseUrl?: string;
  /** A blob folder instead of the database's blobs table (see OpenStoreOptions.blobDir). */
  blobDir?: string;
  /** Connections in the shared pool (PostgreSQL; default 10). */
  maxConnections?: number;
}

export interface TenantStores {
  backend: Backend;
  /**
   * No team set: on PostgreSQL it sees no team-owned row, only the shared tables (standards,
   * identity, grants, blobs) and shared-standard events. For authentication and the like.
   */
  base: Store;
  /** The store a request acting for `team` uses (cached per team; a non-empty name). */
  forTeam(team: string): Store;
  /** Ends every team's store and the shared pool. */
  close(): Promise<void>;
}

export async function openTenantStores(options: TenantStoresOptions): Promise<TenantStores> {
  if (!options.databaseUrl) {
    const store = await openStore({ workspace: options.workspace, blobDir: options.blobDir });
    const shared: Store = { ...store, close: async () => {} };
    return { backend: 'sqlite', base: shared, forTeam: (team) => (checkTeam(team), shared), close: () => store.close() };
  }
  const location = maskUrl(options.databaseUrl);
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.maxConnections ?? 10, types: NUMERIC_AS_NUMBER });
  const eventKey = readEventKey(options.workspace);
  const plugins = eventKey ? [new EventKeyPlugin(eventKey)] : [];
  // Unscoped: sees no team-owned row (the server role has no policy without a team), only
  // the migrations and the shared tables, blobs included.
  const base = new Kysely<Database>({ dialect: new PostgresDialect({ pool: poolView(pool, null) }), plugins });
  try {
    await sql`select 1`.execute(base);
  } catch (e) {
    await pool.end();
    throw new RotguardError('store_unreachable', `cannot connect to PostgreSQL at ${location}: ${maskUrl((e as Error).message)}`);
  }
  try {
    await assertMigrated(base, 'postgres', location);
  } catch (e) {
    await pool.end();
    throw e;
  }
  const blobs: BlobStore = options.blobDir
    ? new FileBlobStore(options.blobDir)
    : new PostgresBlobStore(base, location, new FileBlobStore(join(options.workspace, BLOB_DIR)));
  const stores = new Map<string, Store>();
  return {
    backend: 'postgres',
    base: { backend: 'postgres', db: base, blobs, location, eventKey, readOnly: false, close: async () => {} },
    forTeam(team) {
      checkTeam(team);
      let store = stores.get(team);
      if (!store) {
        const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: poolView(pool, team) }), plugins });
        store = { backend: 'postgres', db, blobs, location, eventKey, readOnly: false, close: async () => {} };
        stores.set(team, store);
      }
      return store;
    },
    close: () => pool.end(),
  };
}

function checkTeam(team: string): void {
  if (typeof team !== 'string' || !team.trim()) throw new RotguardError('bad_name', 'a team-scoped store needs a team name', { field: 'team' });
}

/**
 * The shared pool as one team's Kysely sees it: every connection handed out has had
 * rotguard.team set for this session (null: set to '' — no team), whatever team used it
 * before; ending it does nothing (the pool is ended once, by TenantStores.close).
 */
function poolView(pool: pg.Pool, team: string | null): PostgresPool {
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      try {
        await client.query(`select set_config('${TEAM_SETTING}', $1, false)`, [team ?? '']);
      } catch (e) {
        client.release(true);
        throw e;
      }
      return client;
    },
    end: async () => {},
  };
}
