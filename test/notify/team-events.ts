/**
 * Appends an event row the way a tool other than rotguard might: chained and signed, but
 * with a payload of the caller's choosing (a test of what the dispatcher does with a row it
 * cannot read).
 */
import { randomUUID } from 'node:crypto';
import { nowIso } from '../../src/core/clock.js';
import { eventMac } from '../../src/store/event-key.js';
import { eventHash, eventLogHead, type HashedEventFields } from '../../src/store/event-log.js';
import type { Store } from '../../src/store/store.js';

export async function appendRawEvent(store: Store, model: string, payload: string): Promise<number> {
  const head = await eventLogHead(store.db);
  const fields: HashedEventFields = {
    seq: head.seq + 1,
    prev_hash: head.hash,
    id: randomUUID(),
    at: nowIso(),
    actor: 'ana',
    kind: 'registered',
    subject: model,
    model,
    version_id: `${model}@raw`,
    reason: 'written around rotguard',
    payload,
    team: null,
  };
  const hash = eventHash(fields);
  await store.db
    .insertInto('events')
    .values({ ...fields, team: null, hash, mac: store.eventKey ? eventMac(store.eventKey, hash) : null })
    .execute();
  return fields.seq;
}
