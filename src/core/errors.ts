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
