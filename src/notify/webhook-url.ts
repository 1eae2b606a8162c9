import { maskUrl } from '../core/mask-url.js';
import { RotguardError } from '../core/errors.js';

/**
 * Webhook URLs may carry credentials (`https://user:pw@host/…`, `?token=…`). They are
 * stored as given, because delivery needs them, and only ever shown masked. fetch refuses
 * a URL with user:password, so those travel as an Authorization: Basic header instead.
 */
export function checkWebhookUrl(url: string): string {
  const trimmed = url.trim();
  let u: URL;
  try {
    u = new URL(trimmed);
  } catch {
    throw new RotguardError('bad_webhook_url', `"${maskUrl(trimmed)}" is not a URL; give an absolute http:// or https:// URL`, { field: 'url' });
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new RotguardError('bad_webhook_url', `${maskUrl(trimmed)}: a webhook URL must be http:// or https://, not ${u.protocol}`, { field: 'url' });
  return trimmed;
}

/** The URL as it may be printed or logged: user, password and secret-looking query parameters replaced by ***. */
export function printableWebhookUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return maskUrl(url);
  }
  // A token may be the user name alone (https://TOKEN@host): both parts are hidden.
  if (u.username) u.username = '***';
  if (u.password) u.password = '***';
  return maskUrl(u.toString());
}

/** Where to POST (no credentials in it) and the Basic authorization its user:password make, if any. */
export function requestTarget(url: string): { href: string; authorization: string | null } {
  const u = new URL(url);
  if (!u.username && !u.password) return { href: u.toString(), authorization: null };
  const credentials = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  u.username = '';
  u.password = '';
  return { href: u.toString(), authorization: `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}` };
}
