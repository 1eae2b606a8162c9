/**
 * Errors a user can cause. Each carries a stable code (for scripts and tests),
 * a message that says what to do, and where the problem is (file, line, field).
 * Programming errors are thrown as plain Errors and exit with status 2.
 */
import { categoryOf, exitCodeOf, httpStatusOf, type ErrorCode } from './error-codes.js';

export type { ErrorCode } from './error-codes.js';

export interface ErrorLocation {
  file?: string;
  line?: number;
  field?: string;
}

export class RotguardError extends Error {
  readonly code: ErrorCode;
  readonly location: ErrorLocation;

  constructor(code: ErrorCode, message: string, location: ErrorLocation = {}) {
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

  /** What the CLI exits with for this error (see error-codes.ts). */
  get exitCode(): 1 | 2 | 3 {
    return exitCodeOf(this.code);
  }

  /** What a server answers with for this error. */
  get httpStatus(): number {
    return httpStatusOf(this.code);
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, category: categoryOf(this.code), message: this.message, ...this.location };
  }
}

/** A structure RDKit could not read or standardize. */
export class MoleculeError extends RotguardError {
  readonly input: string;
  constructor(code: ErrorCode, input: string, reason: string, location: ErrorLocation = {}) {
    super(code, `${reason} (input: ${JSON.stringify(input.length > 200 ? input.slice(0, 200) + '…' : input)})`, location);
    this.name = 'MoleculeError';
    this.input = input;
  }
}

/** A bad input file: missing, empty, wrong columns. */
export class InputFileError extends RotguardError {
  constructor(code: ErrorCode, message: string, location: ErrorLocation = {}) {
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

// ---------------------------------------------------------------- stored data that does not decode
// Error codes added by issue 10 item 2 (typed contracts), kept together for the error catalogue:
//   blob_malformed   a blob (report, training set, snapshot, monitoring run, …) is not the shape its kind requires
//   row_malformed    a JSON column of a stored row (lineage, feature contract, recipe, definition…) is not its shape
//   event_malformed  an event's payload is not the shape its kind requires
//   file_malformed   a JSON file rotguard reads itself (its package.json) or JSON a library returned is not its shape
export type StoredDataErrorCode = 'blob_malformed' | 'row_malformed' | 'event_malformed' | 'file_malformed';

/** What was being decoded: a blob by hash, a row's JSON column, an event, a file. */
export interface StoredSource {
  kind: 'blob' | 'row' | 'event' | 'file';
  /** What it should be, in words: "validation report", "lineage of sol-rf@2", "decision event". */
  what: string;
  /** The blob hash, row id, event seq or file path. */
  id: string;
}

const STORED_CODES: Record<StoredSource['kind'], StoredDataErrorCode> = {
  blob: 'blob_malformed',
  row: 'row_malformed',
  event: 'event_malformed',
  file: 'file_malformed',
};

/**
 * Stored data that does not decode: a corrupt or foreign blob, a row written by another
 * tool, an event payload of another shape. The message names the blob hash (or row,
 * event, file) and the first bad field, so it can be found and inspected.
 */
export class StoredDataError extends RotguardError {
  readonly source: StoredSource;
  constructor(source: StoredSource, problem: string, field?: string) {
    const label =
      source.kind === 'blob'
        ? `${source.what} blob ${source.id}`
        : source.kind === 'event'
          ? `${source.what} event ${source.id}`
          : source.kind === 'row'
            ? `${source.what} (${source.id})`
            : `${source.what} ${source.id}`;
    super(STORED_CODES[source.kind], `${label} ${problem}`, { ...(source.kind === 'file' ? { file: source.id } : {}), ...(field ? { field } : {}) });
    this.name = 'StoredDataError';
    this.source = source;
  }
}
