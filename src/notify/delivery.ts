import { nowIso } from '../core/clock.js';
import { maskUrl } from '../core/mask-url.js';
import { packageVersion } from '../core/package-info.js';
import { signWebhookBody } from './signature.js';
import { requestTarget } from './webhook-url.js';

/** What a receiver gets: the event as the log holds it, its payload as JSON. */
export interface WebhookEventBody {
  seq: number;
  id: string;
  at: string;
  kind: string;
  /** The event's team; null for a shared-standard event. */
  team: string | null;
  actor: string;
  subject: string;
  model: string | null;
  versionId: string | null;
  reason: string;
  payload: unknown;
  /** The event's chain hash (`rotguard audit verify` can confirm it is in the log). */
  hash: string;
}

export interface AttemptResult {
  ok: boolean;
  /** The receiver's HTTP status; null when no response came (refused, timed out). */
  status: number | null;
  /** Why it failed, safe to store and print (no URL credentials, never the secret). */
  error: string | null;
}

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; redirect: 'manual'; signal: AbortSignal },
) => Promise<{
  status: number;
  body?: { cancel(): Promise<void> } | null;
}>;

/**
 * One POST of one event. Success is a 2xx answer within the time limit; a redirect is a
 * failure (the event is not re-sent to wherever it points). The signature covers the exact
 * bytes sent. The response body is not read.
 */
export async function postEvent(
  fetchFn: FetchLike,
  o: { url: string; secret: string; deliveryId: string; event: WebhookEventBody; timeoutMs: number },
): Promise<AttemptResult> {
  const body = JSON.stringify(o.event);
  const target = requestTarget(o.url);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': `rotguard-webhooks/${packageVersion()}`,
    'x-rotguard-signature': signWebhookBody(o.secret, body),
    'x-rotguard-event': o.event.kind,
    'x-rotguard-delivery': o.deliveryId,
    'x-rotguard-timestamp': nowIso(),
  };
  if (target.authorization) headers.authorization = target.authorization;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), o.timeoutMs);
  try {
    const res = await fetchFn(target.href, { method: 'POST', headers, body, redirect: 'manual', signal: controller.signal });
    await res.body?.cancel().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, error: null };
    return { ok: false, status: res.status, error: `the receiver answered HTTP ${res.status}` };
  } catch (e) {
    if (controller.signal.aborted) return { ok: false, status: null, error: `no answer within ${o.timeoutMs} ms` };
    return { ok: false, status: null, error: safeError(e, target.href) };
  } finally {
    clearTimeout(timer);
  }
}

/** A network error in words, with its cause (fetch says only "fetch failed"); the target URL reduced to its origin, other URLs masked. */
export function safeError(e: unknown, href: string): string {
  const cause = e instanceof Error ? (e as { cause?: unknown }).cause : undefined;
  const detail = cause instanceof Error ? `: ${(cause as { code?: string }).code ?? cause.message}` : '';
  const text = e instanceof Error ? `${e.message}${detail}` : String(e);
  return maskUrl(text.split(href).join(new URL(href).origin)).slice(0, 500);
}
