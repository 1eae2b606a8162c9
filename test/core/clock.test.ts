import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixedClock, nowIso, withClock } from '../../src/core/clock.js';

describe('clock', () => {
  it('is scoped to a call chain: concurrent chains each see their own time', async () => {
    const seen: Record<string, string[]> = { a: [], b: [] };
    const step = async (name: 'a' | 'b', delay: number) => {
      for (let i = 0; i < 3; i++) {
        seen[name]!.push(nowIso());
        await new Promise((r) => setTimeout(r, delay));
      }
    };
    await Promise.all([withClock('2020-01-01T00:00:00Z', () => step('a', 3)), withClock(fixedClock('2030-06-01T12:00:00Z'), () => step('b', 2))]);
    assert.deepEqual(seen.a, Array(3).fill('2020-01-01T00:00:00.000Z'));
    assert.deepEqual(seen.b, Array(3).fill('2030-06-01T12:00:00.000Z'));
  });

  it('is the wall clock outside any scope, and after one ends', async () => {
    await withClock('2001-01-01T00:00:00Z', async () => assert.equal(nowIso(), '2001-01-01T00:00:00.000Z'));
    assert.ok(Math.abs(Date.parse(nowIso()) - Date.now()) < 5_000);
  });

  it('refuses a time that is not one', () => {
    assert.throws(() => fixedClock('not a date'));
  });
});
