import { existsSync, readFileSync } from 'node:fs';
import { RotguardError, UsageError } from '../../core/errors.js';
import { startWebhookDispatcher } from '../../notify/dispatcher.js';
import type { DeliveryInfo, WebhookInfo } from '../../notify/webhooks.js';
import { addWebhook, listWebhooks, removeWebhook, webhookDeliveries } from '../../usecases/webhooks.js';
import { emit, integerOption, parseCommand as parse, str, type CommandIO } from '../options.js';
import { withContext } from '../workspace.js';

export const webhooksHelp = `Usage:
  rotguard webhooks add URL (--team T | --org-wide) --kinds promoted,decided|* [--secret-file F]
  rotguard webhooks list
  rotguard webhooks remove ID
  rotguard webhooks deliveries ID [--limit 50]
  rotguard webhooks run [--poll-ms 1000]     (deliver until Ctrl-C; a server embeds the same dispatcher)

A webhook receives the events appended after it was added: its team's (--team), or every
team's (--org-wide), of the kinds named: event kinds (registered, gate_set, …) or
promoted (promoted_champion, promoted_challenger), decided (decision), frozen (frozen,
unfrozen), retrained (retrain_by_decision, retrain_override); * for all. Each is POSTed as
JSON with X-Rotguard-Signature: sha256=<HMAC of the body under the webhook's secret>,
X-Rotguard-Event, X-Rotguard-Delivery (the same id on every retry) and
X-Rotguard-Timestamp; in order, retried with backoff, at least once.

The secret is printed once when generated; --secret-file F uses the first line of F
(at least 16 characters) instead. It is stored encrypted under the workspace's event key.
`;

function kindsText(k: WebhookInfo['kinds']): string {
  return k === '*' ? '*' : k.join(',');
}

function line(w: WebhookInfo): string {
  const state = w.disabledAt ? `removed ${w.disabledAt} by ${w.disabledBy}` : `${w.delivered} delivered, ${w.pending} retrying, ${w.dead} dead`;
  return `${w.id}  ${(w.team ?? '(org-wide)').padEnd(12)} ${w.url}  kinds ${kindsText(w.kinds)}  after event ${w.cursorSeq}; ${state}`;
}

function deliveryLine(d: DeliveryInfo): string {
  const when = d.deliveredAt ?? d.deadAt ?? (d.nextAttemptAt ? `next attempt ${d.nextAttemptAt}` : '');
  const status = d.lastStatus === null ? '' : ` HTTP ${d.lastStatus}`;
  return `event ${String(d.eventSeq).padStart(6)} ${d.kind.padEnd(20)} ${d.state.padEnd(9)} ${d.attempts} attempt(s)${status} ${when}${d.lastError && d.state !== 'delivered' ? `  (${d.lastError})` : ''}  delivery ${d.id}`;
}

function readSecretFile(path: string): string {
  if (!existsSync(path)) throw new RotguardError('file_not_found', `--secret-file ${path} does not exist`, { file: path });
  const secret = readFileSync(path, 'utf8').split(/\r?\n/)[0]!.trim();
  if (!secret) throw new RotguardError('bad_webhook_secret', `--secret-file ${path}: the first line is empty`, { file: path });
  return secret;
}

export async function webhooksCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {
    team: { type: 'string' },
    'org-wide': { type: 'boolean', default: false },
    kinds: { type: 'string' },
    'secret-file': { type: 'string' },
    limit: { type: 'string' },
    'poll-ms': { type: 'string' },
  });
  const [sub, arg] = positionals;
  if (values.help || !sub) return (io.out(webhooksHelp), values.help ? 0 : 1);
  const json = Boolean(values.json);
  return withContext(str(values.workspace), async (ctx) => {
    if (sub === 'add') {
      if (!arg) throw new UsageError(`webhooks add needs the URL\n\n${webhooksHelp}`);
      const team = str(values.team);
      if ((team === undefined) === !values['org-wide']) throw new UsageError('webhooks add needs exactly one of --team T and --org-wide');
      if (values.kinds === undefined) throw new UsageError('webhooks add needs --kinds (e.g. promoted,decided, or * for every kind)');
      const secretFile = str(values['secret-file']);
      const r = await addWebhook(ctx, {
        url: arg,
        team: team ?? null,
        kinds: str(values.kinds)!,
        ...(secretFile ? { secret: readSecretFile(secretFile) } : {}),
      });
      emit(
        io,
        json,
        { webhook: r.webhook, ...(r.generated ? { secret: r.secret } : {}) },
        `added ${line(r.webhook)}` +
          (r.generated
            ? `\nsigning secret (shown once; keep it where the receiver can read it):\n${r.secret}`
            : '\nsigning secret: the one in the secret file'),
      );
      return 0;
    }
    if (sub === 'list') {
      const list = await listWebhooks(ctx);
      emit(io, json, list, list.length ? list.map(line).join('\n') : 'no webhooks; "rotguard webhooks add URL --team T --kinds …" adds one');
      return 0;
    }
    if (sub === 'remove') {
      if (!arg) throw new UsageError('webhooks remove needs the webhook id');
      const w = await removeWebhook(ctx, arg);
      emit(io, json, w, `removed ${line(w)}`);
      return 0;
    }
    if (sub === 'deliveries') {
      if (!arg) throw new UsageError('webhooks deliveries needs the webhook id');
      const r = await webhookDeliveries(ctx, arg, { limit: integerOption('--limit', str(values.limit), 50, 1, 10_000) });
      emit(
        io,
        json,
        r,
        `${line(r.webhook)}\nthe log's head is event ${r.headSeq}\n${r.deliveries.length ? r.deliveries.map(deliveryLine).join('\n') : 'no deliveries yet'}`,
      );
      return 0;
    }
    if (sub === 'run') {
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      io.err('delivering webhooks until Ctrl-C\n');
      const d = startWebhookDispatcher(ctx.store, {
        signal: controller.signal,
        pollMs: integerOption('--poll-ms', str(values['poll-ms']), 1000, 10, 3_600_000),
        log: { info: (m) => io.err(`${m}\n`), warn: (m) => io.err(`${m}\n`) },
      });
      await d.stopped;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      return 0;
    }
    throw new UsageError(webhooksHelp);
  });
}
