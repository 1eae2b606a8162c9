import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Random } from '../../src/core/random.js';

describe('Random (xoshiro128** seeded by SplitMix64)', () => {
  it('matches the reference C implementation (prng.di.unimi.it) from a raw state', () => {
    const r = Random.fromState([1, 2, 3, 4]);
    assert.deepEqual(
      Array.from({ length: 6 }, () => r.nextUint32()),
      [11520, 0, 5927040, 70819200, 2031721883, 1637235492],
    );
  });

  it('seeds its state with SplitMix64 as the reference seeding does (seed 42)', () => {
    const r = new Random(42);
    assert.deepEqual(
      Array.from({ length: 4 }, () => r.nextUint32()),
      [1776835114, 4165204688, 17111135, 2317295270],
    );
  });

  it('repeats a sequence for a seed and changes it with the seed', () => {
    const draw = (r: Random) => Array.from({ length: 20 }, () => r.nextUint32());
    assert.deepEqual(draw(new Random(7)), draw(new Random(7)));
    assert.notDeepEqual(draw(new Random(7)), draw(new Random(8)));
    assert.notDeepEqual(draw(new Random(2 ** 40)), draw(new Random(0)), 'high seed bits matter');
  });

  it('gives streams that depend only on (seed, stream) and differ between streams', () => {
    const draw = (r: Random) => Array.from({ length: 10 }, () => r.nextUint32());
    assert.deepEqual(draw(Random.stream(3, 5)), draw(Random.stream(3, 5)));
    assert.notDeepEqual(draw(Random.stream(3, 5)), draw(Random.stream(3, 6)));
    assert.notDeepEqual(draw(Random.stream(3, 5)), draw(Random.stream(4, 5)));
    assert.notDeepEqual(draw(Random.stream(3, 0)), draw(new Random(3)));
  });

  it('draws uniform doubles in [0, 1) with a mean near 1/2', () => {
    const r = new Random(1);
    let sum = 0;
    for (let i = 0; i < 20000; i++) {
      const u = r.uniform();
      assert.ok(u >= 0 && u < 1);
      sum += u;
    }
    assert.ok(Math.abs(sum / 20000 - 0.5) < 0.01);
  });

  it('draws every integer of a range, inclusive at both ends, about equally often', () => {
    const r = new Random(2);
    const counts = new Map<number, number>();
    for (let i = 0; i < 7000; i++) {
      const v = r.integer(-3, 3);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    assert.deepEqual(
      [...counts.keys()].sort((a, b) => a - b),
      [-3, -2, -1, 0, 1, 2, 3],
    );
    for (const c of counts.values()) assert.ok(c > 850 && c < 1150, `count ${c}`);
    assert.equal(r.below(1), 0);
    assert.ok(r.below(2 ** 32) < 2 ** 32);
  });

  it('shuffles into a permutation, typed arrays too', () => {
    const r = new Random(3);
    const a = r.shuffle(Array.from({ length: 50 }, (_, i) => i));
    assert.deepEqual(
      [...a].sort((x, y) => x - y),
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.notDeepEqual(
      a,
      Array.from({ length: 50 }, (_, i) => i),
    );
    const t = r.shuffle(Int32Array.from({ length: 10 }, (_, i) => i));
    assert.deepEqual(
      [...t].sort((x, y) => x - y),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
  });

  it('samples with replacement within range, repeating some indices', () => {
    const s = new Random(4).sampleWithReplacement(100);
    assert.equal(s.length, 100);
    assert.ok(s.every((i) => i >= 0 && i < 100));
    assert.ok(new Set(s).size < 100, 'a bootstrap of 100 repeats some rows');
    assert.equal(new Random(4).sampleWithReplacement(10, 3).length, 3);
  });

  it('refuses seeds and ranges it cannot honour', () => {
    assert.throws(() => new Random(1.5), RangeError);
    assert.throws(() => new Random(2 ** 60), RangeError);
    assert.throws(() => new Random(0).below(0), RangeError);
    assert.throws(() => new Random(0).integer(3, 2), RangeError);
    assert.throws(() => Random.fromState([0, 0, 0, 0]), RangeError);
  });
});
