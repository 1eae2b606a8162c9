import assert from 'node:assert/strict';
import { it } from 'node:test';
import { withClock } from '../../src/core/clock.js';
import { addEndpoint } from '../../src/data/endpoints.js';
import { currentGate, setGate } from '../../src/registry/registry.js';
import { readEvents } from '../../src/store/event-log.js';
import { forEachBackend } from '../store/backends.js';

forEachBackend('release gates', (b) => {
  it('going back to an earlier gate makes it current again, and every change is logged', async () => {
    const store = await b.openFresh();
    try {
      await addEndpoint(
        store,
        { name: 'logd', unit: 'ratio', transform: 'none', direction: 'higher_is_better', validMin: null, validMax: null, description: '' },
        'lead',
      );
      const a = { minTestSize: 10, maxMae: 0.5 };
      const b = { minTestSize: 10, maxMae: 0.4 };
      const first = await withClock('2026-01-01T00:00:00Z', () => setGate(store, 'logd', a, 'lead'));
      await withClock('2026-02-01T00:00:00Z', () => setGate(store, 'logd', b, 'lead'));
      const again = await withClock('2026-03-01T00:00:00Z', () => setGate(store, 'logd', a, 'lead2'));
      assert.equal(again.status, 'created');
      const current = await currentGate(store.db, 'logd');
      assert.equal(current!.hash, first.hash);
      assert.equal(current!.createdBy, 'lead2');
      assert.equal((await withClock('2026-04-01T00:00:00Z', () => setGate(store, 'logd', a, 'lead'))).status, 'unchanged');
      const events = await readEvents(store.db, { kind: 'gate_set' });
      const hashes = events.map((e) => (JSON.parse(e.payload) as { hash: string }).hash);
      assert.equal(hashes.length, 3, 'A, B, A again: three changes; the no-op is not logged');
      assert.deepEqual([hashes[0], hashes[2]], [first.hash, first.hash]);
      assert.notEqual(hashes[1], first.hash);
    } finally {
      await store.close();
    }
  });
});
