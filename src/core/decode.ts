/**
 * Decoders: the one way stored JSON (blobs, JSON columns, event payloads) becomes a typed
 * value. A decoder checks the shape and returns the value typed, or throws a
 * `StoredDataError` that names what was being read (e.g. "validation report blob 3fa2…")
 * and the path of the first bad field. No `JSON.parse(...) as T`: a cast would let a
 * malformed or foreign blob travel on and fail later, far from its cause.
 *
 *   const decodeTrainingSet = d.object({ inchikeys: d.array(d.string), fingerprintWords: d.integer, … });
 *   const t = decodeJson(bytes, decodeTrainingSet, { kind: 'blob', what: 'training set', id: hash });
 *
 * `d.object` checks the listed fields and keeps any others as stored (older or newer
 * writers may add fields; readers see only what they declared).
 */
import { StoredDataError, type StoredSource } from './errors.js';

/** Checks a JSON value and returns it typed; throws ShapeError at the first mismatch. */
export type Decoder<T> = (value: unknown, path: string) => T;

/** A shape mismatch at a path inside one value; decodeJson turns it into a StoredDataError naming the source. */
export class ShapeError extends Error {
  constructor(readonly path: string, readonly expected: string, readonly got: unknown) {
    super(`${path || '(top)'}: expected ${expected}, got ${describeValue(got)}`);
    this.name = 'ShapeError';
  }
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  const text = JSON.stringify(v);
  return `${typeof v} ${text.length > 40 ? text.slice(0, 40) + '…' : text}`;
}

const at = (path: string, key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key);

type Fields = Record<string, Decoder<unknown>>;
/** Optional fields are those whose decoder accepts undefined. */
type OptionalKeys<F extends Fields> = { [K in keyof F]: undefined extends ReturnType<F[K]> ? K : never }[keyof F];
type Decoded<F extends Fields> = { [K in Exclude<keyof F, OptionalKeys<F>>]: ReturnType<F[K]> } & { [K in OptionalKeys<F>]?: ReturnType<F[K]> };
type Flat<T> = { [K in keyof T]: T[K] } & {};

