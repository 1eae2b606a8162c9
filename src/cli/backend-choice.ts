import { RotguardError } from '../core/errors.js';
import type { Backend } from './backend.js';
import { localBackend } from './local-backend.js';
import type { CommandIO } from './options.js';
import { isClientMode, remoteConfig } from './remote/config.js';
import { ApiClient } from './remote/http-client.js';
import { remoteBackend } from './remote/remote-backend.js';
import { createContext, localActor } from '../usecases/context.js';
import { withStore } from './workspace.js';

/**
 * The one place a command's backend is chosen: a server when ROTGUARD_URL is set (client
 * mode, acting as the identity of ROTGUARD_TOKEN), else the local workspace (--workspace,
 * ROTGUARD_WORKSPACE or the nearest .rotguard, acting as ROTGUARD_USER or the OS user).
 */
export async function withBackend<T>(io: CommandIO, workspace: string | undefined, fn: (b: Backend) => Promise<T>, o: { readOnly?: boolean } = {}): Promise<T> {
  const env = io.env ?? process.env;
  if (!isClientMode(env)) {
    return withStore(workspace, (store, folder) => fn(localBackend(createContext(store, { actor: localActor(env), workspace: folder }))), o);
  }
  if (workspace !== undefined) {
    throw new RotguardError(
      'usage',
      `--workspace ${workspace} names a local workspace, but ROTGUARD_URL is set (client mode): drop --workspace to act on the server, or unset ROTGUARD_URL to use the workspace`,
      { field: '--workspace' },
    );
  }
  const config = remoteConfig(env);
  // Who acts is the token's identity; a self-declared name must not look as if it counted.
  if (env.ROTGUARD_USER?.trim()) io.err(`note: ROTGUARD_USER is ignored in client mode; ${config.url} records the identity of ROTGUARD_TOKEN\n`);
  return fn(remoteBackend(new ApiClient(config)));
}
