import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { checkOutputPath } from './output-path.js';

/** Temporary files of writers still open in this process, removed on SIGINT/SIGTERM. */
const open = new Set<string>();
let handlersInstalled = false;

function installSignalCleanup(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = () => {
      for (const tmp of open) rmSync(tmp, { force: true });
      open.clear();
      // Then die of the signal as we would have without the handler.
      process.off(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/** Removes temporary files a killed writer (SIGKILL, power loss) left beside `path`: those of processes no longer alive. */
export function sweepStaleTemps(path: string): void {
  const dir = dirname(path);
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length).split('.')[0]);
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    rmSync(join(dir, name), { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Writes a file so that readers see either nothing or the whole thing: data goes to a
 * temporary file beside the target, is fsynced, and only then renamed into place.
 * An aborted or crashed write leaves the target untouched; a temporary file is removed
 * on abort, on SIGINT/SIGTERM, and (after SIGKILL) by the next writer of the same target.
 * The target is checked first (`checkOutputPath`): only a regular file that is not one of
 * `inputs` is ever replaced.
 */
export class AtomicFileWriter {
  readonly path: string;
  private readonly tmp: string;
  private fd: number | undefined;
  private buffer: string[] = [];
  private buffered = 0;

  constructor(path: string, o: { inputs?: readonly string[]; field?: string; extensions?: readonly string[] } = {}) {
    checkOutputPath(path, o);
    this.path = path;
    sweepStaleTemps(path);
    installSignalCleanup();
    this.tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
    this.fd = openSync(this.tmp, 'w');
    open.add(this.tmp);
  }

  write(text: string): void {
    this.buffer.push(text);
    this.buffered += text.length;
    if (this.buffered > 1 << 20) this.flush();
  }

  private flush(): void {
    if (this.fd === undefined) throw new Error(`write to closed file ${this.path}`);
    if (this.buffer.length) writeSync(this.fd, this.buffer.join(''));
    this.buffer = [];
    this.buffered = 0;
  }

  commit(): void {
    this.flush();
    fsyncSync(this.fd!);
    closeSync(this.fd!);
    this.fd = undefined;
    // Checked again: something may have been put there while we wrote.
    checkOutputPath(this.path);
    renameSync(this.tmp, this.path);
    open.delete(this.tmp);
  }

  abort(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
    rmSync(this.tmp, { force: true });
    open.delete(this.tmp);
  }
}

/** RFC 4180 quoting, only when needed. */
export function csvField(value: string | number): string {
  const s = typeof value === 'number' ? (Number.isNaN(value) ? '' : String(value)) : value;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The CSV output and rejects files of a command that reads `input`: both checked (a
 * regular file or nothing, not the input, a .csv name) before either is opened, so a
 * refused name leaves no temporary file behind.
 */
export function openCsvOutputs(outPath: string, rejectsPath: string, input: string): { out: AtomicFileWriter; rej: AtomicFileWriter } {
  const out = new AtomicFileWriter(outPath, { inputs: [input], extensions: ['.csv'], field: '--out' });
  try {
    return { out, rej: new AtomicFileWriter(rejectsPath, { inputs: [input, outPath], extensions: ['.csv'], field: '--rejects' }) };
  } catch (e) {
    out.abort();
    throw e;
  }
}
