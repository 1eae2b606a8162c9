import { hashOf } from '../core/hash.js';
import { rdkitVersion, type Mol } from './rdkit.js';

/** Morgan (ECFP-like) fingerprint parameters. Radius 2 and 2048 bits ≈ ECFP4. */
export interface MorganParams {
  radius: number;
  nBits: number;
}

export const DEFAULT_MORGAN: MorganParams = { radius: 2, nBits: 2048 };

export function validateMorgan(p: MorganParams): MorganParams {
  if (!Number.isInteger(p.radius) || p.radius < 0 || p.radius > 6) throw new RangeError(`Morgan radius must be an integer 0–6, got ${p.radius}`);
  if (!Number.isInteger(p.nBits) || p.nBits < 32 || p.nBits % 32 !== 0 || p.nBits > 65536) {
    throw new RangeError(`Morgan bit count must be a multiple of 32 between 32 and 65536, got ${p.nBits}`);
  }
  return p;
}

export function morganVersionHash(p: MorganParams, rdkit: string = rdkitVersion()): string {
  return hashOf({ fingerprint: 'morgan', radius: p.radius, nBits: p.nBits, rdkit });
}

/** 32-bit words per fingerprint. */
export function wordsFor(nBits: number): number {
  return nBits >>> 5;
}

/**
 * The Morgan fingerprint packed into 32-bit words: bit i of RDKit's fingerprint is
 * bit (i & 31) of word i >>> 5. Writes into `out` at `offset` words when given.
 */
export function morganFingerprint(mol: Mol, p: MorganParams, out?: Uint32Array, offset = 0): Uint32Array {
  const bytes = mol.get_morgan_fp_as_uint8array(JSON.stringify({ radius: p.radius, nBits: p.nBits })) as Uint8Array;
  const words = wordsFor(p.nBits);
  const target = out ?? new Uint32Array(words);
  for (let w = 0; w < words; w++) {
    const b = w << 2;
    target[offset + w] = (bytes[b]! | (bytes[b + 1]! << 8) | (bytes[b + 2]! << 16) | (bytes[b + 3]! << 24)) >>> 0;
  }
  return target;
}

const HEX_BYTE = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Lower-case hex of the packed words, bit 0 first within each little-endian byte. */
export function fingerprintToHex(words: Uint32Array, offset = 0, count = words.length - offset): string {
  const parts: string[] = new Array(count * 4);
  for (let w = 0; w < count; w++) {
    const v = words[offset + w]!;
    parts[4 * w] = HEX_BYTE[v & 0xff]!;
    parts[4 * w + 1] = HEX_BYTE[(v >>> 8) & 0xff]!;
    parts[4 * w + 2] = HEX_BYTE[(v >>> 16) & 0xff]!;
    parts[4 * w + 3] = HEX_BYTE[v >>> 24]!;
  }
  return parts.join('');
}

export function fingerprintFromHex(hex: string): Uint32Array {
  if (hex.length % 8 !== 0 || !/^[0-9a-f]*$/i.test(hex)) throw new RangeError('fingerprint hex must be a multiple of 8 hex digits');
  const words = new Uint32Array(hex.length / 8);
  for (let w = 0; w < words.length; w++) {
    let v = 0;
    for (let b = 0; b < 4; b++) v |= parseInt(hex.slice(w * 8 + b * 2, w * 8 + b * 2 + 2), 16) << (8 * b);
    words[w] = v >>> 0;
  }
  return words;
}
