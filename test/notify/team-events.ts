/**
 * Appends an event that belongs to a team. The tenancy layer's appendEvent fills
 * `events.team` from the acting team (migration 0010); until it is merged this writes the
 * same row itself: chained and signed exactly as appendEvent does, plus the team column.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { nowIso } from '../../src/core/clock.js';
import { eventMac } from '../../src/store/event-key.js';
import { EVENT_LOG_LOCK_KEY, eventHash, GENESIS_HASH, type HashedEventFields } from '../../src/store/event-log.js';
import type { Store } from '../../src/store/store.js';

/** `payload` replaces the stored payload text (a test of a row written by another tool). */
export async function appendTeamEvent(store: Store, team: string | null, model: string, version: number, payload?: string): Promise<number> {
  return store.db.transaction().execute(async (trx) => {
    if (store.backend === 'postgres') await sql`select pg_advisory_xact_lock(${sql.lit(EVENT_LOG_LOCK_KEY)})`.execute(trx);
    const head = await trx.selectFrom('events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    const fields: HashedEventFields = {
      seq: (head?.seq ?? 0) + 1,
      prev_hash: head?.hash ?? GENESIS_HASH,
      id: randomUUID(),
      at: nowIso(),
      actor: 'ana',
      kind: 'registered',
      subject: model,
      model,
      version_id: `${model}@${version}`,
      reason: `team ${team ?? '(shared)'}`,
      payload: payload ?? JSON.stringify({ buildHash: null, origin: 'built' }),
    };
    const hash = eventHash(fields);
    const mac = store.eventKey ? eventMac(store.eventKey, hash) : null;
    await sql`insert into events (seq, id, at, actor, kind, subject, model, version_id, reason, payload, prev_hash, hash, mac, team)
      values (${fields.seq}, ${fields.id}, ${fields.at}, ${fields.actor}, ${fields.kind}, ${fields.subject}, ${fields.model}, ${fields.version_id},
              ${fields.reason}, ${fields.payload}, ${fields.prev_hash}, ${hash}, ${mac}, ${team})`.execute(trx);
    return fields.seq;
  });
}
