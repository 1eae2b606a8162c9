import { RotguardError } from '../core/errors.js';
import { maskUrl } from '../core/mask-url.js';
import type { CommandIO } from './options.js';
import { printable, userErrorFromSystem } from './system-errors.js';

/**
 * Runs one command with the CLI's output safety and error mapping: human text made safe for a
 * terminal (no escape sequences from stored reasons or input files), no database password ever
 * printed, and errors turned into exit codes (1 a user error, 3 a failed integrity check, from
 * the error catalogue; 2 an internal error). With --json, errors are printed as JSON on stdout
 * too, so scripts always get JSON. Shared by main() and the light featurize entry.
 */
export async function runCommand(name: string, args: string[], io: CommandIO, run: (safe: CommandIO) => Promise<number>): Promise<number> {
  const env = io.env ?? process.env;
  const json = args.includes('--json');
  const safe: CommandIO = { out: (t) => io.out(maskUrl(json ? t : printable(t))), err: (t) => io.err(printable(maskUrl(t))), env };
  try {
    return await run(safe);
  } catch (e) {
    const user = e instanceof RotguardError ? e : isParseArgsError(e) ? new RotguardError('usage', (e as Error).message) : userErrorFromSystem(e);
    if (user) {
      if (json) safe.out(JSON.stringify({ error: user.toJSON() }, null, 2) + '\n');
      safe.err(`rotguard ${name}: ${user.describe()}\n`);
      return user.exitCode;
    }
    safe.err(`rotguard ${name}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 2;
  }
}

function isParseArgsError(e: unknown): boolean {
  return (
    e instanceof TypeError && typeof (e as { code?: unknown }).code === 'string' && String((e as unknown as { code: string }).code).startsWith('ERR_PARSE_ARGS')
  );
}