export const d = {
  unknown: ((v: unknown) => v) as Decoder<unknown>,

  string: ((v, path) => {
    if (typeof v !== 'string') throw new ShapeError(path, 'a string', v);
    return v;
  }) as Decoder<string>,

  /** A 64-hex sha256 (blob hashes, build hashes, feature hashes). */
  sha256: ((v, path) => {
    if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) throw new ShapeError(path, 'a sha256 (64 lowercase hex)', v);
    return v;
  }) as Decoder<string>,

  number: ((v, path) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ShapeError(path, 'a number', v);
    return v;
  }) as Decoder<number>,

  /**
   * A number in a report written through nonFiniteAsNull: JSON has no NaN or Infinity, so
   * an undefined metric (NaN) or an unbounded interval (Infinity) was stored as null. The
   * in-memory type says number; readers of those fields already treat null as "not measured".
   */
  reportNumber: ((v, path) => {
    if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) throw new ShapeError(path, 'a number or null', v);
    return v as number;
  }) as Decoder<number>,

  integer: ((v, path) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new ShapeError(path, 'an integer', v);
    return v;
  }) as Decoder<number>,

  boolean: ((v, path) => {
    if (typeof v !== 'boolean') throw new ShapeError(path, 'true or false', v);
    return v;
  }) as Decoder<boolean>,

  literal<const L extends readonly (string | number | boolean)[]>(...values: L): Decoder<L[number]> {
    return (v, path) => {
      if (!values.includes(v as L[number])) throw new ShapeError(path, values.map((x) => JSON.stringify(x)).join(' | '), v);
      return v as L[number];
    };
  },

  nullable<T>(inner: Decoder<T>): Decoder<T | null> {
    return (v, path) => (v === null ? null : inner(v, path));
  },

  /** A field that may be absent (older writers did not record it). */
  optional<T>(inner: Decoder<T>): Decoder<T | undefined> {
    return (v, path) => (v === undefined ? undefined : inner(v, path));
  },

  array<T>(item: Decoder<T>): Decoder<T[]> {
    return (v, path) => {
      if (!Array.isArray(v)) throw new ShapeError(path, 'an array', v);
      return v.map((x, i) => item(x, at(path, i)));
    };
  },

  /** A JSON object with string keys and values of one kind (e.g. descriptor name → value). */
  record<T>(value: Decoder<T>): Decoder<Record<string, T>> {
    return (v, path) => {
      if (!isPlainObject(v)) throw new ShapeError(path, 'an object', v);
      const out: Record<string, T> = {};
      for (const [k, x] of Object.entries(v)) out[k] = value(x, at(path, k));
      return out;
    };
  },

  /** An object with at least these fields; other stored fields are kept as they are. */
  object<F extends Fields>(fields: F): Decoder<Flat<Decoded<F>>> {
    return (v, path) => {
      if (!isPlainObject(v)) throw new ShapeError(path, 'an object', v);
      const out: Record<string, unknown> = { ...v };
      for (const [k, field] of Object.entries(fields)) {
        const x = field(v[k], at(path, k));
        if (x === undefined) delete out[k];
        else out[k] = x;
      }
      return out as Flat<Decoded<F>>;
    };
  },

  /** The first of several shapes that fits (e.g. regression or classification metrics). */
  oneOf<D extends Decoder<unknown>[]>(what: string, ...options: D): Decoder<ReturnType<D[number]>> {
    return (v, path) => {
      for (const option of options) {
        try {
          return option(v, path) as ReturnType<D[number]>;
        } catch (e) {
          if (!(e instanceof ShapeError)) throw e;
        }
      }
      throw new ShapeError(path, what, v);
    };
  },

  /** A union discriminated by one field: the field's value picks the decoder. */
  tagged<K extends string, M extends Record<string, Decoder<unknown>>>(key: K, cases: M): Decoder<ReturnType<M[keyof M]>> {
    return (v, path) => {
      if (!isPlainObject(v)) throw new ShapeError(path, 'an object', v);
      const tag = v[key];
      const decode = typeof tag === 'string' && Object.prototype.hasOwnProperty.call(cases, tag) ? cases[tag] : undefined;
      if (!decode) throw new ShapeError(at(path, key), Object.keys(cases).map((c) => JSON.stringify(c)).join(' | '), tag);
      return decode(v, path) as ReturnType<M[keyof M]>;
    };
  },
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses JSON text (or UTF-8 bytes) and decodes it; any failure is a StoredDataError naming the source. */
export function decodeJson<T>(text: string | Uint8Array, decoder: Decoder<T>, source: StoredSource): T {
  let value: unknown;
  try {
    value = JSON.parse(typeof text === 'string' ? text : Buffer.from(text).toString('utf8'));
  } catch (e) {
    throw new StoredDataError(source, `is not valid JSON (${(e as Error).message})`);
  }
  return decodeValue(value, decoder, source);
}

/** Decodes an already parsed value (e.g. a field of a decoded event payload). */
export function decodeValue<T>(value: unknown, decoder: Decoder<T>, source: StoredSource): T {
  try {
    return decoder(value, '');
  } catch (e) {
    if (e instanceof ShapeError) throw new StoredDataError(source, `does not have the expected shape: ${e.message}`, e.path || undefined);
    throw e;
  }
}

/** Reads a JSON blob by hash and decodes it; the error names the blob's kind and hash. */
export async function readJsonBlob<T>(blobs: { get(hash: string): Promise<Uint8Array> }, hash: string, decoder: Decoder<T>, what: string): Promise<T> {
  return decodeJson(await blobs.get(hash), decoder, { kind: 'blob', what, id: hash });
}
