import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { signWebhookBody, verifyWebhookSignature } from '../../src/notify/signature.js';

describe('webhook signatures', () => {
  const secret = 'whsec_test-secret-0123456789';
  const body = JSON.stringify({ seq: 7, kind: 'promoted_champion', reason: 'gate passed, reviewed' });

  it('signs the raw body as sha256=<HMAC-SHA256 hex> (checked against an independent HMAC)', () => {
    assert.equal(signWebhookBody(secret, body), `sha256=${createHmac('sha256', Buffer.from(secret, 'utf8')).update(Buffer.from(body, 'utf8')).digest('hex')}`);
    // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    assert.equal(signWebhookBody('Jefe', 'what do ya want for nothing?'), 'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('accepts the signature of exactly these bytes, as a string or a Buffer, with or without upper-case hex', () => {
    const header = signWebhookBody(secret, body);
    assert.equal(verifyWebhookSignature(secret, body, header), true);
    assert.equal(verifyWebhookSignature(secret, Buffer.from(body), header), true);
    assert.equal(verifyWebhookSignature(secret, body, `sha256=${header.slice(7).toUpperCase()}`), true);
    assert.equal(verifyWebhookSignature(secret, body, [header]), true);
  });

  it('rejects a tampered body, another secret, and missing or malformed headers', () => {
    const header = signWebhookBody(secret, body);
    assert.equal(verifyWebhookSignature(secret, body.replace('reviewed', 'REVIEWED'), header), false);
    assert.equal(verifyWebhookSignature(secret, `${body} `, header), false, 'even a trailing space');
    assert.equal(verifyWebhookSignature(`${secret}x`, body, header), false);
    assert.equal(verifyWebhookSignature('', body, header), false);
    for (const bad of [undefined, null, '', 'sha256=', header.slice(7), `sha1=${header.slice(7)}`, `${header}00`, [header, header], []])
      assert.equal(verifyWebhookSignature(secret, body, bad), false, JSON.stringify(bad));
  });
});
