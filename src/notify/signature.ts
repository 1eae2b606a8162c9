import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures: `X-Rotguard-Signature: sha256=<hex HMAC-SHA256 of the raw body>`,
 * keyed by the webhook's secret (its UTF-8 bytes). Receivers verify the bytes they
 * received, before parsing them: re-serialising parsed JSON would not give the same bytes.
 */
export const SIGNATURE_HEADER = 'x-rotguard-signature';

/** The header value for a body: `sha256=<hex>`. */
export function signWebhookBody(secret: string, rawBody: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/**
 * True when `header` (the X-Rotguard-Signature value, as a receiver's framework hands it
 * over) is the signature of exactly `rawBody` under `secret`. Compared in constant time;
 * a missing, repeated or malformed header is false, never an exception.
 */
export function verifyWebhookSignature(secret: string, rawBody: string | Uint8Array, header: string | readonly string[] | null | undefined): boolean {
  const value = typeof header === 'string' ? header : Array.isArray(header) && header.length === 1 ? header[0] : undefined;
  if (typeof value !== 'string' || !secret) return false;
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(value.trim());
  if (!m) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(m[1]!, 'hex'));
}
