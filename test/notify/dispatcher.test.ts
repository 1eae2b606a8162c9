import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { appendEvent, readEvents, type EventRow } from '../../src/store/event-log.js';
import type { Store } from '../../src/store/store.js';
import { startWebhookDispatcher, type WebhookDispatcherOptions } from '../../src/notify/dispatcher.js';
import { verifyWebhookSignature } from '../../src/notify/signature.js';
import { addWebhook, webhookDeliveries } from '../../src/notify/webhooks.js';
import { forEachBackend } from '../store/backends.js';
import { Receiver } from './receiver.js';
import { appendRawEvent } from './team-events.js';

/** Fast retries for tests: 5 ms, doubling, at most 40 ms between attempts. */
const FAST: Partial<WebhookDispatcherOptions> = { pollMs: 20, retry: { baseMs: 5, maxDelayMs: 40, maxAttempts: 30 } };

async function register(store: Store, model: string, version: number, team?: string | null) {
  return appendEvent(store.db, {
    ...(team !== undefined ? { team } : {}),
    kind: 'registered',
    subject: model,
    model,
    versionId: `${model}@${version}`,
    actor: 'ana',
    reason: `build ${version}`,
    payload: { buildHash: null, origin: 'built' },
  });
}

/** Starts a dispatcher; stopped (and waited for) after the test group. */
function dispatcher(store: Store, o: Partial<WebhookDispatcherOptions> = {}) {
  const controller = new AbortController();
  const lines: string[] = [];
  const d = startWebhookDispatcher(store, {
    ...FAST,
    ...o,
    signal: controller.signal,
    log: { info: (m) => lines.push(m), warn: (m) => lines.push(m) },
  });
  const stop = async () => {
    controller.abort();
    await d.stopped;
  };
  running.push(stop);
  return { ...d, lines, stop };
}

const running: Array<() => Promise<void>> = [];
const receivers: Receiver[] = [];
after(async () => {
  await Promise.all(running.map((s) => s()));
  await Promise.all(receivers.map((r) => r.close()));
});

async function receiver(answer?: ConstructorParameters<typeof Receiver>[0]): Promise<Receiver> {
  const r = await new Receiver(answer).start();
  receivers.push(r);
  return r;
}

