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
// Error codes of compute governance (src/compute, `rotguard jobs|budget`, `build --executor`),
// issue 16. One block, to merge into the typed catalogue. All are user errors (exit 1).
export const COMPUTE_ERROR_CODES = {
  budget_exceeded: "the team's committed spend + this job's reservation reaches 125 % of its monthly budget",
  time_limit_too_long: "the requested time limit is over the workspace's maximum",
  bad_time_limit: 'a time limit that is not positive',
  bad_duration: 'a duration that cannot be read (e.g. --time soon)',
  bad_resources: '--cpus or --gpus that are not integers in range',
  bad_tasks: 'a bulk-scoring task count outside 1–10000',
  bad_task: 'an array task index the job does not have',
  empty_input: 'a file to score with no header line',
  bad_budget: 'a budget with a bad month, amount or team',
  bad_compute_settings: 'compute settings that contradict each other (warn after cancel, max below default, …)',
  bad_gpu_trace: 'a GPU trace file that is not the trace format',
  environment_required: 'an external command without --image-digest or --lockfile',
  bad_image_digest: 'an image digest that is not sha256:<64 hex>',
  bad_external_command: 'an external job without a command, or an ONNX output without its import fields',
  external_command_failed: 'the external command could not start or exited non-zero',
  external_output_missing: 'the external command succeeded but wrote no ONNX file',
  time_limit_reached: 'a local external command ran into its time limit and was stopped (stored in the job result)',
  unknown_job: 'no job with this id (or prefix)',
  ambiguous_job: 'a job id prefix that names several jobs',
  job_not_open: 'cancelling a job that has already ended',
  job_not_cancellable: 'cancelling a local job (it runs in its submitting process)',
  job_not_runnable: '`jobs run` on a job that is not queued or running',
  unknown_job_kind: 'a job kind this rotguard cannot run',
  slurm_submit_failed: 'sbatch refused the job (its message is included)',
  slurm_cancel_failed: 'scancel failed (its message is included)',
} as const;
export type ComputeErrorCode = keyof typeof COMPUTE_ERROR_CODES;
// ------------------------------------------------------------------------------------------
