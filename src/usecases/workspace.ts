import { existsSync, statSync } from 'node:fs';
import { RotguardError } from '../core/errors.js';
import { importFileBlobs, PostgresBlobStore, type BlobImport } from '../store/postgres-blob-store.js';
import { grantServerRole, type ServerRoleGrant } from '../store/server-role.js';
import { assertMigrated, connectPostgres, initPostgresWorkspace, migrateStore, openStore, type Backend } from '../store/store.js';

/** Use cases that need no context: creating a workspace, and featurizing a file (no store). */

/**
 * Creates (or upgrades) a workspace. Embedded SQLite: the store file, migrated (a single
 * lab's store is its own admin). PostgreSQL: the workspace folder and its event key only;
 * the database is migrated by its administrator (`rotguard admin migrate`), and a database
 * that is behind is reported as store_not_initialised, after the folder was created. Safe
 * to run again.
 */
export async function initWorkspace(o: {
  workspace: string;
  databaseUrl?: string;
  blobDir?: string;
}): Promise<{ workspace: string; backend: Backend; store: string }> {
  if (o.databaseUrl) {
    const { location, pending } = await initPostgresWorkspace({ workspace: o.workspace, databaseUrl: o.databaseUrl });
    if (pending.length)
      throw new RotguardError(
        'store_not_initialised',
        `created the workspace ${o.workspace}, but the PostgreSQL database at ${location} is missing migrations ${pending.join(', ')}; init never migrates PostgreSQL: its administrator runs "rotguard admin migrate" (as the tables' owner), then run init again`,
      );
    return { workspace: o.workspace, backend: 'postgres', store: location };
  }
  const store = await openStore({ workspace: o.workspace, databaseUrl: o.databaseUrl, migrate: true, blobDir: o.blobDir });
  await store.close();
  return { workspace: o.workspace, backend: store.backend, store: store.location };
}

// `rotguard featurize` lives in its own module (it loads no store): see usecases/featurize.ts.
export { featurize } from './featurize.js';

/**
 * `rotguard admin migrate`: applies pending migrations (PostgreSQL: as the tables' owner;
 * the only command that migrates it). `blobs`: a blob folder (a workspace's `blobs/` or a
 * shared ROTGUARD_BLOB_DIR) to copy into the database afterwards, each file checked
 * against its name (PostgreSQL only: SQLite keeps blobs as files).
 */
export async function migrateDatabase(o: {
  workspace?: string;
  databaseUrl?: string;
  blobs?: string;
}): Promise<{ backend: Backend; location: string; applied: string[]; blobs?: BlobImport }> {
  if (o.blobs !== undefined && !o.databaseUrl)
    throw new RotguardError('usage', 'copying blobs into the database (--blobs) is for PostgreSQL; an embedded store keeps its blobs as files', {
      field: 'blobs',
    });
  const migrated = await migrateStore(o);
  if (o.blobs === undefined || !o.databaseUrl) return migrated;
  if (!existsSync(o.blobs) || !statSync(o.blobs).isDirectory())
    throw new RotguardError('file_not_found', `${o.blobs} is not a blob folder`, { file: o.blobs, field: 'blobs' });
  const { db, location } = await connectPostgres(o.databaseUrl);
  try {
    return { ...migrated, blobs: await importFileBlobs(o.blobs, new PostgresBlobStore(db, location)) };
  } finally {
    await db.destroy();
  }
}

/** `rotguard admin server-role NAME`: the DML privileges a server's login role needs, and nothing else (PostgreSQL, run as the tables' owner on a migrated database). */
export async function grantServerPrivileges(o: { databaseUrl?: string; role: string }): Promise<ServerRoleGrant> {
  if (!o.databaseUrl)
    throw new RotguardError(
      'usage',
      'admin server-role is for PostgreSQL: set ROTGUARD_DATABASE_URL to the database, connecting as the role that owns its tables',
    );
  const { db, location } = await connectPostgres(o.databaseUrl);
  try {
    await assertMigrated(db, 'postgres', location);
    return await grantServerRole(db, o.role);
  } finally {
    await db.destroy();
  }
}
