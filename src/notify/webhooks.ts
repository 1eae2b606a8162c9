import { randomBytes } from 'node:crypto';
import { nowIso } from '../core/clock.js';
import { sha256Hex } from '../core/hash.js';
import { decodeJson } from '../core/decode.js';
import { RotguardError } from '../core/errors.js';
import { appendEvent, eventLogHead } from '../store/event-log.js';
import type { Row } from '../store/schema.js';
import { inTransaction, type Store } from '../store/store.js';
import { webhookKindsDecoder } from './decoders.js';
import { parseWebhookKinds } from './kinds.js';
import { generateWebhookSecret, sealSecret } from './secret-box.js';
import { checkWebhookUrl, printableWebhookUrl } from './webhook-url.js';

/**
 * Webhook subscriptions: add, list, remove, and the delivery record of one. A webhook
 * receives the events appended after it was added (its cursor starts at its own
 * `webhook_added` event), of its team, or of every team when it is organisation-wide
 * (team null). Adding and removing are events; the secret is in neither, nor is the URL
 * (a Slack-style URL is itself a secret): its origin and sha256 are.
 */
export interface WebhookInfo {
  id: string;
  /** Credentials masked. */
  url: string;
  team: string | null;
  kinds: string[] | '*';
  createdAt: string;
  createdBy: string;
  disabledAt: string | null;
  disabledBy: string | null;
  /** The last event seq this webhook is done with. */
  cursorSeq: number;
  delivered: number;
  pending: number;
  dead: number;
}

export interface AddWebhookInput {
  url: string;
  /** null: organisation-wide (every team's events; an admin's decision, checked by the front end). */
  team: string | null;
  kinds: string | readonly string[];
  /** A secret of your own (≥ 16 characters); otherwise one is generated and returned once. */
  secret?: string;
}

export const MIN_SECRET_LENGTH = 16;

export function webhookKindsOf(row: Pick<Row<'webhooks'>, 'id' | 'kinds'>): string[] | '*' {
  return decodeJson(row.kinds, webhookKindsDecoder, { kind: 'row', what: 'kinds of webhook', id: row.id });
}

export async function addWebhook(store: Store, input: AddWebhookInput, actor: string): Promise<{ webhook: WebhookInfo; secret: string; generated: boolean }> {
  const url = checkWebhookUrl(input.url);
  const kinds = parseWebhookKinds(input.kinds);
  const team = input.team === null ? null : input.team.trim();
  if (team === '') throw new RotguardError('bad_name', 'a webhook team must be a team name (or organisation-wide)', { field: 'team' });
  if (input.secret !== undefined && input.secret.length < MIN_SECRET_LENGTH)
    throw new RotguardError('bad_webhook_secret', `a webhook secret must be at least ${MIN_SECRET_LENGTH} characters (its length was ${input.secret.length})`, {
      field: 'secret',
    });
  if (!store.eventKey)
    throw new RotguardError(
      'no_event_key',
      `the workspace has no event key (event-key.json), so a webhook's signing secret cannot be kept; run "rotguard init" on this workspace first`,
    );
  const generated = input.secret === undefined;
  const secret = input.secret ?? generateWebhookSecret();
  const id = `wh_${randomBytes(8).toString('hex')}`;
  const at = nowIso();
  await inTransaction(store, async (trx) => {
    await trx
      .insertInto('webhooks')
      .values({
        id,
        url,
        team,
        kinds: JSON.stringify(kinds),
        secret_enc: sealSecret(store.eventKey!, id, secret),
        cursor_seq: 0,
        created_at: at,
        created_by: actor,
        disabled_at: null,
        disabled_by: null,
      })
      .execute();
    const event = await appendEvent(trx, {
      kind: 'webhook_added',
      subject: `webhook:${id}`,
      // The webhook's team sees its own subscription in the log (organisation-wide: a shared event).
      team,
      actor,
      payload: { webhook: id, origin: new URL(url).origin, urlSha256: sha256Hex(url), team, kinds },
    });
    // Only what happens from now on: the webhook's own creation is its starting point.
    await trx.updateTable('webhooks').set({ cursor_seq: event.seq }).where('id', '=', id).execute();
  });
  return { webhook: await showWebhook(store, id), secret, generated };
}

