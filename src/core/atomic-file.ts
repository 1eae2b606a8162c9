import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file so that readers see either nothing or the whole thing: data goes to a
 * temporary file beside the target, is fsynced, and only then renamed into place.
 * An aborted or crashed write leaves the target untouched.
 */
export class AtomicFileWriter {
  readonly path: string;
  private readonly tmp: string;
  private fd: number | undefined;
  private buffer: string[] = [];
  private buffered = 0;

  constructor(path: string) {
    this.path = path;
    this.tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
    this.fd = openSync(this.tmp, 'w');
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
    renameSync(this.tmp, this.path);
  }

  abort(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
    rmSync(this.tmp, { force: true });
  }
}

/** RFC 4180 quoting, only when needed. */
export function csvField(value: string | number): string {
  const s = typeof value === 'number' ? (Number.isNaN(value) ? '' : String(value)) : value;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
