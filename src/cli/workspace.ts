import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { RotguardError } from '../core/errors.js';
import { openStore, type Store } from '../store/store.js';
import { createContext, localActor, type Context } from '../usecases/context.js';

export const WORKSPACE_DIR = '.rotguard';

/**
 * The workspace holds the embedded store, the blobs and quarantine reports. It is
 * --workspace DIR, else $ROTGUARD_WORKSPACE, else the nearest .rotguard folder from the
 * current directory upwards (like git). Metadata goes to PostgreSQL when
 * $ROTGUARD_DATABASE_URL is set; blobs stay in the workspace.
 */
export function findWorkspace(explicit?: string): string {
  if (explicit) return resolve(explicit);
  if (process.env.ROTGUARD_WORKSPACE) return resolve(process.env.ROTGUARD_WORKSPACE);
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

export async function openWorkspace(explicit?: string): Promise<{ workspace: string; store: Store }> {
  const workspace = findWorkspace(explicit);
  if (!existsSync(workspace)) throw new RotguardError('no_workspace', `workspace ${workspace} does not exist; run "rotguard init"`);
  const store = await openStore({ workspace, databaseUrl: databaseUrl() });
  return { workspace, store };
}

export function databaseUrl(): string | undefined {
  const url = process.env.ROTGUARD_DATABASE_URL?.trim();
  return url ? url : undefined;
}

/** Open the workspace store, run fn, always close. */
export async function withStore<T>(explicit: string | undefined, fn: (store: Store, workspace: string) => Promise<T>): Promise<T> {
  const { workspace, store } = await openWorkspace(explicit);
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
export async function withContext<T>(explicit: string | undefined, fn: (ctx: Context) => Promise<T>): Promise<T> {
  return withStore(explicit, (store, workspace) => fn(createContext(store, { actor: localActor(), workspace })));
}
