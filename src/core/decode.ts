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
 * writers may add fields; readers see only what they declared). Decoders check in place
 * and return their input unless a field decodes to another value, so a large blob is not
 * copied.
 */
import { StoredDataError, type StoredSource } from './errors.js';

/** Checks a JSON value and returns it typed; throws ShapeError at the first mismatch. */
export type Decoder<T> = (value: unknown) => T;

/**
 * A shape mismatch inside one value; decodeJson turns it into a StoredDataError naming the
 * source. The path is built on the way out (each enclosing array or object adds its key),
 * so decoding a valid value builds no path strings at all.
 */
export class ShapeError extends Error {
  readonly keys: Array<string | number> = [];
  constructor(
    readonly expected: string,
    readonly got: unknown,
  ) {
    super('');
    this.name = 'ShapeError';
    this.message = this.describe();
  }

  /** "rows[3].qualifier", or "" for the value itself. */
  get path(): string {
    return this.keys.reduce<string>((p, k) => (typeof k === 'number' ? `${p}[${k}]` : p ? `${p}.${k}` : k), '');
  }

  /** Adds the key of the enclosing array or object. */
  within(key: string | number): this {
    this.keys.unshift(key);
    this.message = this.describe();
    return this;
  }

  private describe(): string {
    return `${this.path || '(top)'}: expected ${this.expected}, got ${describeValue(this.got)}`;
  }
}

/** Runs a decoder on a part of a value; a mismatch inside it is reported under its key. */
export function decodeAt<T>(decoder: Decoder<T>, value: unknown, key: string | number): T {
  try {
    return decoder(value);
  } catch (e) {
    throw e instanceof ShapeError ? e.within(key) : e;
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

type Fields = Record<string, Decoder<unknown>>;
/** Optional fields are those whose decoder accepts undefined. */
type OptionalKeys<F extends Fields> = { [K in keyof F]: undefined extends ReturnType<F[K]> ? K : never }[keyof F];
type Decoded<F extends Fields> = { [K in Exclude<keyof F, OptionalKeys<F>>]: ReturnType<F[K]> } & { [K in OptionalKeys<F>]?: ReturnType<F[K]> };
type Flat<T> = { [K in keyof T]: T[K] } & {};

export const d = {
  unknown: ((v: unknown) => v) as Decoder<unknown>,

  string: ((v) => {
    if (typeof v !== 'string') throw new ShapeError('a string', v);
    return v;
  }) as Decoder<string>,

  /** A 64-hex sha256 (blob hashes, build hashes, feature hashes). */
  sha256: ((v) => {
    if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) throw new ShapeError('a sha256 (64 lowercase hex)', v);
    return v;
  }) as Decoder<string>,

  number: ((v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ShapeError('a number', v);
    return v;
  }) as Decoder<number>,

  /**
   * A number in a report written through nonFiniteAsNull: JSON has no NaN or Infinity, so
   * an undefined metric (NaN) or an unbounded interval (Infinity) was stored as null. The
   * in-memory type says number; readers of those fields already treat null as "not measured".
   */
  reportNumber: ((v) => {
    if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) throw new ShapeError('a number or null', v);
    return v as number;
  }) as Decoder<number>,

  integer: ((v) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new ShapeError('an integer', v);
    return v;
  }) as Decoder<number>,

  boolean: ((v) => {
    if (typeof v !== 'boolean') throw new ShapeError('true or false', v);
    return v;
  }) as Decoder<boolean>,

  literal<const L extends readonly (string | number | boolean)[]>(...values: L): Decoder<L[number]> {
    return (v) => {
      if (!values.includes(v as L[number])) throw new ShapeError(values.map((x) => JSON.stringify(x)).join(' | '), v);
      return v as L[number];
    };
  },

  nullable<T>(inner: Decoder<T>): Decoder<T | null> {
    return (v) => (v === null ? null : inner(v));
  },

  /** A field that may be absent (older writers did not record it). */
  optional<T>(inner: Decoder<T>): Decoder<T | undefined> {
    return (v) => (v === undefined ? undefined : inner(v));
  },

  array<T>(item: Decoder<T>): Decoder<T[]> {
    return (v) => {
      if (!Array.isArray(v)) throw new ShapeError('an array', v);
      // Copy only when an item decodes to another value: large blobs are checked in place.
      let out: T[] | null = null;
      for (let i = 0; i < v.length; i++) {
        const x = decodeAt(item, v[i], i);
        if (out) out.push(x);
        else if (x !== v[i]) (out = v.slice(0, i) as T[]).push(x);
      }
      return out ?? (v as T[]);
    };
  },

  /** A JSON object with string keys and values of one kind (e.g. descriptor name → value). */
  record<T>(value: Decoder<T>): Decoder<Record<string, T>> {
    return (v) => {
      if (!isPlainObject(v)) throw new ShapeError('an object', v);
      let out: Record<string, T> | null = null;
      for (const [k, x] of Object.entries(v)) {
        const y = decodeAt(value, x, k);
        if (y !== x) (out ??= { ...(v as Record<string, T>) })[k] = y;
      }
      return out ?? (v as Record<string, T>);
    };
  },

  /** An object with at least these fields; other stored fields are kept as they are. */
  object<F extends Fields>(fields: F): Decoder<Flat<Decoded<F>>> {
    const entries = Object.entries(fields);
    return (v) => {
      if (!isPlainObject(v)) throw new ShapeError('an object', v);
      // Copy only when a field decodes to another value (the input is returned, checked, otherwise).
      let out: Record<string, unknown> | null = null;
      for (const [k, field] of entries) {
        const x = decodeAt(field, v[k], k);
        if (x !== v[k]) (out ??= { ...v })[k] = x;
      }
      return (out ?? v) as Flat<Decoded<F>>;
    };
  },

  /** The first of several shapes that fits (e.g. regression or classification metrics). */
  oneOf<D extends Decoder<unknown>[]>(what: string, ...options: D): Decoder<ReturnType<D[number]>> {
    return (v) => {
      for (const option of options) {
        try {
          return option(v) as ReturnType<D[number]>;
        } catch (e) {
          if (!(e instanceof ShapeError)) throw e;
        }
      }
      throw new ShapeError(what, v);
    };
  },

  /** A union discriminated by one field: the field's value picks the decoder. */
  tagged<K extends string, M extends Record<string, Decoder<unknown>>>(key: K, cases: M): Decoder<ReturnType<M[keyof M]>> {
    return (v) => {
      if (!isPlainObject(v)) throw new ShapeError('an object', v);
      const tag = v[key];
      const decode = typeof tag === 'string' && Object.hasOwn(cases, tag) ? cases[tag] : undefined;
      if (!decode)
        throw new ShapeError(
          Object.keys(cases)
            .map((c) => JSON.stringify(c))
            .join(' | '),
          tag,
        ).within(key);
      return decode(v) as ReturnType<M[keyof M]>;
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
    return decoder(value);
  } catch (e) {
    if (e instanceof ShapeError) throw new StoredDataError(source, `does not have the expected shape: ${e.message}`, e.path || undefined);
    throw e;
  }
}

/** Reads a JSON blob by hash and decodes it; the error names the blob's kind and hash. */
export async function readJsonBlob<T>(blobs: { get(hash: string): Promise<Uint8Array> }, hash: string, decoder: Decoder<T>, what: string): Promise<T> {
  return decodeJson(await blobs.get(hash), decoder, { kind: 'blob', what, id: hash });
}
