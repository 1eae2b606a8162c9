/**
 * Errors a user can cause. Each carries a stable code (for scripts and tests),
 * a message that says what to do, and where the problem is (file, line, field).
 * Programming errors are thrown as plain Errors and exit with status 2.
 */
export interface ErrorLocation {
  file?: string;
  line?: number;
  field?: string;
}

export class RotguardError extends Error {
  readonly code: string;
  readonly location: ErrorLocation;

  constructor(code: string, message: string, location: ErrorLocation = {}) {
    super(message);
    this.name = 'RotguardError';
    this.code = code;
    this.location = location;
  }

  /** "file:line: field: message", skipping the parts we do not know. */
  describe(): string {
    const where = [this.location.file, this.location.line].filter((p) => p !== undefined).join(':');
    const field = this.location.field ? `${this.location.field}: ` : '';
    return `${where ? where + ': ' : ''}${field}${this.message}`;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...this.location };
  }
}

/** A structure RDKit could not read or standardize. */
export class MoleculeError extends RotguardError {
  readonly input: string;
  constructor(code: string, input: string, reason: string, location: ErrorLocation = {}) {
    super(code, `${reason} (input: ${JSON.stringify(input.length > 200 ? input.slice(0, 200) + '…' : input)})`, location);
    this.name = 'MoleculeError';
    this.input = input;
  }
}

/** A bad input file: missing, empty, wrong columns. */
export class InputFileError extends RotguardError {
  constructor(code: string, message: string, location: ErrorLocation = {}) {
    super(code, message, location);
    this.name = 'InputFileError';
  }
}

/** A bad command-line invocation. */
export class UsageError extends RotguardError {
  constructor(message: string) {
    super('usage', message);
    this.name = 'UsageError';
  }
}

// ------------------------------------------------------------------------------------------
// Error codes added for reliability and security (issue 13). One block, so the typed error
// catalogue can take them over in one move. Each is raised as a RotguardError (exit 1)
// unless noted; row-level codes reject one row and the command goes on.
// ------------------------------------------------------------------------------------------
export const RELIABILITY_ERROR_CODES = {
  /** Row: a structure over the size limits (characters, atoms, branch depth), refused before RDKit. */
  structure_too_large: 'chem/structure-limits.ts',
  /** Row: RDKit crashed on this structure (its worker was replaced). */
  toolkit_crash: 'chem/chem-pool.ts',
  /** Row: the structure exceeded the per-structure time limit (its worker was stopped). */
  structure_timeout: 'chem/chem-pool.ts',
  /** An output path that is a device, FIFO, socket, folder or symbolic link. */
  output_not_regular_file: 'core/output-path.ts',
  /** An output path that is one of the command's inputs. */
  output_is_input: 'core/output-path.ts',
  /** An output path whose folder does not exist. */
  output_folder_missing: 'core/output-path.ts',
  /** An output name whose extension promises a format the command does not write. */
  output_format_unsupported: 'core/output-path.ts',
  /** An input file that is not UTF-8 (e.g. Latin-1), with its line. */
  not_utf8: 'data/utf8-text.ts',
  /** The workspace's event key file is unreadable or malformed. */
  event_key_invalid: 'store/event-key.ts',
  /** An alias (champion, challenger) that the event log does not vouch for. */
  alias_not_in_log: 'registry/alias-check.ts',
  /** The disk filled up; nothing was recorded by the failed step. */
  disk_full: 'cli/system-errors.ts',
  /** The workspace or store cannot be written (read-only medium, permissions). */
  not_writable: 'cli/system-errors.ts',
  /** Another command recorded the same thing at the same moment (unique key). */
  concurrent_change: 'cli/system-errors.ts',
  /** The store stayed locked by another command past the busy timeout. */
  store_busy: 'cli/system-errors.ts',
} as const;
