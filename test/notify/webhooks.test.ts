import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { RotguardError } from '../../src/core/errors.js';
import { parseWebhookKinds } from '../../src/notify/kinds.js';
import { openSecret, sealSecret } from '../../src/notify/secret-box.js';
import { addWebhook, listWebhooks, removeWebhook, webhookDeliveries } from '../../src/notify/webhooks.js';
import { printableWebhookUrl, requestTarget } from '../../src/notify/webhook-url.js';
import { readEvents } from '../../src/store/event-log.js';
import { decodeEventPayload } from '../../src/store/event-kinds.js';
import { forEachBackend } from '../store/backends.js';

const code = (c: string) => (e: unknown) => e instanceof RotguardError && e.code === c;

it('parses kinds: event kinds, the named families, or *; anything else is refused with the known names', () => {
  assert.deepEqual(parseWebhookKinds('promoted,decided'), ['decision', 'promoted_challenger', 'promoted_champion']);
  assert.deepEqual(parseWebhookKinds(['registered', ' gate_set ', 'registered']), ['gate_set', 'registered']);
  assert.equal(parseWebhookKinds('*'), '*');
  assert.throws(
    () => parseWebhookKinds('promotd'),
    (e) => code('bad_webhook_kinds')(e) && /"promotd" is not an event kind; use \* or any of: promoted, decided/.test(String(e)),
  );
  assert.throws(() => parseWebhookKinds(''), code('bad_webhook_kinds'));
  assert.throws(() => parseWebhookKinds('*,registered'), code('bad_webhook_kinds'));
});

it('prints URLs without credentials and sends user:password as Basic authorization, not in the URL', () => {
  assert.equal(printableWebhookUrl('https://bot:s3cr3t@hooks.example.org/x?token=abc&team=a'), 'https://***:***@hooks.example.org/x?token=***&team=a');
  assert.deepEqual(requestTarget('https://bot:s%40cret@hooks.example.org/x'), {
    href: 'https://hooks.example.org/x',
    authorization: `Basic ${Buffer.from('bot:s@cret').toString('base64')}`,
  });
  assert.deepEqual(requestTarget('http://127.0.0.1:9/x'), { href: 'http://127.0.0.1:9/x', authorization: null });
});

it('seals a secret so that only the same event key and the same webhook id open it', () => {
  const key = { key: randomBytes(32), signedFromSeq: 1 };
  const sealed = sealSecret(key, 'wh_1', 'whsec_abcdefghijklmnop');
  assert.ok(!sealed.includes('abcdefghijklmnop'));
  assert.equal(openSecret(key, 'wh_1', sealed), 'whsec_abcdefghijklmnop');
  assert.throws(() => openSecret({ key: randomBytes(32), signedFromSeq: 1 }, 'wh_1', sealed), code('webhook_secret_unreadable'));
  assert.throws(() => openSecret(key, 'wh_2', sealed), code('webhook_secret_unreadable'), 'copied onto another webhook');
  assert.throws(() => openSecret(null, 'wh_1', sealed), code('webhook_secret_unreadable'));
  const [v, iv, tag, ct] = sealed.split('.');
  const flipped = Buffer.from(ct!, 'base64url');
  flipped[0]! ^= 1;
  assert.throws(() => openSecret(key, 'wh_1', [v, iv, tag, flipped.toString('base64url')].join('.')), code('webhook_secret_unreadable'));
});

forEachBackend('webhooks', (b) => {
  it('adds a webhook (secret returned once, stored only sealed), logs it without URL or secret, lists and removes it', async () => {
    const store = await b.openFresh();
    const url = 'https://bot:pw-in-url@hooks.example.org/services/T0/B0/path-secret?token=tok-in-url';
    const added = await addWebhook(store, { url, team: 'chem-a', kinds: 'promoted' }, 'admin');
    assert.equal(added.generated, true);
    assert.match(added.secret, /^whsec_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(added.webhook.kinds, ['promoted_challenger', 'promoted_champion']);
    assert.equal(added.webhook.url, 'https://***:***@hooks.example.org/services/T0/B0/path-secret?token=***');

    const row = await store.db.selectFrom('webhooks').selectAll().executeTakeFirstOrThrow();
    assert.equal(row.url, url, 'stored as given: delivery needs it');
    assert.ok(!row.secret_enc.includes(added.secret.slice(6)));
    assert.equal(openSecret(store.eventKey, row.id, row.secret_enc), added.secret);

    const [event] = await readEvents(store.db, { kind: 'webhook_added' });
    const payload = decodeEventPayload(event!, 'webhook_added');
    assert.equal(payload.origin, 'https://hooks.example.org');
    assert.equal(row.cursor_seq, event!.seq, 'it starts after its own creation');
    const text = JSON.stringify(await readEvents(store.db));
    for (const secret of [added.secret, 'pw-in-url', 'tok-in-url', 'path-secret']) assert.ok(!text.includes(secret), secret);

    const own = await addWebhook(store, { url: 'http://127.0.0.1:1/h', team: null, kinds: '*', secret: 'a-secret-of-my-own' }, 'admin');
    assert.deepEqual([own.generated, own.secret, own.webhook.team], [false, 'a-secret-of-my-own', null]);
    assert.deepEqual(new Set((await listWebhooks(store)).map((w) => w.id)), new Set([added.webhook.id, own.webhook.id]));
    assert.deepEqual(
      (await listWebhooks(store, { team: 'chem-a' })).map((w) => w.id),
      [added.webhook.id],
    );

    const removed = await removeWebhook(store, added.webhook.id, 'admin2');
    assert.equal(removed.disabledBy, 'admin2');
    await assert.rejects(removeWebhook(store, added.webhook.id, 'admin2'), code('webhook_removed'));
    await assert.rejects(removeWebhook(store, 'wh_nope', 'admin2'), code('unknown_webhook'));
    await assert.rejects(webhookDeliveries(store, 'wh_nope'), code('unknown_webhook'));
    assert.equal((await readEvents(store.db, { kind: 'webhook_removed' })).length, 1);
  });

  it('refuses a bad URL, unknown kinds and a short secret, naming the field, with the URL masked', async () => {
    const store = await b.openFresh();
    await assert.rejects(
      addWebhook(store, { url: 'ftp://u:hidden@example.org/x', team: 'a', kinds: '*' }, 'admin'),
      (e) => code('bad_webhook_url')(e) && (e as RotguardError).location.field === 'url' && !String(e).includes('hidden'),
    );
    await assert.rejects(addWebhook(store, { url: 'not a url', team: 'a', kinds: '*' }, 'admin'), code('bad_webhook_url'));
    await assert.rejects(addWebhook(store, { url: 'https://example.org/x', team: 'a', kinds: 'registerd' }, 'admin'), code('bad_webhook_kinds'));
    await assert.rejects(addWebhook(store, { url: 'https://example.org/x', team: 'a', kinds: '*', secret: 'short' }, 'admin'), code('bad_webhook_secret'));
    assert.equal((await listWebhooks(store)).length, 0);
  });
});
