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
