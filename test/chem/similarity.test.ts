import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fingerprintAt, fingerprintSet, nearestNeighbours, popcount32, tanimoto, tanimotoOneToMany, type FingerprintSet } from '../../src/chem/similarity.js';
import { Random } from '../../src/core/random.js';

// ---- The reference: one bit at a time, no popcount tricks, no precomputed counts. ----

function bit(words: ArrayLike<number>, i: number): number {
  return (words[i >>> 5]! >>> (i & 31)) & 1;
}

/** Tanimoto by looping over every bit; two empty fingerprints are identical (1.0), as RDKit. */
function naiveTanimoto(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let both = 0;
  let either = 0;
  for (let i = 0; i < a.length * 32; i++) {
    const x = bit(a, i);
    const y = bit(b, i);
    both += x & y;
    either += x | y;
  }
  return either === 0 ? 1 : both / either;
}

/** Top-k by sorting all candidates: similarity descending, then target index ascending. */
function naiveNeighbours(queries: Uint32Array[], targets: Uint32Array[], k: number, excludeSelf: boolean): { indices: number[]; similarities: number[] } {
  const indices: number[] = [];
  const similarities: number[] = [];
  queries.forEach((q, qi) => {
    const all = targets
      .map((t, ti) => ({ ti, s: naiveTanimoto(q, t) }))
      .filter((c) => !(excludeSelf && c.ti === qi))
      .sort((x, y) => y.s - x.s || x.ti - y.ti);
    for (let r = 0; r < k; r++) {
      indices.push(all[r]?.ti ?? -1);
      similarities.push(all[r]?.s ?? Number.NaN);
    }
  });
  return { indices, similarities };
}

// ---- Seeded random fingerprints ----

/** Uniform draws in [0, 1) from the project's seeded generator, so every run uses the same data. */
function seededUniform(seed: number): () => number {
  const rng = new Random(seed);
  return () => rng.uniform();
}

/** A fingerprint with each bit on with probability `density` (0 gives all-zero, 1 all-one). */
function randomFingerprint(rand: () => number, words: number, density: number): Uint32Array {
  const fp = new Uint32Array(words);
  for (let i = 0; i < words * 32; i++) if (rand() < density) fp[i >>> 5]! |= 1 << (i & 31);
  return fp;
}

/** A mix of sparse (Morgan-like), dense, all-zero, all-one and duplicate fingerprints. */
function randomFingerprints(seed: number, words: number, count: number): Uint32Array[] {
  const rand = seededUniform(seed);
  const out: Uint32Array[] = [];
  const densities = [0.02, 0.05, 0.1, 0.3, 0.5, 0.9];
  for (let i = 0; i < count; i++) {
    const r = rand();
    if (r < 0.08)
      out.push(new Uint32Array(words)); // all zero
    else if (r < 0.1)
      out.push(new Uint32Array(words).fill(0xffffffff)); // all one
    else if (r < 0.2 && out.length)
      out.push(out[Math.floor(rand() * out.length)]!.slice()); // exact duplicate: ties
    else out.push(randomFingerprint(rand, words, densities[Math.floor(rand() * densities.length)]!));
  }
  return out;
}

function setOf(fps: Uint32Array[], words: number): FingerprintSet {
  const data = new Uint32Array(fps.length * words);
  fps.forEach((fp, i) => data.set(fp, i * words));
  return fingerprintSet(data, words);
}

// Widths: one word, odd, Morgan 2048 bits (64), not a multiple of 64, and wider.
const WIDTHS = [1, 3, 31, 64, 65, 100];

describe('popcount32', () => {
  it('counts bits of edge values and random words', () => {
    assert.equal(popcount32(0), 0);
    assert.equal(popcount32(0xffffffff), 32);
    assert.equal(popcount32(0x80000000), 1);
    assert.equal(popcount32(-1), 32);
    const rand = seededUniform(7);
    for (let n = 0; n < 2000; n++) {
      const v = Math.floor(rand() * 2 ** 32) >>> 0;
      let c = 0;
      for (let i = 0; i < 32; i++) c += (v >>> i) & 1;
      assert.equal(popcount32(v), c);
    }
  });
});

