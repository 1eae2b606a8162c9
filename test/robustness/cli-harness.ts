import { main } from '../../src/cli/main.js';

/** One CLI run in this process, with its exit code and what it printed. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `rotguard ARGS` in process (the suites run dozens of commands; a process each would
 * cost seconds), with environment overrides restored afterwards.
 */
export async function rotguard(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  let stdout = '';
  let stderr = '';
  try {
    const code = await main(args, { out: (t) => void (stdout += t), err: (t) => void (stderr += t) });
    return { code, stdout, stderr };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** A run that ended as a user error: exit 1, no stack, and (when given) the error code in --json output or the message. */
export function isCleanUserError(r: CliRun, pattern?: RegExp): boolean {
  return r.code === 1 && !/internal error|\n\s+at /.test(r.stderr) && (!pattern || pattern.test(r.stderr + r.stdout));
}
