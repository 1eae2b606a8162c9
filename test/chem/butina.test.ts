import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { butinaClusters } from '../../src/chem/butina.js';
import { fingerprintSet } from '../../src/chem/similarity.js';

const ref = JSON.parse(readFileSync(new URL('../../../test/fixtures/chem/butina-reference.json', import.meta.url), 'utf8')) as {
  onBits: number[][];
  clusters: Record<string, number[][]>;
};

function packed(onBits: number[][]): Uint32Array {
  const data = new Uint32Array(onBits.length * 64);
  onBits.forEach((bits, r) => bits.forEach((b) => (data[r * 64 + (b >>> 5)] = (data[r * 64 + (b >>> 5)]! | (1 << (b & 31))) >>> 0)));
  return data;
}

describe('Butina clustering', () => {
  const set = fingerprintSet(packed(ref.onBits), 64);
  for (const [cutoff, expected] of Object.entries(ref.clusters)) {
    it(`matches RDKit's Butina.ClusterData at distance cutoff ${cutoff}`, () => {
      const got = butinaClusters(set, Number(cutoff));
      assert.equal(got.count, expected.length);
      expected.forEach((members, id) => {
        // RDKit lists the centroid first; membership is the same set.
        assert.equal(got.centroids[id], members[0]);
        assert.deepEqual(members.filter((i) => got.cluster[i] === id).length, members.length, `cluster ${id}`);
      });
    });
  }

  it('refuses a cutoff outside [0, 1]', () => {
    assert.throws(() => butinaClusters(set, 1.5), RangeError);
  });
});