export async function removeWebhook(store: Store, id: string, actor: string): Promise<WebhookInfo> {
  await inTransaction(store, async (trx) => {
    const row = await trx.selectFrom('webhooks').select(['id', 'team', 'disabled_at']).where('id', '=', id).executeTakeFirst();
    if (!row) throw new RotguardError('unknown_webhook', `no webhook ${id}; "rotguard webhooks list" shows them`, { field: 'id' });
    if (row.disabled_at) throw new RotguardError('webhook_removed', `webhook ${id} was already removed at ${row.disabled_at}`, { field: 'id' });
    await trx.updateTable('webhooks').set({ disabled_at: nowIso(), disabled_by: actor }).where('id', '=', id).execute();
    await appendEvent(trx, { kind: 'webhook_removed', subject: `webhook:${id}`, team: row.team, actor, payload: { webhook: id } });
  });
  return showWebhook(store, id);
}

/** Every webhook (removed ones too, with when and by whom), optionally of one team. */
export async function listWebhooks(store: Store, o: { team?: string | null } = {}): Promise<WebhookInfo[]> {
  let q = store.db.selectFrom('webhooks').selectAll();
  if (o.team !== undefined) q = o.team === null ? q.where('team', 'is', null) : q.where('team', '=', o.team);
  const rows = await q.orderBy('created_at').orderBy('id').execute();
  const counts = await store.db
    .selectFrom('webhook_deliveries')
    .select((eb) => [
      'webhook',
      eb.fn.countAll<number>().as('n'),
      eb.fn.count<number>('delivered_at').as('delivered'),
      eb.fn.count<number>('dead_at').as('dead'),
    ])
    .groupBy('webhook')
    .execute();
  const byHook = new Map(counts.map((c) => [c.webhook, c]));
  return rows.map((r) => info(r, byHook.get(r.id)));
}

export async function showWebhook(store: Store, id: string): Promise<WebhookInfo> {
  const found = (await listWebhooks(store)).find((w) => w.id === id);
  if (!found) throw new RotguardError('unknown_webhook', `no webhook ${id}; "rotguard webhooks list" shows them`, { field: 'id' });
  return found;
}

function info(r: Row<'webhooks'>, c?: { n: number; delivered: number; dead: number }): WebhookInfo {
  const n = Number(c?.n ?? 0);
  const delivered = Number(c?.delivered ?? 0);
  const dead = Number(c?.dead ?? 0);
  return {
    id: r.id,
    url: printableWebhookUrl(r.url),
    team: r.team,
    kinds: webhookKindsOf(r),
    createdAt: r.created_at,
    createdBy: r.created_by,
    disabledAt: r.disabled_at,
    disabledBy: r.disabled_by,
    cursorSeq: r.cursor_seq,
    delivered,
    pending: n - delivered - dead,
    dead,
  };
}

export type DeliveryState = 'delivered' | 'retrying' | 'dead';

export interface DeliveryInfo {
  /** The X-Rotguard-Delivery id (the same on every attempt of this event). */
  id: string;
  eventSeq: number;
  kind: string;
  state: DeliveryState;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  deadAt: string | null;
}

/** A webhook's deliveries, newest event first, with how far it is behind the log's head. */
export async function webhookDeliveries(
  store: Store,
  id: string,
  o: { limit?: number } = {},
): Promise<{ webhook: WebhookInfo; headSeq: number; deliveries: DeliveryInfo[] }> {
  const webhook = await showWebhook(store, id);
  const rows = await store.db
    .selectFrom('webhook_deliveries as w')
    .innerJoin('events as e', 'e.seq', 'w.event_seq')
    .selectAll('w')
    .select('e.kind')
    .where('w.webhook', '=', id)
    .orderBy('w.event_seq', 'desc')
    .limit(o.limit ?? 50)
    .execute();
  return {
    webhook,
    headSeq: (await eventLogHead(store.db)).seq,
    deliveries: rows.map((r) => ({
      id: r.id,
      eventSeq: r.event_seq,
      kind: r.kind,
      state: r.delivered_at ? 'delivered' : r.dead_at ? 'dead' : 'retrying',
      attempts: r.attempts,
      lastStatus: r.last_status,
      lastError: r.last_error,
      lastAttemptAt: r.last_attempt_at,
      nextAttemptAt: r.next_attempt_at,
      deliveredAt: r.delivered_at,
      deadAt: r.dead_at,
    })),
  };
}