forEachBackend('webhook dispatcher', (b) => {
  it('POSTs each event to a local receiver, signed, with its kind, delivery id and timestamp, in seq order', async () => {
    const store = await b.openFresh();
    const rx = await receiver();
    const { webhook, secret } = await addWebhook(store, { url: rx.url, team: null, kinds: '*' }, 'admin');
    const appended: EventRow[] = [];
    for (let i = 1; i <= 5; i++) appended.push(await register(store, 'sol-rf', i));
    const d = dispatcher(store);
    d.notify();
    await rx.accepts(5);
    await d.stop();

    assert.deepEqual(
      rx.requests.map((r) => r.event.seq),
      appended.map((e) => e.seq),
    );
    for (const [i, r] of rx.requests.entries()) {
      const e = appended[i]!;
      assert.equal(verifyWebhookSignature(secret, r.raw, r.headers['x-rotguard-signature']), true);
      assert.equal(r.headers['x-rotguard-event'], 'registered');
      assert.match(String(r.headers['x-rotguard-delivery']), /^[0-9a-f-]{36}$/);
      assert.ok(!Number.isNaN(Date.parse(String(r.headers['x-rotguard-timestamp']))));
      assert.equal(r.headers['content-type'], 'application/json');
      assert.deepEqual(r.event, {
        seq: e.seq,
        id: e.id,
        at: e.at,
        kind: 'registered',
        team: null,
        actor: 'ana',
        subject: 'sol-rf',
        model: 'sol-rf',
        versionId: `sol-rf@${i + 1}`,
        reason: `build ${i + 1}`,
        payload: { buildHash: null, origin: 'built' },
        hash: e.hash,
      });
    }
    // The webhook starts after its own creation: the webhook_added event was not sent.
    assert.equal((await readEvents(store.db, { kind: 'webhook_added' })).length, 1);
    const record = await webhookDeliveries(store, webhook.id);
    assert.equal(record.webhook.cursorSeq, appended.at(-1)!.seq);
    assert.deepEqual(
      record.deliveries.map((x) => [x.eventSeq, x.state, x.attempts, x.lastStatus]),
      appended.map((e) => [e.seq, 'delivered', 1, 200]).reverse(),
    );
  });

  it('retries a receiver that fails 3 times with backoff; it then gets the event exactly once, and the later ones after it, in order', async () => {
    const store = await b.openFresh();
    const first = await register(store, 'warm-up', 1); // before the webhook: never sent
    const rx = await receiver((_e, attempt) => (rx.requests.length < 3 && attempt <= 3 ? 503 : 200));
    const { webhook } = await addWebhook(store, { url: rx.url, team: null, kinds: ['registered'] }, 'admin');
    const events = [await register(store, 'sol-rf', 1), await register(store, 'sol-rf', 2), await register(store, 'sol-rf', 3)];
    const d = dispatcher(store);
    d.notify();
    await rx.accepts(3);
    // One more event after the successes: had anything been sent twice, it would have come before this one.
    const last = await register(store, 'sol-rf', 4);
    d.notify();
    await rx.accepts(4);
    await d.stop();

    const seqs = [...events, last].map((e) => e.seq);
    assert.ok(!rx.requests.some((r) => r.event.seq === first.seq));
    assert.deepEqual(
      rx.requests.map((r) => [r.event.seq, r.status]),
      [[seqs[0], 503], [seqs[0], 503], [seqs[0], 503], ...seqs.map((s) => [s, 200])],
      'the first event 3 times refused, then each event once, in order',
    );
    const ids = new Set(rx.requests.filter((r) => r.event.seq === seqs[0]).map((r) => r.headers['x-rotguard-delivery']));
    assert.equal(ids.size, 1, 'every retry of an event carries the same delivery id');
    const record = await webhookDeliveries(store, webhook.id);
    const firstDelivery = record.deliveries.find((x) => x.eventSeq === seqs[0])!;
    assert.deepEqual([firstDelivery.state, firstDelivery.attempts, firstDelivery.lastStatus, firstDelivery.lastError], ['delivered', 4, 200, null]);
    assert.ok(d.lines.some((l) => /attempt 3 failed \(the receiver answered HTTP 503\)/.test(l)));
  });

  it('keeps delivering to a healthy webhook while another one fails, and holds the failing one at its first event', async () => {
    const store = await b.openFresh();
    const down = await receiver(() => 500);
    const up = await receiver();
    const bad = await addWebhook(store, { url: down.url, team: null, kinds: '*' }, 'admin');
    await addWebhook(store, { url: up.url, team: null, kinds: ['registered'] }, 'admin');
    const events = [await register(store, 'a', 1), await register(store, 'a', 2), await register(store, 'a', 3)];
    const d = dispatcher(store);
    d.notify();
    await up.accepts(3);
    await down.requestsAtLeast(2);
    await d.stop();
    assert.deepEqual(
      up.accepted.map((r) => r.event.seq),
      events.map((e) => e.seq),
    );
    // The failing webhook's first event is the second webhook's webhook_added; it never got past it.
    const firstFor = down.requests[0]!.event.seq;
    assert.ok(down.requests.every((r) => r.event.seq === firstFor));
    const record = await webhookDeliveries(store, bad.webhook.id);
    assert.equal(record.webhook.cursorSeq < firstFor, true);
    assert.equal(record.deliveries[0]!.state, 'retrying');
    assert.equal(record.deliveries[0]!.lastStatus, 500);
  });

  it('gives up after the last attempt: a dead letter is recorded and the webhook moves on', async () => {
    const store = await b.openFresh();
    const rx = await receiver((e) => (e.versionId === 'a@1' ? 400 : 200));
    const { webhook } = await addWebhook(store, { url: rx.url, team: null, kinds: ['registered'] }, 'admin');
    const [poison, next] = [await register(store, 'a', 1), await register(store, 'a', 2)];
    const d = dispatcher(store, { retry: { baseMs: 1, maxDelayMs: 2, maxAttempts: 3 } });
    d.notify();
    await rx.accepts(1);
    await d.stop();
    assert.deepEqual(
      rx.requests.map((r) => [r.event.seq, r.status]),
      [
        [poison.seq, 400],
        [poison.seq, 400],
        [poison.seq, 400],
        [next.seq, 200],
      ],
    );
    const record = await webhookDeliveries(store, webhook.id);
    assert.deepEqual(
      record.deliveries.map((x) => [x.eventSeq, x.state, x.attempts]),
      [
        [next.seq, 'delivered', 1],
        [poison.seq, 'dead', 3],
      ],
    );
    assert.ok(d.lines.some((l) => /given up after 3 attempts/.test(l)));
  });

  it('resumes from its cursor in the database after a restart: nothing again, nothing skipped', async () => {
    const store = await b.openFresh();
    const rx = await receiver();
    await addWebhook(store, { url: rx.url, team: null, kinds: ['registered'] }, 'admin');
    const before = [await register(store, 'm', 1), await register(store, 'm', 2)];
    const d1 = dispatcher(store);
    d1.notify();
    await rx.accepts(2);
    await d1.stop();
    const whileDown = [await register(store, 'm', 3), await register(store, 'm', 4)];
    const d2 = dispatcher(store);
    d2.notify();
    await rx.accepts(4);
    const after = await register(store, 'm', 5);
    d2.notify();
    await rx.accepts(5);
    await d2.stop();
    assert.deepEqual(
      rx.requests.map((r) => r.event.seq),
      [...before, ...whileDown, after].map((e) => e.seq),
    );
  });

  it("sends a team's webhook only that team's events, and an organisation-wide webhook every event", async () => {
    const store = await b.openFresh();
    const [rxA, rxB, rxAll] = [await receiver(), await receiver(), await receiver()];
    await addWebhook(store, { url: rxA.url, team: 'chem-a', kinds: '*' }, 'admin');
    await addWebhook(store, { url: rxB.url, team: 'chem-b', kinds: '*' }, 'admin');
    await addWebhook(store, { url: rxAll.url, team: null, kinds: '*' }, 'admin');
    const a1 = (await register(store, 'a-model', 1, 'chem-a')).seq;
    const b1 = (await register(store, 'b-model', 1, 'chem-b')).seq;
    const shared = (await register(store, 'std', 1, null)).seq;
    const a2 = (await register(store, 'a-model', 2, 'chem-a')).seq;
    const b2 = (await register(store, 'b-model', 2, 'chem-b')).seq;
    const d = dispatcher(store);
    d.notify();
    // Each webhook's events come in seq order, so by its last expected event, anything foreign would have come too.
    await Promise.all([rxA.accepts(2), rxB.accepts(2), rxAll.accepts(5)]);
    await d.stop();
    assert.deepEqual(
      rxA.requests.map((r) => [r.event.seq, r.event.team]),
      [
        [a1, 'chem-a'],
        [a2, 'chem-a'],
      ],
    );
    assert.deepEqual(
      rxB.requests.map((r) => r.event.seq),
      [b1, b2],
    );
    assert.deepEqual(
      rxAll.requests.map((r) => r.event.seq),
      [a1, b1, shared, a2, b2],
    );
  });

  it('stops sending to a removed webhook', async () => {
    const store = await b.openFresh();
    const rx = await receiver();
    const kept = await receiver();
    const { webhook } = await addWebhook(store, { url: rx.url, team: null, kinds: ['registered'] }, 'admin');
    await addWebhook(store, { url: kept.url, team: null, kinds: ['registered'] }, 'admin');
    const { removeWebhook } = await import('../../src/notify/webhooks.js');
    await removeWebhook(store, webhook.id, 'admin');
    const e = await register(store, 'm', 1);
    const d = dispatcher(store);
    d.notify();
    await kept.accepts(1);
    await d.stop();
    assert.deepEqual(
      kept.requests.map((r) => r.event.seq),
      [e.seq],
    );
    assert.equal(rx.requests.length, 0);
  });
});

