import assert from 'node:assert/strict';
import { it } from 'node:test';
import { StoredDataError } from '../../src/core/errors.js';
import { decodeEvent, decodeEventPayload, EVENT_PAYLOAD_DECODERS, isEventKind } from '../../src/store/event-kinds.js';
import { appendEvent, readEvents, type EventRow } from '../../src/store/event-log.js';
import { forEachBackend } from './backends.js';

const H = (c: string) => c.repeat(64);

forEachBackend('event kinds', (b) => {
  it('append takes the payload its kind carries, and reading decodes it back typed, by kind', async () => {
    const store = await b.openFresh();
    await appendEvent(store.db, {
      kind: 'build_cache_hit',
      subject: `build:${H('a')}`,
      actor: 'ana',
      payload: { buildHash: H('a'), savedSeconds: 1.5, cacheHits: 2 },
    });
    await appendEvent(store.db, { kind: 'unfrozen', subject: 'sol-rf', model: 'sol-rf', actor: 'ana', reason: 'bridged' });
    // @ts-expect-error a predicted event needs its request, count, digest and completeness
    await appendEvent(store.db, { kind: 'predicted', subject: 'request:r1', actor: 'ana', payload: { count: 3 } });
    // @ts-expect-error no such kind
    await appendEvent(store.db, { kind: 'team_created', subject: 'team:x', actor: 'ana' });
    // @ts-expect-error a kind that carries a payload cannot omit it
    await appendEvent(store.db, { kind: 'monitor_run', subject: 'sol-rf', actor: 'ana' });

    const [hit, unfrozen, bad, unknown] = await readEvents(store.db);
    const e = decodeEvent(hit!);
    assert.equal(e.kind, 'build_cache_hit');
    if (e.kind === 'build_cache_hit') assert.equal(e.payload.cacheHits + e.payload.savedSeconds, 3.5); // narrowed by kind
    assert.deepEqual(decodeEventPayload(unfrozen!, 'unfrozen'), {});
    // What the compiler refused above, a writer outside TypeScript could still store: reading refuses it, naming the event.
    assert.throws(
      () => decodeEvent(bad!),
      (err: unknown) =>
        err instanceof StoredDataError &&
        err.code === 'event_malformed' &&
        /predicted event 3 does not have the expected shape: request: expected a string, got nothing/.test(err.message),
    );
    assert.throws(() => decodeEvent(unknown!), /unknown kind "team_created"/);
    assert.throws(() => decodeEventPayload(hit!, 'decision'), /is a build_cache_hit event, not decision/);
  });
});

it('has a payload decoder for every kind, and only for kinds', () => {
  for (const kind of Object.keys(EVENT_PAYLOAD_DECODERS)) assert.ok(isEventKind(kind));
  assert.equal(isEventKind('toString'), false);
  const row = (kind: string, payload: string): EventRow => ({
    seq: 9,
    prev_hash: H('0'),
    id: 'x',
    at: '2026-01-01T00:00:00.000Z',
    actor: 'a',
    kind,
    subject: 's',
    model: null,
    version_id: null,
    reason: '',
    payload,
    hash: H('f'),
    mac: null,
    team: null,
  });
  assert.throws(
    () => decodeEvent(row('gate_set', '{"endpoint":"sol","hash":"' + H('b') + '","gate":{"minTestSize":"many"},"previous":null}')),
    /gate_set event 9 does not have the expected shape: gate\.minTestSize: expected a number/,
  );
  assert.throws(() => decodeEvent(row('decision', '{')), /decision event 9 is not valid JSON/);
});
