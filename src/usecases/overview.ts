import { decodeEventPayload } from '../store/event-kinds.js';
import { latestEvent } from '../store/event-log.js';
import { frozenState } from '../registry/registry.js';
import { latestMonitorRun } from '../monitor/monitor.js';
import { inContext, type Context } from './context.js';

/** One model as the overview shows it: what serves, whether it can be trusted today, and where it is heading. */
export interface ModelSummary {
  model: string;
  team: string;
  endpoint: string;
  versions: number;
  latest: string;
  champion: string | null;
  challenger: string | null;
  /** frozen by policy; watching (latest decision watch); live (a champion serves); unreleased (no champion yet). */
  status: 'frozen' | 'watching' | 'live' | 'unreleased';
  frozenReason: string | null;
  latestDecision: { action: string; at: string; window: string; reason: string; actor: string } | null;
  /** Realised MAE / validation MAE per monitored window (null where no labels had arrived), oldest first. */
  errorTrend: { window: string; maeRatio: number | null; estimatedMaeRatio: number | null }[];
  /** Predictions of the latest monitored windows still waiting for a label. */
  labelBacklog: number | null;
  lastMonitoredAt: string | null;
}

/** Every model of the given teams (the caller passes the teams the identity may see), one summary each. */
export function modelOverview(ctx: Context, teams: readonly string[]): Promise<ModelSummary[]> {
  return inContext(ctx, async () => {
    if (!teams.length) return [];
    const db = ctx.store.db;
    const versions = await db
      .selectFrom('model_versions')
      .select(['id', 'model', 'version', 'endpoint', 'team'])
      .where('team', 'in', [...teams])
      .orderBy('model')
      .orderBy('version')
      .execute();
    const aliases = await db.selectFrom('model_aliases').select(['model', 'alias', 'version_id']).execute();
    const byModel = new Map<string, typeof versions>();
    for (const v of versions) byModel.set(v.model, [...(byModel.get(v.model) ?? []), v]);
    const out: ModelSummary[] = [];
    for (const [model, vs] of byModel) {
      const last = vs.at(-1)!;
      const alias = (a: string) => aliases.find((x) => x.model === model && x.alias === a)?.version_id ?? null;
      const champion = alias('champion');
      const frozen = await frozenState(db, model);
      const decisionEvent = await latestEvent(db, { model, kind: 'decision' });
      const decision = decisionEvent ? decodeEventPayload(decisionEvent, 'decision') : null;
      const run = await latestMonitorRun(ctx.store, model);
      const windows = run?.windows ?? [];
      const status = frozen.frozen ? 'frozen' : decision?.action === 'watch' ? 'watching' : champion ? 'live' : 'unreleased';
      out.push({
        model,
        team: last.team,
        endpoint: last.endpoint,
        versions: vs.length,
        latest: last.id,
        champion,
        challenger: alias('challenger'),
        status,
        frozenReason: frozen.reason,
        latestDecision:
          decision && decisionEvent
            ? { action: decision.action, at: decisionEvent.at, window: decision.window.label, reason: decision.decision.reason, actor: decisionEvent.actor }
            : null,
        errorTrend: windows.map((w) => ({
          window: w.window.label,
          maeRatio: w.performance?.maeRatio ?? null,
          estimatedMaeRatio: w.errorEstimate?.estimatedMaeRatio ?? null,
        })),
        labelBacklog: windows.length ? windows.reduce((s, w) => s + (w.predictions - w.labels.labelled), 0) : null,
        lastMonitoredAt: run?.asOf ?? null,
      });
    }
    return out;
  });
}
