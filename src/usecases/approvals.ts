import { refusePromotion } from '../registry/refusal.js';
import { decodeEventPayload } from '../store/event-kinds.js';
import { readEvents } from '../store/event-log.js';
import { inContext, type Context } from './context.js';

/** An approver refuses to promote a version, ctx.actor refusing, with a reason (recorded as promotion_refused). */
export function refuseVersion(ctx: Context, o: { ref: string; reason: string }) {
  return inContext(ctx, () => refusePromotion(ctx.store, { ...o, actor: ctx.actor }));
}

/** The latest refusal of a version (by a person or by a registry rule), or null. */
export async function latestRefusal(ctx: Context, versionId: string): Promise<{ at: string; actor: string; reason: string; code: string } | null> {
  const rows = await readEvents(ctx.store.db, { model: versionId.split('@')[0]!, kind: 'promotion_refused', newestFirst: true });
  const row = rows.find((r) => r.version_id === versionId);
  if (!row) return null;
  return { at: row.at, actor: row.actor, reason: row.reason, code: decodeEventPayload(row, 'promotion_refused').code };
}
