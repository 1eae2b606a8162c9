import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DEFAULT_RETRY, retryDelayMs } from '../../src/notify/retry.js';

it('backs off exponentially from the base, capped, and the default gives up after about 3.5 hours', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((a) => retryDelayMs(a, { baseMs: 100, maxDelayMs: 1000, maxAttempts: 9 })),
    [100, 200, 400, 800, 1000],
  );
  // The waits between the 30 default attempts: 1 s, 2 s, … 512 s, then 10 minutes each.
  const waits = Array.from({ length: DEFAULT_RETRY.maxAttempts - 1 }, (_, i) => retryDelayMs(i + 1, DEFAULT_RETRY));
  assert.equal(waits[9], 512_000);
  assert.equal(waits[10], 600_000);
  const hours = waits.reduce((a, b) => a + b, 0) / 3_600_000;
  assert.ok(hours > 3.3 && hours < 3.5, `${hours} h`);
});
