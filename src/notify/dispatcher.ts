import { randomUUID } from 'node:crypto';
import { nowIso, nowMs } from '../core/clock.js';
import { d, decodeJson } from '../core/decode.js';
import { RotguardError } from '../core/errors.js';
import { eventLogHead } from '../store/event-log.js';
import type { Row } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { postEvent, type FetchLike, type WebhookEventBody } from './delivery.js';
import { DEFAULT_RETRY, retryDelayMs, type RetryPolicy } from './retry.js';
import { openSecret } from './secret-box.js';
import { webhookKindsOf } from './webhooks.js';

/**
 * The webhook dispatcher follows the event log and POSTs each matching event to each
 * webhook, in seq order per webhook.
 *
 * - **Cursor in the database.** Each webhook's `cursor_seq` is the last event it is done
 *   with; it moves in the same transaction that records a delivery, so a restarted
 *   dispatcher resumes exactly there. A crash between the receiver's 2xx and that commit
 *   re-sends the event: delivery is at least once, with the same `X-Rotguard-Delivery` id,
 *   so a receiver can drop the repeat.
 * - **Order.** A webhook's events go one at a time; a failed one is retried (backoff in
 *   retry.ts) before any later one is sent. After the last attempt it is a dead letter
 *   (kept in `webhook_deliveries`, shown by `rotguard webhooks deliveries`) and the webhook
 *   moves on.
 * - **Isolation.** Every webhook drains on its own; a slow or failing receiver delays only
 *   its own events.
 * - **Following.** It polls for `seq > cursor` every `pollMs`, and `notify()` wakes it at
 *   once (a server calls it after a write). Reading up to a head read first is safe
 *   because appends are serialized until commit (event-log.ts): events become visible in seq order.
 * - **Secrets.** Secrets are opened only to sign; logs name the webhook id and the
 *   receiver's origin, never the secret, the URL's path, query or credentials.
 *
 * - **One at a time.** A dispatcher delivers only while it holds the store's webhook lease
 *   (renewed every pass, `leaseMs`); a second server or a stray `rotguard webhooks run`
 *   stands by and takes over when the first stops (it releases the lease) or dies (the lease
 *   lapses). Two could overlap only if a holder stalls for longer than the lease: then an
 *   event may be sent twice, which at-least-once delivery already allows.
 */
export interface WebhookLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface WebhookDispatcherOptions {
  /** Stops the dispatcher; deliveries in flight finish (within timeoutMs) and are recorded. */
  signal: AbortSignal;
  log?: WebhookLog;
  /** The HTTP client (default: Node's global fetch). */
  fetch?: FetchLike;
  /** How often to look for new events without a notify() (default 1000 ms). */
  pollMs?: number;
  /** How long a receiver may take to answer (default 10 s). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Events read per query (default 100). */
  batchSize?: number;
  /** How long the lease lasts without renewal (default 30 s; at least 3 × pollMs). */
  leaseMs?: number;
  /**
   * The store acting for a team (a server's `tenants.forTeam`): a team's webhook reads its
   * events through it, so on PostgreSQL row-level security applies. Omitted: `store` reads
   * every webhook's events. `store` itself must see what organisation-wide webhooks send: a
   * server role's unscoped `tenants.base` sees only shared-standard events (team null); every
   * team's events need the tables' owner.
   */
  storeForTeam?: (team: string) => Store;
}

export interface WebhookDispatcher {
  /** New events may be there: look now instead of at the next poll. */
  notify(): void;
  /** Resolves once the dispatcher has stopped (after signal aborts) and recorded its last deliveries. */
  readonly stopped: Promise<void>;
}

const SILENT: WebhookLog = { info: () => undefined, warn: () => undefined };

