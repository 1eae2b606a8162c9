import { RotguardError } from '../core/errors.js';

/**
 * Errors from the system or the database that a user causes or can fix (a full disk, a
 * read-only folder, a missing path, two commands writing the same record at once), turned
 * into RotguardErrors so they exit 1 with a message instead of exit 2 with a stack.
 * Anything else stays an internal error.
 */
export function userErrorFromSystem(e: unknown): RotguardError | null {
  if (!(e instanceof Error)) return null;
  const code = String((e as { code?: unknown }).code ?? '');
  const path = (e as { path?: unknown }).path;
  const file = typeof path === 'string' ? path : undefined;
  const message = e.message;
  if (code === 'ENOSPC' || code === 'SQLITE_FULL' || code === 'EDQUOT' || code === '53100' || /database or disk is full|No space left/i.test(message)) {
    return new RotguardError(
      'disk_full',
      `the disk is full (${message.split('\n')[0]}); nothing was recorded by the failed step. Free space and run the command again`,
      { file },
    );
  }
  if (
    code === 'EROFS' ||
    code === 'EACCES' ||
    code === 'EPERM' ||
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_CANTOPEN') ||
    code === '25006'
  ) {
    return new RotguardError(
      'not_writable',
      `cannot write ${file ?? 'the workspace'}: ${message.split('\n')[0]}. Read-only commands (audit, audit verify, trace) work on a read-only workspace`,
      { file },
    );
  }
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') {
    return new RotguardError('file_not_found', `${message.split('\n')[0]}`, { file });
  }
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505') {
    return new RotguardError(
      'concurrent_change',
      `another rotguard command recorded the same thing at the same time (${message.split('\n')[0]}); nothing was recorded by this one. Run it again: it will see the other's result`,
    );
  }
  if (code === 'SQLITE_BUSY' || code === '40001' || code === '40P01' || code === '55P03') {
    return new RotguardError('store_busy', `the store stayed busy with another command (${message.split('\n')[0]}); run the command again`);
  }
  return null;
}

/**
 * Makes text safe to print on a terminal: control characters other than newline and tab
 * (ESC sequences that recolour, move the cursor or retitle the window, a carriage return
 * that overprints a line) are shown as \u{…} escapes instead of being obeyed.
 */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this neutralises
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}
