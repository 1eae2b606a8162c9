import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { RotguardError } from '../core/errors.js';

/**
 * The workspace's event key: a secret kept in a file beside the store (never in the
 * database), with which every event appended from this workspace is signed
 * (HMAC-SHA256 over the event's chain hash, stored in `events.mac`).
 *
 * Threat model. The hash chain shows an edit, a deletion or a reordering, but anyone who
 * can write the database can also append a new, correctly chained event (a forged
 * promotion by a fake approver) or rewrite the tail with recomputed hashes. The MAC
 * closes that for someone with access to the database but not to this file: a PostgreSQL
 * role, a leaked connection string, a database copy handed around. It does not protect
 * against someone who can read the key file (the workspace's owner, root): for that the
 * head hash must be kept elsewhere (`audit verify --expect-head`) or events signed by a
 * server or the approvers' own keys.
 *
 * `signedFromSeq` is the first event that must carry a MAC (events logged before the key
 * existed stay unsigned and are reported as such, not as forged). It lives in the key
 * file, outside the attacker's reach, so stripping MACs in the database cannot make
 * signed events look like legacy ones.
 */
export interface EventKey {
  key: Buffer;
  signedFromSeq: number;
}

export const EVENT_KEY_FILE = 'event-key.json';

export function eventKeyPath(workspace: string): string {
  return join(workspace, EVENT_KEY_FILE);
}

export function readEventKey(workspace: string): EventKey | null {
  const path = eventKeyPath(workspace);
  if (!existsSync(path)) return null;
  let parsed: { key?: unknown; signedFromSeq?: unknown };
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as typeof parsed;
  } catch (e) {
    throw new RotguardError('event_key_invalid', `${path} is not a rotguard event key: ${(e as Error).message}`, { file: path });
  }
  if (typeof parsed.key !== 'string' || !/^[0-9a-f]{64}$/.test(parsed.key) || !Number.isInteger(parsed.signedFromSeq)) {
    throw new RotguardError('event_key_invalid', `${path} is not a rotguard event key (needs "key": 64 hex digits and "signedFromSeq": an integer)`, {
      file: path,
    });
  }
  return { key: Buffer.from(parsed.key, 'hex'), signedFromSeq: parsed.signedFromSeq as number };
}

/** Creates the key (mode 0600, whatever the umask); events after `headSeq` must be signed. */
export function createEventKey(workspace: string, headSeq: number): EventKey {
  const path = eventKeyPath(workspace);
  const key = randomBytes(32);
  const signedFromSeq = headSeq + 1;
  writeFileSync(path, JSON.stringify({ key: key.toString('hex'), signedFromSeq }) + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return { key, signedFromSeq };
}

export function eventMac(key: EventKey, hash: string): string {
  return createHmac('sha256', key.key).update(hash).digest('hex');
}

export function macMatches(key: EventKey, hash: string, mac: string | null): boolean {
  if (!mac || !/^[0-9a-f]{64}$/.test(mac)) return false;
  return timingSafeEqual(Buffer.from(eventMac(key, hash), 'hex'), Buffer.from(mac, 'hex'));
}

/**
 * Carries the event key with a Kysely instance: transactions inherit their parent's
 * plugins, so `appendEvent` finds the key whether it is given the store or a transaction.
 * It changes no query.
 */
export class EventKeyPlugin implements KyselyPlugin {
  constructor(readonly eventKey: EventKey) {}
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }
  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}
