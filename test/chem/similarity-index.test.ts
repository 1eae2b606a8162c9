import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { popcountKernel, simdAvailable } from '../../src/chem/popcount-wasm.js';
import { fingerprintSet, nearestNeighbours, popcount32 } from '../../src/chem/similarity.js';
import { bound, SimilarityIndex } from '../../src/chem/similarity-index.js';
import { ChemPool } from '../../src/chem/chem-pool.js';
import { shareFingerprints } from '../../src/chem/shared-fingerprints.js';
import { Random } from '../../src/core/random.js';

// The reference is brute force (`nearestNeighbours`, itself checked bit by bit in
// similarity.test.ts): every query against every target, best first, ties by lower index.

/**
 * Morgan-like data with many ties and near ties: families of fingerprints derived from a few
 * parents by flipping a handful of bits, exact duplicates, empty and full fingerprints.
 */
function fingerprints(seed: number, words: number, count: number, density = 0.03): Uint32Array {
  const rng = new Random(seed);
  const data = new Uint32Array(count * words);
  const parents: Uint32Array[] = [];
  for (let i = 0; i < count; i++) {
    const fp = data.subarray(i * words, (i + 1) * words);
    const r = rng.uniform();
    if (r < 0.03) continue; // empty
    if (r < 0.04) fp.fill(0xffffffff);
    else if (r < 0.12 && i > 0) {
      const j = Math.floor(rng.uniform() * i); // an exact duplicate of an earlier one
      fp.set(data.subarray(j * words, (j + 1) * words));
    } else if (r < 0.6 && parents.length) {
      fp.set(parents[Math.floor(rng.uniform() * parents.length)]!);
      const flips = Math.floor(rng.uniform() * 6);
      for (let f = 0; f < flips; f++) {
        const bit = Math.floor(rng.uniform() * words * 32);
        fp[bit >>> 5]! ^= 1 << (bit & 31);
      }
    } else {
      for (let b = 0; b < words * 32; b++) if (rng.uniform() < density) fp[b >>> 5]! |= 1 << (b & 31);
      parents.push(fp.slice());
    }
  }
  return data;
}

function assertSame(
  actual: { indices: Int32Array; similarities: Float64Array },
  expected: { indices: Int32Array; similarities: Float64Array },
  what: string,
): void {
  assert.deepEqual(Array.from(actual.indices), Array.from(expected.indices), `${what}: indices`);
  // Same doubles, bit for bit (NaN where no neighbour).
  assert.deepEqual(Array.from(actual.similarities), Array.from(expected.similarities), `${what}: similarities`);
}

/** Brute force, then drop what is below the threshold (keeping the order). */
function bruteForce(queries: Uint32Array, targets: Uint32Array, words: number, k: number, minSimilarity = 0, excludeSelf = false) {
  const r = nearestNeighbours(fingerprintSet(queries, words), fingerprintSet(targets, words), k, { excludeSelf });
  for (let i = 0; i < r.indices.length; i++) {
    if (!(r.similarities[i]! >= minSimilarity)) {
      r.indices[i] = -1;
      r.similarities[i] = Number.NaN;
    }
  }
  return r;
}

describe('popcount kernel (WebAssembly SIMD)', () => {
  it('is available on Node 20 and counts common bits exactly for 1–40 chunks (unrolled ≤ 31, looped beyond)', () => {
    assert.ok(simdAvailable(), 'WebAssembly SIMD should be available on Node ≥ 20');
    const rng = new Random(3);
    for (let chunks = 1; chunks <= 40; chunks++) {
      const n = 37;
      const stride = chunks * 4;
      const k = popcountKernel((n + 1) * stride * 4 + n * 4, chunks);
      const u32 = new Uint32Array(k.memory.buffer);
      for (let i = 0; i < (n + 1) * stride; i++) u32[i] = rng.nextUint32();
      u32.fill(0xffffffff, stride, 2 * stride); // a full target: the count is the query's own
      const out = (n + 1) * stride * 4;
      k.common(0, stride * 4, n, out);
      const counts = new Int32Array(k.memory.buffer, out, n);
      for (let i = 0; i < n; i++) {
        let c = 0;
        for (let w = 0; w < stride; w++) c += popcount32(u32[w]! & u32[(i + 1) * stride + w]!);
        assert.equal(counts[i], c, `chunks ${chunks}, target ${i}`);
      }
    }
  });
});

