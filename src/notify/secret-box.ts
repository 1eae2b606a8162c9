import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { RotguardError } from '../core/errors.js';
import type { EventKey } from '../store/event-key.js';

/**
 * Webhook signing secrets at rest. The dispatcher must sign with the secret itself, so a
 * hash will not do: it is stored encrypted (AES-256-GCM) under a key derived (HKDF-SHA256)
 * from the workspace's event key, the file beside the store that never enters the
 * database. The webhook id is the associated data, so a ciphertext copied onto another
 * webhook's row does not open. Same threat model as event signatures: someone who can read
 * the database but not the key file (a PostgreSQL role, a leaked connection string, a
 * database dump) cannot read a secret; whoever can read the key file can.
 */
const FORMAT = 'v1';
const INFO = 'rotguard webhook secret v1';

function boxKey(eventKey: EventKey): Buffer {
  return Buffer.from(hkdfSync('sha256', eventKey.key, Buffer.alloc(0), INFO, 32));
}

/** A new signing secret: 32 random bytes, printable. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export function sealSecret(eventKey: EventKey, webhookId: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', boxKey(eventKey), iv);
  cipher.setAAD(Buffer.from(webhookId, 'utf8'));
  const ct = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [FORMAT, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
}

/** The secret, or `webhook_secret_unreadable` (another workspace's key, an edited row); the message never holds key material. */
export function openSecret(eventKey: EventKey | null, webhookId: string, sealed: string): string {
  const parts = sealed.split('.');
  if (!eventKey)
    throw new RotguardError('webhook_secret_unreadable', `webhook ${webhookId}: this workspace has no event key, so its signing secret cannot be opened`);
  if (parts.length !== 4 || parts[0] !== FORMAT)
    throw new RotguardError('webhook_secret_unreadable', `webhook ${webhookId}: the stored signing secret is not in a format rotguard wrote`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', boxKey(eventKey), Buffer.from(parts[1]!, 'base64url'));
    decipher.setAAD(Buffer.from(webhookId, 'utf8'));
    decipher.setAuthTag(Buffer.from(parts[2]!, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(parts[3]!, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new RotguardError(
      'webhook_secret_unreadable',
      `webhook ${webhookId}: the stored signing secret does not open with this workspace's event key (stored by a client with another key, or edited); remove the webhook and add it again`,
    );
  }
}
