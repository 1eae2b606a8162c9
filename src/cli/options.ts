import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../core/errors.js';

/** Where a command writes: stdout for results (and --json), stderr for people. */
export interface CommandIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** The environment the command reads (ROTGUARD_URL, ROTGUARD_TOKEN, …); process.env when absent. */
  env?: NodeJS.ProcessEnv;
}

export function integerOption(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got "${raw}"`);
  return n;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Every store-backed command takes --workspace, --json and --help. */
const COMMON: Options = {
  workspace: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

export function parseCommand(args: string[], options: Options = {}) {
  return parseArgs({ args, options: { ...COMMON, ...options }, allowPositionals: true });
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** A list: JSON on stdout for scripts, else one line per item, or `empty` when there is none. */
export function emitList<T>(io: CommandIO, json: boolean, items: readonly T[], line: (item: T) => string, empty: string): void {
  emit(io, json, items, items.length ? items.map(line).join('\n') : empty);
}

/** JSON on stdout for scripts, or the human text. */
export function emit(io: CommandIO, json: boolean, value: unknown, human: string): void {
  if (json) io.out(JSON.stringify(value, null, 2) + '\n');
  else io.out(human.endsWith('\n') ? human : human + '\n');
}