export function startWebhookDispatcher(store: Store, o: WebhookDispatcherOptions): WebhookDispatcher {
  const log = o.log ?? SILENT;
  const fetchFn: FetchLike = o.fetch ?? (globalThis.fetch as unknown as FetchLike);
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...o.retry };
  const pollMs = o.pollMs ?? 1000;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const batchSize = o.batchSize ?? 100;
  const leaseMs = Math.max(o.leaseMs ?? 30_000, 3 * pollMs);
  const holder = randomUUID();
  /** Whether this dispatcher held the lease at its last pass (null before the first): logged when it changes. */
  let active: boolean | null = null;
  const running = new Map<string, Promise<void>>();
  /** Webhooks waiting for a retry, and when (ms). */
  const retryAt = new Map<string, number>();
  const secrets = new Map<string, string>();
  let nudged = false;
  let wake: (() => void) | null = null;

  const notify = () => {
    nudged = true;
    wake?.();
  };

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        o.signal.removeEventListener('abort', done);
        wake = null;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      o.signal.addEventListener('abort', done, { once: true });
      wake = done;
    });
  }

  function nextWakeMs(): number {
    let next = pollMs;
    const now = nowMs();
    for (const at of retryAt.values()) next = Math.min(next, at - now);
    return next;
  }

  /** Takes or renews the lease; false while another dispatcher holds it. */
  async function holdLease(): Promise<boolean> {
    const now = nowMs();
    const expires = new Date(now + leaseMs).toISOString();
    await store.db
      .insertInto('webhook_lease')
      .values({ name: 'dispatcher', holder, expires_at: expires })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const r = await store.db
      .updateTable('webhook_lease')
      .set({ holder, expires_at: expires })
      .where('name', '=', 'dispatcher')
      .where((eb) => eb.or([eb('holder', '=', holder), eb('expires_at', '<', new Date(now).toISOString())]))
      .executeTakeFirst();
    const held = r.numUpdatedRows > 0n;
    if (held !== active) log.info(held ? 'webhooks: this dispatcher delivers' : 'webhooks: another dispatcher delivers; standing by');
    active = held;
    return held;
  }

  async function pass(): Promise<void> {
    if (!(await holdLease())) return;
    const head = (await eventLogHead(store.db)).seq;
    const hooks = await store.db.selectFrom('webhooks').selectAll().where('disabled_at', 'is', null).execute();
    const now = nowMs();
    for (const w of hooks) {
      if (running.has(w.id) || w.cursor_seq >= head) continue;
      const due = retryAt.get(w.id);
      if (due !== undefined && due > now) continue;
      retryAt.delete(w.id);
      const p = drain(w, head)
        .catch((e: unknown) => {
          // A store error (a restart of PostgreSQL…) or an unreadable event: try again at the next poll, not at once.
          retryAt.set(w.id, nowMs() + pollMs);
          log.warn(`webhook ${w.id} (${origin(w.url)}): ${e instanceof RotguardError ? e.message : describe(e)}; trying again at the next poll`);
        })
        .finally(() => {
          running.delete(w.id);
          wake?.();
        });
      running.set(w.id, p);
    }
  }

  /** Delivers w's matching events up to head, in order, until one fails or all are done. */
  async function drain(w: Row<'webhooks'>, head: number): Promise<void> {
    const kinds = webhookKindsOf(w);
    let cursor = w.cursor_seq;
    for (;;) {
      if (o.signal.aborted) return;
      // A team's webhook reads through that team's store (row-level security on PostgreSQL shows it its own events).
      const reader = w.team !== null && o.storeForTeam ? o.storeForTeam(w.team) : store;
      let q = reader.db
        .selectFrom('events')
        .select(['seq', 'id', 'at', 'kind', 'actor', 'subject', 'model', 'version_id', 'reason', 'payload', 'hash', 'team'])
        .where('seq', '>', cursor)
        .where('seq', '<=', head);
      if (w.team !== null) q = q.where('team', '=', w.team);
      if (kinds !== '*') q = q.where('kind', 'in', kinds.length ? kinds : ['']);
      const events = await q.orderBy('seq').limit(batchSize).execute();
      for (const e of events) {
        if (o.signal.aborted) return;
        // Stored canonical JSON; an unreadable one (a tampered row) holds this webhook at it, warned every poll, for the audit to explain.
        const payload = decodeJson(e.payload, d.unknown, { kind: 'event', what: e.kind, id: String(e.seq) });
        const body: WebhookEventBody = {
          seq: e.seq,
          id: e.id,
          at: e.at,
          kind: e.kind,
          team: e.team,
          actor: e.actor,
          subject: e.subject,
          model: e.model,
          versionId: e.version_id,
          reason: e.reason,
          payload,
          hash: e.hash,
        };
        if (!(await deliver(w, body))) return;
        cursor = e.seq;
      }
      if (events.length < batchSize) {
        if (cursor < head) await moveCursor(store, w.id, head);
        return;
      }
    }
  }

  /** One event to one webhook: true when the webhook is done with it (delivered or dead), false to retry later. */
  async function deliver(w: Row<'webhooks'>, event: WebhookEventBody): Promise<boolean> {
    await store.db
      .insertInto('webhook_deliveries')
      .values({
        id: randomUUID(),
        webhook: w.id,
        event_seq: event.seq,
        attempts: 0,
        last_status: null,
        last_error: null,
        last_attempt_at: null,
        next_attempt_at: null,
        delivered_at: null,
        dead_at: null,
        created_at: nowIso(),
      })
      .onConflict((oc) => oc.columns(['webhook', 'event_seq']).doNothing())
      .execute();
    const row = await store.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('webhook', '=', w.id)
      .where('event_seq', '=', event.seq)
      .executeTakeFirstOrThrow();
    if (row.delivered_at || row.dead_at) {
      await moveCursor(store, w.id, event.seq);
      return true;
    }
    if (row.next_attempt_at && Date.parse(row.next_attempt_at) > nowMs()) {
      retryAt.set(w.id, Date.parse(row.next_attempt_at));
      return false;
    }
    let secret = secrets.get(w.id);
    if (secret === undefined) {
      try {
        secret = openSecret(store.eventKey, w.id, w.secret_enc);
        secrets.set(w.id, secret);
      } catch (e) {
        // Nothing can be signed: wait (the key may be restored), without spending attempts.
        const message = e instanceof RotguardError ? e.message : describe(e);
        await store.db.updateTable('webhook_deliveries').set({ last_error: message, last_attempt_at: nowIso() }).where('id', '=', row.id).execute();
        retryAt.set(w.id, nowMs() + policy.maxDelayMs);
        log.warn(`webhook ${w.id}: ${message}`);
        return false;
      }
    }
    const result = await postEvent(fetchFn, { url: w.url, secret, deliveryId: row.id, event, timeoutMs });
    const attempts = row.attempts + 1;
    const at = nowIso();
    const where = `webhook ${w.id} (${origin(w.url)}) event ${event.seq} (${event.kind})`;
    if (result.ok || attempts >= policy.maxAttempts) {
      await store.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('webhook_deliveries')
          .set({
            attempts,
            last_status: result.status,
            last_error: result.error,
            last_attempt_at: at,
            next_attempt_at: null,
            ...(result.ok ? { delivered_at: at } : { dead_at: at }),
          })
          .where('id', '=', row.id)
          .execute();
        await trx.updateTable('webhooks').set({ cursor_seq: event.seq }).where('id', '=', w.id).where('cursor_seq', '<', event.seq).execute();
      });
      if (result.ok) log.info(`${where}: delivered (HTTP ${result.status}, attempt ${attempts})`);
      else log.warn(`${where}: given up after ${attempts} attempts (${result.error}); kept as a dead letter, moving on`);
      return true;
    }
    const delay = retryDelayMs(attempts, policy);
    const next = nowMs() + delay;
    await store.db
      .updateTable('webhook_deliveries')
      .set({ attempts, last_status: result.status, last_error: result.error, last_attempt_at: at, next_attempt_at: new Date(next).toISOString() })
      .where('id', '=', row.id)
      .execute();
    retryAt.set(w.id, next);
    log.warn(`${where}: attempt ${attempts} failed (${result.error}); next in ${delay} ms`);
    return false;
  }

  async function loop(): Promise<void> {
    while (!o.signal.aborted) {
      nudged = false;
      try {
        await pass();
      } catch (e) {
        log.warn(`webhooks: cannot read the event log: ${describe(e)}`);
      }
      if (o.signal.aborted) break;
      if (!nudged) await sleep(nextWakeMs());
    }
    await Promise.allSettled([...running.values()]);
    // Hand over at once instead of making a standby wait for the lease to lapse.
    if (active === true)
      await store.db
        .updateTable('webhook_lease')
        .set({ expires_at: new Date(0).toISOString() })
        .where('name', '=', 'dispatcher')
        .where('holder', '=', holder)
        .execute()
        .catch(() => undefined);
  }

  return { notify, stopped: loop() };
}

async function moveCursor(store: Store, webhook: string, seq: number): Promise<void> {
  await store.db.updateTable('webhooks').set({ cursor_seq: seq }).where('id', '=', webhook).where('cursor_seq', '<', seq).execute();
}

function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'an unparsable URL';
  }
}

/** An unexpected error's first line, without URLs' credentials (a database URL in a driver's message). */
function describe(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0]!.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi, (u) => origin(u));
}
