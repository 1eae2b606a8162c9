import { refusePromotion } from '../registry/refusal.js';
import { decodeEventPayload } from '../store/event-kinds.js';
import { readEvents } from '../store/event-log.js';
import { RotguardError } from '../core/errors.js';
import { inContext, type Context } from './context.js';
import { validateModel } from './models.js';
import { modelOverview } from './overview.js';

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

/**
 * The approvals queue of the given teams: each model's latest version when it is newer than
 * its champion (or there is none yet), with its builder, gate result, validation report and
 * latest refusal.
 */
export async function pendingApprovals(ctx: Context, teams: readonly string[]) {
  const pending = [];
  for (const m of await modelOverview(ctx, teams)) {
    if (m.latest === m.champion) continue;
    if (m.champion && Number(m.latest.split('@')[1]) < Number(m.champion.split('@')[1])) continue;
    const v = await validateModel(ctx, m.latest).catch((e: unknown) => {
      if (e instanceof RotguardError && e.code === 'no_validation') return null;
      throw e;
    });
    pending.push({
      model: m.model,
      team: m.team,
      endpoint: m.endpoint,
      version: m.latest,
      champion: m.champion,
      status: m.status,
      builtBy: v?.version.createdBy ?? null,
      builtAt: v?.version.createdAt ?? null,
      gate: v?.gate ?? null,
      report: v?.report ?? null,
      lastRefusal: await latestRefusal(ctx, m.latest),
    });
  }
  return pending;
}
