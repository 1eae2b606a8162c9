/**
 * Exact number storage for model artifacts. Large arrays (trees, training fingerprints)
 * are base64 of their little-endian bytes: exact, compact and the same bytes on every
 * platform. Small, human-read arrays (ridge coefficients) stay JSON numbers, which also
 * round-trip exactly in JavaScript (shortest round-trip form); only -0 would come back as
 * 0, so it is normalised before a model is built and stored.
 */
import { RotguardError } from '../../core/errors.js';
import type { FeatureShape } from './features.js';

type Kind = 'float64' | 'int32' | 'uint32';
const BYTES: Record<Kind, number> = { float64: 8, int32: 4, uint32: 4 };

function encode(values: ArrayLike<number>, kind: Kind): string {
  const bytes = new Uint8Array(values.length * BYTES[kind]);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) {
    if (kind === 'float64') view.setFloat64(i * 8, values[i]!, true);
    else if (kind === 'int32') view.setInt32(i * 4, values[i]!, true);
    else view.setUint32(i * 4, values[i]!, true);
  }
  return Buffer.from(bytes.buffer, 0, bytes.length).toString('base64');
}

function decodeBytes(text: unknown, kind: Kind, length: number | undefined, field: string): DataView {
  if (typeof text !== 'string') throw artifactError(`${field} must be a base64 string`);
  const buf = Buffer.from(text, 'base64');
  const size = BYTES[kind];
  if (buf.length % size !== 0 || (length !== undefined && buf.length !== length * size)) {
    throw artifactError(`${field} holds ${buf.length} bytes, expected ${length === undefined ? `a multiple of ${size}` : length * size}`);
  }
  return new DataView(buf.buffer, buf.byteOffset, buf.length);
}

export function encodeFloat64(values: ArrayLike<number>): string {
  return encode(values, 'float64');
}
export function encodeInt32(values: ArrayLike<number>): string {
  return encode(values, 'int32');
}
export function encodeUint32(values: ArrayLike<number>): string {
  return encode(values, 'uint32');
}

export function decodeFloat64(text: unknown, field: string, length?: number): Float64Array {
  const view = decodeBytes(text, 'float64', length, field);
  const out = new Float64Array(view.byteLength / 8);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}
export function decodeInt32(text: unknown, field: string, length?: number): Int32Array {
  const view = decodeBytes(text, 'int32', length, field);
  const out = new Int32Array(view.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt32(i * 4, true);
  return out;
}
export function decodeUint32(text: unknown, field: string, length?: number): Uint32Array {
  const view = decodeBytes(text, 'uint32', length, field);
  const out = new Uint32Array(view.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getUint32(i * 4, true);
  return out;
}

/** -0 → 0 (JSON cannot carry it); refuses NaN and ±Infinity (JSON cannot carry them either). */
export function storable(v: number): number {
  if (!Number.isFinite(v)) throw new Error(`model parameter is not finite: ${v}`);
  return v + 0;
}

/** A JSON array of finite numbers, as stored. */
export function toNumbers(values: ArrayLike<number>): number[] {
  return Array.from(values, storable);
}

export function fromNumbers(value: unknown, field: string, length?: number): Float64Array {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isFinite(v)))
    throw artifactError(`${field} must be an array of finite numbers`);
  if (length !== undefined && value.length !== length) throw artifactError(`${field} has ${value.length} numbers, expected ${length}`);
  return Float64Array.from(value as number[]);
}

/**
 * The feature blocks a stored model declares (`fingerprintWords`, `descriptorColumns`: a
 * positive width, or null when the block is unused) and their total feature count.
 */
export function storedFeatureShape(a: Record<string, unknown>): { shape: FeatureShape; features: number } {
  const width = (v: unknown, field: string) => {
    if (v === null) return null;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw artifactError(`${field} must be a positive integer or null`);
    return v;
  };
  const shape: FeatureShape = {
    fingerprintWords: width(a.fingerprintWords, 'fingerprintWords'),
    descriptorColumns: width(a.descriptorColumns, 'descriptorColumns'),
  };
  return { shape, features: (shape.fingerprintWords ?? 0) * 32 + (shape.descriptorColumns ?? 0) };
}

export function artifactError(message: string): RotguardError {
  return new RotguardError('invalid_model_artifact', `model artifact: ${message}`);
}
