import { createHash } from 'node:crypto';

/**
 * The one canonical encoding used for every content hash in rotguard:
 * JSON with object keys sorted, no whitespace, undefined members dropped.
 * Non-finite numbers are refused: they have no JSON form and would make
 * two different values hash alike.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalize(value));
}

function canonicalize(value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`canonicalJson: non-finite number ${value}`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : canonicalize(v)));
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as object).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = canonicalize(v);
    }
    return out;
  }
  throw new Error(`canonicalJson: cannot encode ${typeof value}`);
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 of the canonical JSON encoding of a value. */
export function hashOf(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

/**
 * A copy with every non-finite number (NaN, ±Infinity) replaced by null, for reports
 * that legitimately hold them (an unbounded conformal interval) before canonical JSON.
 */
export function nonFiniteAsNull<T>(value: T): T {
  // The static type is kept: callers' types already say where a number may be missing (null).
  return finiteCopy(value) as T;
}

/** What a JSON round trip would give: typed arrays as arrays, undefined fields dropped (null in arrays), non-finite numbers as null. */
function finiteCopy(v: unknown): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>, finiteCopy);
  if (Array.isArray(v)) return v.map((x) => (x === undefined || typeof x === 'function' ? null : finiteCopy(x)));
  if (v !== null && typeof v === 'object') {
    const json = (v as { toJSON?: unknown }).toJSON;
    if (typeof json === 'function') return finiteCopy(json.call(v));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined && typeof x !== 'function') out[k] = finiteCopy(x);
    return out;
  }
  return v;
}