forEachBackend('webhook dispatcher and a row written by another tool', (b) => {
  it('holds a webhook at an event whose payload is not JSON, warning with its seq, and sends nothing after it', async () => {
    const store = await b.openFresh();
    const rx = await receiver();
    await addWebhook(store, { url: rx.url, team: null, kinds: '*' }, 'admin');
    const good = await register(store, 'm', 1);
    const bad = await appendRawEvent(store, 'm', '{not json');
    await register(store, 'm', 3);
    const d = dispatcher(store);
    d.notify();
    await rx.accepts(1);
    while (!d.lines.some((l) => l.includes(`registered event ${bad}`))) await new Promise((r) => setTimeout(r, 5));
    await d.stop();
    assert.deepEqual(
      rx.requests.map((r) => r.event.seq),
      [good.seq],
    );
    assert.match(d.lines.find((l) => l.includes(`registered event ${bad}`))!, /is not valid JSON.*trying again at the next poll/);
  });
});

forEachBackend('webhook secrets', (b) => {
  it('never puts the secret or the URL credentials in logs, events, stored errors or listings; credentials travel as Basic auth', async () => {
    const store = await b.openFresh();
    const ok = await receiver();
    const failing = await receiver(() => 500);
    const closed = await receiver();
    await closed.close(); // nothing listens there any more: connection refused
    const withCredentials = (u: string) => u.replace('http://', 'http://hookbot:pw-in-url@').concat('?token=tok-in-url');
    const secrets: string[] = ['pw-in-url', 'tok-in-url'];
    const ids: string[] = [];
    for (const url of [ok.url, failing.url, closed.url]) {
      const added = await addWebhook(store, { url: withCredentials(url), team: null, kinds: ['registered'] }, 'admin');
      secrets.push(added.secret);
      ids.push(added.webhook.id);
    }
    await register(store, 'm', 1);
    const d = dispatcher(store);
    d.notify();
    await ok.accepts(1);
    await failing.requestsAtLeast(2);
    const { listWebhooks } = await import('../../src/notify/webhooks.js');
    while (((await webhookDeliveries(store, ids[2]!)).deliveries[0]?.attempts ?? 0) < 2) await new Promise((r) => setTimeout(r, 10));
    await d.stop();

    assert.equal(ok.requests[0]!.headers.authorization, `Basic ${Buffer.from('hookbot:pw-in-url').toString('base64')}`);
    assert.match(ok.requests[0]!.raw, /"kind":"registered"/);
    const records = await Promise.all(ids.map((id) => webhookDeliveries(store, id)));
    assert.equal(records[1]!.deliveries[0]!.lastError, 'the receiver answered HTTP 500');
    assert.match(records[2]!.deliveries[0]!.lastError!, /ECONNREFUSED/);
    const everything = [
      d.lines.join('\n'),
      JSON.stringify(await readEvents(store.db)),
      JSON.stringify(records),
      JSON.stringify(await listWebhooks(store)),
      JSON.stringify(await store.db.selectFrom('webhook_deliveries').selectAll().execute()),
    ].join('\n');
    assert.match(everything, /ECONNREFUSED/, 'the errors are there');
    for (const s of secrets) assert.ok(!everything.includes(s), `leaked ${s.slice(0, 8)}…`);
  });
});

