import { featurizeCommand } from './commands/featurize.js';
import type { CommandIO } from './options.js';
import { runCommand } from './run-command.js';

/**
 * `rotguard featurize` without the full command table (bin/rotguard.js picks it): importing
 * every command loads the store, server and model modules, ~0.3–0.6 s of a featurize run's
 * start-up that the batch job never uses. Same behaviour and exit codes as main().
 */
export function featurizeMain(args: string[], io: CommandIO = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }): Promise<number> {
  return runCommand('featurize', args, io, (safe) => featurizeCommand(args, safe));
}
