import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fingerprintSet, nearestNeighbours } from '../../src/chem/similarity.js';
import { Random } from '../../src/core/random.js';
import { trainingIndex } from '../../src/serve/training-index.js';
import { FileBlobStore } from '../../src/store/blob-store.js';
import type { TrainingSet } from '../../src/training/build.js';

const dir = mkdtempSync(join(tmpdir(), 'rotguard-training-index-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function randomWords(seed: number, n: number): Uint32Array {
  const rng = new Random(seed);
  const data = new Uint32Array(n);
  // Sparse, Morgan-like: each word has a few bits on.
  for (let i = 0; i < n; i++) data[i] = (rng.nextUint32() & rng.nextUint32() & rng.nextUint32()) >>> 0;
  return data;
}

describe('training index (applicability domain of a model version)', () => {
  it("is built once per training-set blob and finds brute force's nearest training compound", async () => {
    const blobs = new FileBlobStore(join(dir, 'blobs'));
    const words = 64;
    const n = 300;
    const data = randomWords(1, n * words);
    const set: TrainingSet = {
      inchikeys: Array.from({ length: n }, (_, i) => `KEY${i}`),
      scaffolds: Array.from({ length: n }, (_, i) => `scaffold${i % 7}`),
      fingerprintWords: words,
      fingerprints: Buffer.from(data.buffer).toString('base64'),
    };
    const blob = await blobs.put(JSON.stringify(set));
    const first = await trainingIndex(blobs, blob);
    const second = await trainingIndex(blobs, blob);
    assert.equal(first, second, 'the same index object is reused');
    assert.equal(first.index.count, n);
    assert.ok(first.scaffolds.has('scaffold3'));
    const queries = randomWords(2, 50 * words);
    const got = first.index.search(queries, 1);
    const expected = nearestNeighbours(fingerprintSet(queries, words), fingerprintSet(data, words), 1);
    assert.deepEqual(Array.from(got.indices), Array.from(expected.indices));
    assert.deepEqual(Array.from(got.similarities), Array.from(expected.similarities));
  });

  it('a missing blob is an error that is not cached', async () => {
    const blobs = new FileBlobStore(join(dir, 'empty'));
    const hash = 'ab'.repeat(32);
    await assert.rejects(trainingIndex(blobs, hash));
    await assert.rejects(trainingIndex(blobs, hash));
  });
});