forEachBackend('two webhook dispatchers', (b) => {
  it('deliver each event once: one holds the lease, the other stands by and takes over when it stops', async () => {
    const store = await b.openFresh();
    const rx = await receiver();
    await addWebhook(store, { url: rx.url, team: null, kinds: ['registered'] }, 'admin');
    const first = dispatcher(store);
    const second = dispatcher(store);
    const before = [await register(store, 'm', 1), await register(store, 'm', 2), await register(store, 'm', 3)];
    first.notify();
    second.notify();
    await rx.accepts(3);
    const [active, standby] = first.lines.includes('webhooks: this dispatcher delivers') ? [first, second] : [second, first];
    while (!standby.lines.includes('webhooks: another dispatcher delivers; standing by')) await new Promise((r) => setTimeout(r, 5));
    assert.ok(!standby.lines.some((l) => /delivered/.test(l)), 'the standby sent nothing');
    await active.stop();
    const afterStop = [await register(store, 'm', 4), await register(store, 'm', 5)];
    standby.notify();
    await rx.accepts(5);
    await standby.stop();
    assert.ok(standby.lines.includes('webhooks: this dispatcher delivers'), 'the standby took over');
    assert.deepEqual(
      rx.requests.map((r) => r.event.seq),
      [...before, ...afterStop].map((e) => e.seq),
      'every event once, in order',
    );
  });
});