describe('tanimoto exactness vs a bit-by-bit reference', () => {
  it('two empty fingerprints: 1.0 (as RDKit); empty vs non-empty: 0', () => {
    for (const words of WIDTHS) {
      const zero = new Uint32Array(words);
      const one = new Uint32Array(words);
      one[words - 1] = 0x80000000;
      assert.equal(tanimoto(zero, zero.slice()), 1);
      assert.equal(tanimoto(zero, one), 0);
      assert.equal(tanimoto(one, zero), 0);
      assert.equal(tanimoto(one, one.slice()), 1);
      assert.equal(naiveTanimoto(zero, zero), 1);
    }
  });

  it('pairwise tanimoto() equals the reference exactly, symmetric, in [0, 1]', () => {
    for (const [w, words] of WIDTHS.entries()) {
      const fps = randomFingerprints(1000 + w, words, 40);
      for (let i = 0; i < fps.length; i++) {
        for (let j = 0; j < fps.length; j++) {
          const s = tanimoto(fps[i]!, fps[j]!);
          assert.equal(s, naiveTanimoto(fps[i]!, fps[j]!), `width ${words}, pair ${i},${j}`);
          assert.equal(s, tanimoto(fps[j]!, fps[i]!));
          assert.ok(s >= 0 && s <= 1);
        }
        assert.equal(tanimoto(fps[i]!, fps[i]!), 1);
      }
    }
  });

  it('tanimotoOneToMany() equals the reference exactly, and fills a given buffer', () => {
    for (const [w, words] of WIDTHS.entries()) {
      const targets = randomFingerprints(2000 + w, words, 60);
      const queries = randomFingerprints(3000 + w, words, 15);
      const set = setOf(targets, words);
      for (const q of queries) {
        const row = tanimotoOneToMany(q, set);
        assert.equal(row.length, targets.length);
        targets.forEach((t, j) => assert.equal(row[j], naiveTanimoto(q, t), `width ${words}, target ${j}`));
        const buf = new Float64Array(targets.length).fill(-1);
        assert.equal(tanimotoOneToMany(q, set, buf), buf);
        assert.deepEqual(buf, row);
      }
    }
  });

  it('fingerprintSet counts on-bits and slices exactly', () => {
    const words = 5;
    const fps = randomFingerprints(42, words, 30);
    const set = setOf(fps, words);
    assert.equal(set.count, 30);
    fps.forEach((fp, i) => {
      let c = 0;
      for (let b = 0; b < words * 32; b++) c += bit(fp, b);
      assert.equal(set.onBits[i], c);
      assert.deepEqual(fingerprintAt(set, i), fp);
    });
  });

  it('refuses mismatched widths', () => {
    assert.throws(() => tanimoto(new Uint32Array(2), new Uint32Array(3)), RangeError);
    assert.throws(() => tanimotoOneToMany(new Uint32Array(2), fingerprintSet(new Uint32Array(6), 3)), RangeError);
    assert.throws(() => fingerprintSet(new Uint32Array(7), 3), RangeError);
    assert.throws(() => fingerprintSet(new Uint32Array(6), 0), RangeError);
  });
});

describe('nearestNeighbours exactness vs a sort-everything reference', () => {
  function check(queries: Uint32Array[], targets: Uint32Array[], words: number, k: number, excludeSelf: boolean, label: string): void {
    const got = nearestNeighbours(setOf(queries, words), setOf(targets, words), k, { excludeSelf });
    const want = naiveNeighbours(queries, targets, k, excludeSelf);
    assert.equal(got.k, k);
    assert.deepEqual(Array.from(got.indices), want.indices, `${label}: indices`);
    // deepEqual treats NaN as equal to NaN; similarities must match bit for bit.
    assert.deepEqual(Array.from(got.similarities), want.similarities, `${label}: similarities`);
  }

  it('random sets with duplicates and empty fingerprints: order, ties by lower index', () => {
    for (const [w, words] of WIDTHS.entries()) {
      const targets = randomFingerprints(4000 + w, words, 50);
      const queries = randomFingerprints(5000 + w, words, 12);
      // Queries that are copies of targets give exact ties with their duplicates.
      queries.push(targets[3]!.slice(), targets[17]!.slice(), new Uint32Array(words));
      for (const k of [1, 2, 5, 10]) check(queries, targets, words, k, false, `width ${words}, k ${k}`);
    }
  });

  it('excludeSelf on a set searched against itself', () => {
    for (const [w, words] of WIDTHS.entries()) {
      const fps = randomFingerprints(6000 + w, words, 40);
      for (const k of [1, 3, 7]) check(fps, fps, words, k, true, `width ${words}, k ${k}, excludeSelf`);
      // Without excludeSelf every fingerprint is its own best match, unless an earlier duplicate ties.
      const got = nearestNeighbours(setOf(fps, words), setOf(fps, words), 1);
      got.indices.forEach((j, i) => {
        assert.equal(got.similarities[i], 1);
        assert.ok(j <= i);
        assert.equal(tanimoto(fps[i]!, fps[j]!), 1);
      });
    }
  });

  it('k larger than the number of targets pads with -1 and NaN', () => {
    const words = 3;
    const targets = randomFingerprints(7000, words, 4);
    const queries = randomFingerprints(7001, words, 5);
    check(queries, targets, words, 9, false, 'k 9 > 4 targets');
    check(targets, targets, words, 6, true, 'k 6, excludeSelf leaves 3 targets');
    const got = nearestNeighbours(setOf(queries, words), setOf(targets, words), 9);
    for (let q = 0; q < queries.length; q++) {
      assert.deepEqual(Array.from(got.indices.subarray(q * 9 + 4, q * 9 + 9)), [-1, -1, -1, -1, -1]);
      assert.ok(Array.from(got.similarities.subarray(q * 9 + 4, q * 9 + 9)).every(Number.isNaN));
    }
  });

  it('all-equal similarities keep target order (all-zero targets and query)', () => {
    const words = 2;
    const zeros = Array.from({ length: 6 }, () => new Uint32Array(words));
    const got = nearestNeighbours(setOf([new Uint32Array(words)], words), setOf(zeros, words), 4);
    assert.deepEqual(Array.from(got.indices), [0, 1, 2, 3]);
    assert.deepEqual(Array.from(got.similarities), [1, 1, 1, 1]);
    check(zeros, zeros, words, 3, true, 'all zero, excludeSelf');
  });

  it('an empty target set gives no neighbours', () => {
    const got = nearestNeighbours(setOf(randomFingerprints(1, 2, 3), 2), fingerprintSet(new Uint32Array(0), 2), 2);
    assert.deepEqual(Array.from(got.indices), [-1, -1, -1, -1, -1, -1]);
    assert.ok(Array.from(got.similarities).every(Number.isNaN));
  });

  it('refuses bad k and mismatched widths', () => {
    const a = fingerprintSet(new Uint32Array(4), 2);
    const b = fingerprintSet(new Uint32Array(6), 3);
    assert.throws(() => nearestNeighbours(a, b, 1), RangeError);
    assert.throws(() => nearestNeighbours(a, a, 0), RangeError);
    assert.throws(() => nearestNeighbours(a, a, 1.5), RangeError);
  });
});
