import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { RotguardError } from '../core/errors.js';
import { createContext, localActor, type Context } from '../usecases/context.js';
import { maskUrl } from '../core/mask-url.js';
import { BLOB_DIR, openStore, STORE_FILE, type Store } from '../store/store.js';
import { EVENT_KEY_FILE } from '../store/event-key.js';

export const WORKSPACE_DIR = '.rotguard';

/**
 * The workspace holds the embedded store, the blobs and quarantine reports. It is
 * --workspace DIR, else $ROTGUARD_WORKSPACE, else the nearest .rotguard folder from the
 * current directory upwards (like git). Metadata goes to PostgreSQL when
 * $ROTGUARD_DATABASE_URL is set; blobs stay in the workspace.
 *
 * DIR means the same on every command, `init` included: the project folder that holds
 * `.rotguard` (what `rotguard init DIR` creates), or the `.rotguard` folder itself.
 */
export function findWorkspace(explicit?: string): string {
  const given = explicit ?? (process.env.ROTGUARD_WORKSPACE || undefined);
  if (given) return resolveWorkspaceDir(given, explicit ? '--workspace' : 'ROTGUARD_WORKSPACE');
  let dir = process.cwd();
  for (;;) {
    const candidate = join(dir, WORKSPACE_DIR);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new RotguardError('no_workspace', `no ${WORKSPACE_DIR} workspace here or in any parent folder; run "rotguard init" first (or pass --workspace DIR)`);
}

/** DIR → DIR/.rotguard, or DIR itself when it is a workspace folder. Refuses anything else. */
export function resolveWorkspaceDir(given: string, field: string): string {
  const dir = resolve(given);
  if (!existsSync(dir)) throw new RotguardError('no_workspace', `${given} does not exist; run "rotguard init ${given}" to create a workspace there`, { field });
  if (!statSync(dir).isDirectory())
    throw new RotguardError('no_workspace', `${given} is not a folder; pass the folder that holds ${WORKSPACE_DIR} (or the ${WORKSPACE_DIR} folder itself)`, {
      field,
    });
  if (isWorkspaceFolder(dir)) return dir;
  const inner = join(dir, WORKSPACE_DIR);
  if (existsSync(inner)) return inner;
  throw new RotguardError('no_workspace', `${given} holds no ${WORKSPACE_DIR} workspace; run "rotguard init ${given}" first`, { field });
}

/** The folder `init` creates for DIR (DIR/.rotguard, or DIR when it is already named .rotguard or is a workspace). */
export function workspaceToCreate(given: string): string {
  const dir = resolve(given);
  if (basename(dir) === WORKSPACE_DIR || (existsSync(dir) && isWorkspaceFolder(dir))) return dir;
  return join(dir, WORKSPACE_DIR);
}

function isWorkspaceFolder(dir: string): boolean {
  return basename(dir) === WORKSPACE_DIR || [STORE_FILE, BLOB_DIR, EVENT_KEY_FILE].some((f) => existsSync(join(dir, f)));
}

export async function openWorkspace(explicit?: string, o: { readOnly?: boolean } = {}): Promise<{ workspace: string; store: Store }> {
  const workspace = findWorkspace(explicit);
  if (!existsSync(workspace)) throw new RotguardError('no_workspace', `workspace ${workspace} does not exist; run "rotguard init"`);
  const store = await openStore({ workspace, databaseUrl: databaseUrl(), readOnly: o.readOnly, blobDir: blobDir() });
  return { workspace, store };
}

/** $ROTGUARD_BLOB_DIR: a blob folder shared by the clients of one PostgreSQL database (default: WORKSPACE/blobs). */
export function blobDir(): string | undefined {
  const dir = process.env.ROTGUARD_BLOB_DIR?.trim();
  return dir ? resolve(dir) : undefined;
}

export function databaseUrl(): string | undefined {
  const url = process.env.ROTGUARD_DATABASE_URL?.trim();
  return url ? url : undefined;
}

/** The database URL as it may be printed. */
export function printableDatabaseUrl(): string | undefined {
  const url = databaseUrl();
  return url === undefined ? undefined : maskUrl(url);
}

/** Open the workspace store, run fn, always close. */
export async function withStore<T>(
  explicit: string | undefined,
  fn: (store: Store, workspace: string) => Promise<T>,
  o: { readOnly?: boolean } = {},
): Promise<T> {
  const { workspace, store } = await openWorkspace(explicit, o);
  try {
    return await fn(store, workspace);
  } finally {
    await store.close();
  }
}

/**
 * Open the workspace store and run fn with a use-case context for a local, single-user
 * workspace: the acting user is ROTGUARD_USER or the OS user, the clock is the wall clock.
 */
export async function withContext<T>(explicit: string | undefined, fn: (ctx: Context) => Promise<T>, o: { readOnly?: boolean } = {}): Promise<T> {
  return withStore(explicit, (store, workspace) => fn(createContext(store, { actor: localActor(), workspace })), o);
}
