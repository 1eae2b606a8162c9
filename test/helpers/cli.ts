/**
 * The rotguard CLI as a user runs it: `node bin/rotguard.js …` in its own process, in a
 * folder of the test's choosing. The CLI tests check exit codes, stdout, stderr and --json
 * through this one runner.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run from dist/test/<folder>/). */
export const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const BIN = join(REPO, 'bin/rotguard.js');

/** No workspace or database from the caller's environment: the folder alone decides. */
export const NO_AMBIENT_WORKSPACE = { ROTGUARD_WORKSPACE: '', ROTGUARD_DATABASE_URL: '' } as const;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for --json commands). */
  json: () => ReturnType<typeof JSON.parse>;
}

/** Runs `rotguard …args` in `cwd`, with `env` laid over this process's environment. */
export function runCli(cwd: string, env: Readonly<Record<string, string>>, args: readonly string[], maxBuffer?: number): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    ...(maxBuffer ? { maxBuffer } : {}),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
}
