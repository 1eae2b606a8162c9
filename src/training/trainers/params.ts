/** Checks for trainer parameters: a wrong value in a recipe is a user error with its name. */
import { RotguardError } from '../../core/errors.js';

export function paramError(trainer: string, name: string, message: string): RotguardError {
  return new RotguardError('invalid_trainer_params', `${trainer}: ${name} ${message}`, { field: name });
}

export function integerParam(trainer: string, name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min)
    throw paramError(trainer, name, `must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  return value;
}

export function positiveParam(trainer: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw paramError(trainer, name, `must be a positive number, got ${JSON.stringify(value)}`);
  return value;
}

/** Refuses keys the trainer does not know: a typo must not silently train with a default. */
export function knownKeys(trainer: string, params: object, known: readonly string[]): void {
  for (const key of Object.keys(params)) {
    if (!known.includes(key)) throw paramError(trainer, key, `is not a parameter (known: ${known.join(', ')})`);
  }
}
