import { readMonitorRun } from '../monitor/decoders.js';
import { decodeEventPayload, type EventKind } from '../store/event-kinds.js';
import type { Row } from '../store/schema.js';
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

/**
 * Every model of the given teams (the caller passes the teams the identity may see), one
 * summary each. Set-based: a fixed number of queries whatever the number of models (the
 * latest freeze, decision and monitoring run of every model at once), so the dashboard's
 * overview of hundreds of models answers in well under a second (bench/dashboard).
 */
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
    const byModel = new Map<string, typeof versions>();
    for (const v of versions) byModel.set(v.model, [...(byModel.get(v.model) ?? []), v]);
    const models = [...byModel.keys()];
    if (!models.length) return [];
    const aliases = await db.selectFrom('model_aliases').select(['model', 'alias', 'version_id']).where('model', 'in', models).execute();
    const latest = await latestEventsPerModel(ctx, models);
    const trends = await Promise.all(
      models.map(async (model) => {
        const e = latest.get(`${model}\0monitor_run`);
        return e ? monitorTrend(ctx, decodeEventPayload(e, 'monitor_run').blob) : null;
      }),
    );
    const out: ModelSummary[] = [];
    models.forEach((model, i) => {
      const vs = byModel.get(model)!;
      const last = vs.at(-1)!;
      const alias = (a: string) => aliases.find((x) => x.model === model && x.alias === a)?.version_id ?? null;
      const champion = alias('champion');
      const freeze = latest.get(`${model}\0freeze`);
      const frozen = freeze?.kind === 'frozen';
      const decisionEvent = latest.get(`${model}\0decision`);
      const decision = decisionEvent ? decodeEventPayload(decisionEvent, 'decision') : null;
      const trend = trends[i];
      const status = frozen ? 'frozen' : decision?.action === 'watch' ? 'watching' : champion ? 'live' : 'unreleased';
      out.push({
        model,
        team: last.team,
        endpoint: last.endpoint,
        versions: vs.length,
        latest: last.id,
        champion,
        challenger: alias('challenger'),
        status,
        frozenReason: frozen ? freeze!.reason : null,
        latestDecision:
          decision && decisionEvent
            ? { action: decision.action, at: decisionEvent.at, window: decision.window.label, reason: decision.decision.reason, actor: decisionEvent.actor }
            : null,
        errorTrend: trend?.errorTrend ?? [],
        labelBacklog: trend?.labelBacklog ?? null,
        lastMonitoredAt: trend?.asOf ?? null,
      });
    });
    return out;
  });
}

type LatestEvent = Pick<Row<'events'>, 'seq' | 'kind' | 'model' | 'at' | 'actor' | 'reason' | 'payload'>;

/** The latest freeze/unfreeze, decision and monitoring run of every given model, in three grouped queries: "model\0freeze" → event. */
async function latestEventsPerModel(ctx: Context, models: string[]): Promise<Map<string, LatestEvent>> {
  const db = ctx.store.db;
  const out = new Map<string, LatestEvent>();
  const groups: Array<[string, EventKind[]]> = [
    ['freeze', ['frozen', 'unfrozen']],
    ['decision', ['decision']],
    ['monitor_run', ['monitor_run']],
  ];
  for (const [name, kinds] of groups) {
    const rows = await db
      .selectFrom('events')
      .select(['seq', 'kind', 'model', 'at', 'actor', 'reason', 'payload'])
      .where('seq', 'in', (eb) =>
        eb
          .selectFrom('events')
          .select((e) => e.fn.max('seq').as('seq'))
          .where('kind', 'in', kinds)
          .where('model', 'in', models)
          .groupBy('model'),
      )
      .execute();
    for (const r of rows) out.set(`${r.model}\0${name}`, r);
  }
  return out;
}

interface MonitorTrend {
  asOf: string;
  errorTrend: ModelSummary['errorTrend'];
  labelBacklog: number | null;
}

/**
 * What the overview reads from a monitoring run, cached by the run's blob hash: a stored
 * run never changes (content-addressed), so a warm overview decodes no run twice. Bounded;
 * the oldest entries go first.
 */
const TREND_CACHE = new Map<string, MonitorTrend>();
const TREND_CACHE_MAX = 5000;

async function monitorTrend(ctx: Context, blob: string): Promise<MonitorTrend> {
  const cached = TREND_CACHE.get(blob);
  if (cached) return cached;
  const run = await readMonitorRun(ctx.store.blobs, blob);
  const trend: MonitorTrend = {
    asOf: run.asOf,
    errorTrend: run.windows.map((w) => ({
      window: w.window.label,
      maeRatio: w.performance?.maeRatio ?? null,
      estimatedMaeRatio: w.errorEstimate?.estimatedMaeRatio ?? null,
    })),
    labelBacklog: run.windows.length ? run.windows.reduce((s, w) => s + (w.predictions - w.labels.labelled), 0) : null,
  };
  if (TREND_CACHE.size >= TREND_CACHE_MAX) TREND_CACHE.delete(TREND_CACHE.keys().next().value!);
  TREND_CACHE.set(blob, trend);
  return trend;
}
