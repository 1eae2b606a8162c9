import { RotguardError } from '../core/errors.js';
import { EVENT_PAYLOAD_DECODERS, isEventKind, type EventKind } from '../store/event-kinds.js';

/** What a webhook subscribes to: every kind ('*') or a list of event kinds. */
export type WebhookKinds = EventKind[] | '*';

/** Names for a family of kinds, expanded when the webhook is added (the stored list names kinds only). */
export const KIND_ALIASES: Readonly<Record<string, readonly EventKind[]>> = {
  promoted: ['promoted_champion', 'promoted_challenger'],
  decided: ['decision'],
  frozen: ['frozen', 'unfrozen'],
  retrained: ['retrain_by_decision', 'retrain_override'],
};

/** Parses `promoted,decided`, `registered,gate_set` or `*` (a string or a list); unknown names are refused, listing the known ones. */
export function parseWebhookKinds(spec: string | readonly string[]): WebhookKinds {
  const names = (typeof spec === 'string' ? spec.split(',') : spec).map((s) => s.trim()).filter(Boolean);
  if (!names.length)
    throw new RotguardError('bad_webhook_kinds', 'name the event kinds to send (e.g. promoted,decided), or * for every kind', { field: 'kinds' });
  if (names.includes('*')) {
    if (names.length > 1) throw new RotguardError('bad_webhook_kinds', '* already means every kind; give it alone', { field: 'kinds' });
    return '*';
  }
  const kinds = new Set<EventKind>();
  for (const name of names) {
    const alias = Object.hasOwn(KIND_ALIASES, name) ? KIND_ALIASES[name] : undefined;
    if (alias) for (const k of alias) kinds.add(k);
    else if (isEventKind(name)) kinds.add(name);
    else
      throw new RotguardError(
        'bad_webhook_kinds',
        `"${name}" is not an event kind; use * or any of: ${[...Object.keys(KIND_ALIASES), ...Object.keys(EVENT_PAYLOAD_DECODERS)].join(', ')}`,
        { field: 'kinds' },
      );
  }
  return [...kinds].sort();
}