describe('Swamidass–Baldi bound', () => {
  it('is min/max of the on-bit counts, 1 for equal counts, and never below a real similarity', () => {
    assert.equal(bound(10, 20), 0.5);
    assert.equal(bound(20, 10), 0.5);
    assert.equal(bound(0, 0), 1);
    assert.equal(bound(0, 5), 0);
    const data = fingerprints(5, 2, 300, 0.2);
    const set = fingerprintSet(data, 2);
    const all = nearestNeighbours(set, set, 300);
    for (let q = 0; q < 300; q++) {
      for (let r = 0; r < 300; r++) {
        const t = all.indices[q * 300 + r]!;
        assert.ok(all.similarities[q * 300 + r]! <= bound(set.onBits[q]!, set.onBits[t]!));
      }
    }
  });
});

describe('SimilarityIndex: exact top-k against brute force', () => {
  for (const words of [1, 3, 4, 7, 64]) {
    it(`${words * 32}-bit fingerprints: k = 1, 3, 10, all; SIMD and JS popcount agree`, () => {
      const targets = fingerprints(words, words, 400, words === 1 ? 0.2 : 0.03);
      const queries = fingerprints(100 + words, words, 120, words === 1 ? 0.2 : 0.03);
      // Some queries are training compounds themselves (similarity 1, ties with duplicates).
      queries.set(targets.subarray(0, 10 * words), 0);
      const simd = new SimilarityIndex(targets, words);
      const js = new SimilarityIndex(targets, words, { simd: false });
      assert.equal(simd.vectorised, true);
      assert.equal(js.vectorised, false);
      for (const k of [1, 3, 10, 400]) {
        const expected = bruteForce(queries, targets, words, k);
        assertSame(simd.search(queries, k), expected, `simd k=${k}`);
        assertSame(js.search(queries, k), expected, `js k=${k}`);
      }
    });
  }

  it('k beyond the target count fills with -1 / NaN, as brute force does', () => {
    const targets = fingerprints(9, 2, 5, 0.3);
    const queries = fingerprints(10, 2, 4, 0.3);
    assertSame(new SimilarityIndex(targets, 2).search(queries, 8), bruteForce(queries, targets, 2, 8), 'k > n');
  });

  it('minSimilarity keeps exactly the brute-force neighbours at or above it', () => {
    const words = 64;
    const targets = fingerprints(21, words, 500);
    const queries = fingerprints(22, words, 100);
    const index = new SimilarityIndex(targets, words);
    for (const t of [0.3, 0.5, 0.8, 1]) {
      for (const k of [1, 5]) assertSame(index.search(queries, k, { minSimilarity: t }), bruteForce(queries, targets, words, k, t), `t=${t} k=${k}`);
    }
  });

  it("excludeSelf skips the query's own index, also on a slice given by queryOffset", () => {
    const words = 4;
    const set = fingerprints(31, words, 300, 0.05);
    const index = new SimilarityIndex(set, words);
    const expected = bruteForce(set, set, words, 3, 0, true);
    assertSame(index.search(set, 3, { excludeSelf: true }), expected, 'whole set');
    const slice = index.search(set.subarray(100 * words, 200 * words), 3, { excludeSelf: true, queryOffset: 100 });
    assert.deepEqual(Array.from(slice.indices), Array.from(expected.indices.subarray(300, 600)));
  });

  it('prunes: max-similarity search of training compounds compares far fewer pairs than brute force', () => {
    const words = 64;
    const targets = fingerprints(41, words, 2000);
    const index = new SimilarityIndex(targets, words);
    const queries = targets.slice(0, 200 * words);
    const r = index.search(queries, 1);
    assertSame(r, bruteForce(queries, targets, words, 1), 'k=1');
    assert.ok(index.stats.compared < 200 * 2000 * 0.5, `compared ${index.stats.compared} of ${200 * 2000} pairs`);
  });

  it('an empty index answers -1 / NaN', () => {
    const r = new SimilarityIndex(new Uint32Array(0), 64).search(new Uint32Array(64), 2);
    assert.deepEqual(Array.from(r.indices), [-1, -1]);
    assert.ok(r.similarities.every(Number.isNaN));
  });
});

describe('similarity search on the chemistry worker pool', () => {
  it("gives the single index's results, split into slices over worker threads", async () => {
    const words = 64;
    const targets = fingerprints(51, words, 1500);
    const queries = fingerprints(52, words, 333);
    const pool = await ChemPool.start(2);
    try {
      const shared = shareFingerprints(targets, words);
      const expected = new SimilarityIndex(targets, words).search(queries, 5);
      const got = await pool.similarity(shared, queries, 5);
      assertSame(got, expected, 'pool k=5');
      assert.ok(got.compared > 0);
      // Again, now from the indexes the workers kept.
      assertSame(await pool.similarity(shared, queries, 5), expected, 'pool k=5, reused indexes');
      const self = await pool.similarity(shareFingerprints(targets, words), targets, 2, { excludeSelf: true });
      assertSame(self, bruteForce(targets, targets, words, 2, 0, true), 'pool excludeSelf');
    } finally {
      await pool.close();
    }
  });
});
