import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  DEFAULT_MORGAN,
  fingerprintFromHex,
  fingerprintToHex,
  morganFingerprint,
  morganVersionHash,
  validateMorgan,
  wordsFor,
} from '../../src/chem/fingerprint.js';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { release, standardize } from '../../src/chem/standardize.js';
import { loadReference, onBits } from './reference.js';

before(async () => {
  await loadRDKit();
});

function morganOf(input: string): Uint32Array {
  const s = standardize(input);
  try {
    return morganFingerprint(s.mol, DEFAULT_MORGAN);
  } finally {
    release(s);
  }
}

describe('Morgan fingerprint vs native RDKit', () => {
  it('r=2, 2048 bits: on-bit indices equal native exactly for every fixture molecule', () => {
    const ref = loadReference();
    const mismatches: string[] = [];
    for (const m of ref.molecules) {
      assert.equal(m.morgan.radius, DEFAULT_MORGAN.radius);
      assert.equal(m.morgan.nBits, DEFAULT_MORGAN.nBits);
      const fp = morganOf(m.input);
      assert.equal(fp.length, 64);
      const ours = onBits(fp);
      if (ours.join(',') !== m.morgan.onBits.join(',')) mismatches.push(`${m.name}: ours [${ours}] native [${m.morgan.onBits}]`);
    }
    assert.deepEqual(mismatches, []);
  });

  it('writes into a caller buffer at an offset, leaving the rest alone', () => {
    const s = standardize('CC(=O)Oc1ccccc1C(=O)O');
    try {
      const alone = morganFingerprint(s.mol, DEFAULT_MORGAN);
      const buf = new Uint32Array(64 * 3).fill(0xdeadbeef);
      morganFingerprint(s.mol, DEFAULT_MORGAN, buf, 64);
      assert.deepEqual(buf.subarray(64, 128), alone);
      assert.ok(buf.subarray(0, 64).every((v) => v === 0xdeadbeef));
      assert.ok(buf.subarray(128).every((v) => v === 0xdeadbeef));
    } finally {
      release(s);
    }
  });

  it('other widths fold the same bits (1024 = 2048 folded once: bit i -> i mod 1024)', () => {
    const s = standardize('Cc1ccc(NC(=O)c2ccc(CN3CCN(C)CC3)cc2)cc1Nc1nccc(-c2cccnc2)n1');
    try {
      const full = onBits(morganFingerprint(s.mol, DEFAULT_MORGAN));
      const half = onBits(morganFingerprint(s.mol, { radius: 2, nBits: 1024 }));
      assert.deepEqual(
        half,
        [...new Set(full.map((b) => b % 1024))].sort((a, b) => a - b),
      );
    } finally {
      release(s);
    }
  });

  it('parameter validation and version hash', () => {
    assert.throws(() => validateMorgan({ radius: 2, nBits: 1000 }), RangeError);
    assert.throws(() => validateMorgan({ radius: -1, nBits: 2048 }), RangeError);
    assert.throws(() => validateMorgan({ radius: 1.5, nBits: 2048 }), RangeError);
    assert.equal(wordsFor(2048), 64);
    const h = morganVersionHash(DEFAULT_MORGAN);
    assert.match(h, /^[0-9a-f]{64}$/);
    assert.equal(morganVersionHash({ radius: 2, nBits: 2048 }), h);
    assert.notEqual(morganVersionHash({ radius: 3, nBits: 2048 }), h);
    assert.notEqual(morganVersionHash({ radius: 2, nBits: 1024 }), h);
  });
});

describe('fingerprint hex', () => {
  it('round-trips real fingerprints', () => {
    for (const input of ['CC(=O)Oc1ccccc1C(=O)O', 'Cn1cnc2c1c(=O)n(C)c(=O)n2C', 'CCO']) {
      const fp = morganOf(input);
      const hex = fingerprintToHex(fp);
      assert.equal(hex.length, 512);
      assert.match(hex, /^[0-9a-f]+$/);
      assert.deepEqual(fingerprintFromHex(hex), fp);
      assert.deepEqual(fingerprintFromHex(hex.toUpperCase()), fp);
    }
  });

  it('round-trips extreme words and slices of a flat buffer', () => {
    const words = Uint32Array.from([0, 0xffffffff, 0x80000000, 1, 0x01234567, 0x89abcdef]);
    assert.deepEqual(fingerprintFromHex(fingerprintToHex(words)), words);
    assert.deepEqual(fingerprintFromHex(fingerprintToHex(words, 2, 3)), words.subarray(2, 5));
    assert.equal(fingerprintToHex(new Uint32Array(0)), '');
    assert.deepEqual(fingerprintFromHex(''), new Uint32Array(0));
  });

  it('byte order: bit 0 is the low bit of the first byte, as RDKit writes bit vectors', () => {
    const w = new Uint32Array(2);
    w[0] = 1; // bit 0
    assert.equal(fingerprintToHex(w), '01000000' + '00000000');
    w[0] = 1 << 8; // bit 8
    assert.equal(fingerprintToHex(w), '00010000' + '00000000');
    w[0] = 0;
    w[1] = 0x80000000; // bit 63
    assert.equal(fingerprintToHex(w), '00000000' + '00000080');
  });

  it('refuses malformed hex', () => {
    assert.throws(() => fingerprintFromHex('0123456'), RangeError);
    assert.throws(() => fingerprintFromHex('0123456g'), RangeError);
    assert.throws(() => fingerprintFromHex('01234567 '), RangeError);
  });
});
