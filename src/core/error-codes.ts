/**
 * The error catalogue: every code a `RotguardError` may carry, grouped by what went wrong.
 * Each category maps once to a CLI exit code and once to an HTTP status, so the CLI, the
 * library and a server answer the same mistake the same way.
 *
 * Exit codes (the conventions in the README): 0 ok, 1 a user error (bad input, unknown
 * name, a rule refused the action), 2 an internal error (a bug: please report it),
 * 3 a check failed (a release gate, an audit control, a tampered event log or blob).
 */
export const ERROR_CATEGORIES = {
  /** Bad flags or arguments. */
  usage: { exit: 1, http: 400, codes: ['usage', 'not_remote'] },
  /** A file, field or value the user gave is not valid. */
  invalid_input: {
    exit: 1,
    http: 422,
    codes: [
      'bad_aggregation',
      'bad_alias',
      'bad_date',
      'bad_digest',
      'bad_direction',
      'bad_gate',
      'bad_json',
      'bad_level',
      'bad_mapping',
      'bad_model_ref',
      'bad_name',
      'bad_onnx',
      'bad_policy',
      'bad_protocol_ref',
      'bad_range',
      'bad_recipe',
      'bad_scenario',
      'bad_snapshot_ref',
      'bad_split',
      'bad_transform',
      'bad_unit',
      'bad_yaml',
      'empty_file',
      'empty_structure',
      'no_rows',
      'unknown_column',
      'unknown_format',
      'unknown_unit',
      'unit_mismatch',
      'unparsable_structure',
      'standardize_failed',
      'inchi_failed',
      'no_atoms',
      'not_a_file',
      'file_unreadable',
      'invalid_trainer_params',
      'invalid_training_data',
      'too_few_compounds',
      'no_dates',
      'history_mixed_models',
      'history_out_of_order',
      'recipe_model_mismatch',
      'policy_model_mismatch',
      'retrain_needs_window',
      'retrain_window_shrinks',
      'feature_mismatch',
      'onnx_contract',
      'endpoint_mismatch',
      'ambiguous_snapshot',
      'no_evidence',
      'feature_contract_mismatch',
      'missing_columns',
      'no_smiles_column',
      'scenario_too_large',
      // compute governance
      'bad_time_limit',
      'bad_duration',
      'bad_resources',
      'bad_tasks',
      'bad_task',
      'empty_input',
      'bad_budget',
      'bad_compute_settings',
      'bad_gpu_trace',
      'environment_required',
      'bad_image_digest',
      'bad_external_command',
      'unknown_job_kind',
      'ambiguous_job',
      // reliability: structures and files refused before they can hurt, outputs that would overwrite the wrong thing
      'structure_too_large',
      'toolkit_crash',
      'structure_timeout',
      'not_utf8',
      'output_not_regular_file',
      'output_is_input',
      'output_folder_missing',
      'output_format_unsupported',
      'bad_censoring',
      // client mode (ROTGUARD_URL): a server address that is not an http(s) URL
      'bad_server_url',
      // webhooks (issue 14)
      'bad_webhook_url',
      'bad_webhook_kinds',
      'bad_webhook_secret',
    ],
  },
  /** Something named does not exist (yet). */
  not_found: {
    exit: 1,
    http: 404,
    codes: [
      'file_not_found',
      'no_workspace',
      'unknown_job',
      'unknown_route',
      'unknown_principal',
      'unknown_token',
      'blob_missing',
      'unknown_endpoint',
      'unknown_feature_set',
      'unknown_model',
      'unknown_prediction',
      'unknown_protocol',
      'unknown_snapshot',
      'no_alias',
      'no_predictions',
      'no_recipe',
      'no_validation',
      // issue 14 tenancy
      'unknown_role',
      // webhooks (issue 14)
      'unknown_webhook',
      // Dashboard (issue 15)
      'unknown_compound',
    ],
  },
  /** The request contradicts the current state (a standard that exists, a file that changed, a model that is not frozen). */
  conflict: {
    exit: 1,
    http: 409,
    codes: [
      'endpoint_exists',
      'file_changed',
      'not_frozen',
      'store_not_initialised',
      'job_not_open',
      'job_not_cancellable',
      'job_not_runnable',
      'concurrent_change',
      'principal_exists',
      'model_owned_by_other_team',
      'name_taken',
      // webhooks (issue 14): already removed; a workspace without an event key cannot keep a signing secret
      'webhook_removed',
      'no_event_key',
    ],
  },
  /** A governance rule refused the action: a reason is missing, a gate failed, a second person is needed, the model is frozen. */
  refused: {
    exit: 1,
    http: 403,
    codes: [
      'reason_required',
      'override_reason_required',
      'not_a_retrain',
      'approver_is_builder',
      'frozen',
      'gate_failed',
      'no_gate',
      'demo_v1_refused',
      'budget_exceeded',
      'time_limit_too_long',
      // issue 14 tenancy
      'server_role_unsafe',
    ],
  },
  /** Stored data failed a check: a blob whose bytes do not match its hash, a broken lineage, a corrupt artifact. */
  integrity: {
    exit: 3,
    http: 500,
    codes: [
      'blob_malformed',
      'row_malformed',
      'event_malformed',
      'file_malformed',
      'event_key_invalid',
      'alias_not_in_log',
      'blob_hash_invalid',
      'blob_corrupt',
      'broken_lineage',
      'invalid_model_artifact',
      // webhooks (issue 14): a stored signing secret that this workspace's event key does not open
      'webhook_secret_unreadable',
    ],
  },
  /** No valid identity: a server request without a token, or with an unknown, expired or revoked one. */
  unauthenticated: { exit: 1, http: 401, codes: ['unauthenticated', 'token_expired', 'token_revoked'] },
  /** An authenticated identity without the role the action needs in that team. */
  forbidden: { exit: 1, http: 403, codes: ['forbidden', 'team_mismatch', 'no_acting_team'] },
  /** A service the user configured cannot be reached. */
  unavailable: {
    exit: 1,
    http: 503,
    codes: [
      'store_unreachable',
      'slurm_submit_failed',
      'slurm_cancel_failed',
      'disk_full',
      'not_writable',
      'store_busy',
      'server_unreachable',
      'bad_server_response',
    ],
  },
  /** The computation itself failed on valid input (numerics), not the user's mistake. */
  failed: { exit: 1, http: 422, codes: ['training_failed', 'external_command_failed', 'external_output_missing', 'time_limit_reached'] },
} as const satisfies Record<string, { exit: 1 | 2 | 3; http: number; codes: readonly string[] }>;

export type ErrorCategory = keyof typeof ERROR_CATEGORIES;
export type ErrorCode = (typeof ERROR_CATEGORIES)[ErrorCategory]['codes'][number];

const categoryOfCode = new Map<string, ErrorCategory>();
for (const [category, c] of Object.entries(ERROR_CATEGORIES) as Array<[ErrorCategory, { codes: readonly string[] }]>) {
  for (const code of c.codes) {
    if (categoryOfCode.has(code)) throw new Error(`error code ${code} is in two categories`);
    categoryOfCode.set(code, category);
  }
}

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && categoryOfCode.has(code);
}

export function categoryOf(code: ErrorCode): ErrorCategory {
  return categoryOfCode.get(code)!;
}

/** The CLI exit status for an error code. */
export function exitCodeOf(code: ErrorCode): 1 | 2 | 3 {
  return ERROR_CATEGORIES[categoryOf(code)].exit;
}

/** The HTTP status for an error code. */
export function httpStatusOf(code: ErrorCode): number {
  return ERROR_CATEGORIES[categoryOf(code)].http;
}

export function allErrorCodes(): ErrorCode[] {
  return [...categoryOfCode.keys()] as ErrorCode[];
}
