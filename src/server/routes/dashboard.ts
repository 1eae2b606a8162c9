import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Type } from '@sinclair/typebox';
import { DRIFT_METRICS, driftChartSvg, overviewStripSvg, reliabilitySvg, timelineContext } from '../../audit/svg-charts.js';
import { lineageSvg } from '../../audit/svg-lineage.js';
import { refuseVersion } from '../../usecases/approvals.js';
import { depictCompound, lookupCompound } from '../../usecases/compounds.js';
import { modelPage } from '../../usecases/model-page.js';
import { eventLogHead } from '../../store/event-log.js';
import { rawReply } from '../raw-reply.js';
import type { ApiRequest } from '../request-scope.js';
import { route, team, type RouteSpec } from '../route.js';
import { ModelParam, modelWriteContext, versionRef, visibleModelTeam } from './common.js';
import { eventView, visibleEvents } from './events.js';
import { predictionView } from './predictions.js';

/** How long one event stream stays open; the page reconnects with the last seq it saw, so a graceful shutdown never waits longer than this. */
const STREAM_SECONDS = 15;
const STREAM_POLL_MS = 1000;

/** The routes the dashboard needs beyond the rest of the API: compound lookup, depictions, a model page's charts, live events. */
export function dashboardRoutes(): RouteSpec[] {
  return [
    route({
      method: 'GET',
      url: '/api/v1/compounds',
      summary:
        'Looks a compound up by id, SMILES or InChIKey: its visible measurements, predictions (interval, applicability domain, frozen flag) and nearest training compounds',
      tag: 'compounds',
      access: team('read'),
      schema: { querystring: Type.Object({ q: Type.String({ minLength: 1, maxLength: 20000 }) }) },
      handler: async (req) => {
        const found = await lookupCompound(req.ctx, String(req.query.q), req.visibleTeams);
        return {
          query: found.query,
          matchedBy: found.matchedBy,
          compounds: found.compounds.map((c) => ({
            inchikey: c.inchikey,
            smiles: c.smiles,
            ids: c.ids,
            measurements: c.measurements.map(measurementView),
            predictions: c.predictions.map((p) => ({ ...predictionView(p), model: p.model, team: p.team })),
            nearest: c.nearest.map((n) => ({
              inchikey: n.inchikey,
              smiles: n.smiles,
              similarity: n.similarity,
              measurements: n.measurements.map(measurementView),
            })),
          })),
        };
      },
    }),
    route({
      method: 'GET',
      url: '/api/v1/compounds/:inchikey/depiction.svg',
      summary: 'The structure of a compound the identity may see (measured or predicted in a visible team), drawn by RDKit as SVG',
      tag: 'compounds',
      access: team('read'),
      produces: 'image/svg+xml',
      schema: { params: Type.Object({ inchikey: Type.String({ pattern: '^[A-Z]{14}-[A-Z]{10}-[A-Z]$' }) }) },
      handler: async (req) => rawReply('image/svg+xml; charset=utf-8', await depictCompound(req.ctx, req.params.inchikey!, req.visibleTeams)),
    }),
    route({
      method: 'GET',
      url: '/api/v1/models/:model/page',
      summary:
        "A model's dashboard page: versions with controls, validation, reliability and lineage (SVG), the drift timeline and small multiples with the policy's thresholds (SVG), decisions with their evidence, registry transitions",
      tag: 'models',
      access: team('read'),
      schema: { params: ModelParam },
      handler: async (req) => modelPageView(req),
    }),
    route({
      method: 'POST',
      url: '/api/v1/models/:model/refusals',
      summary: 'An approver refuses to promote a version, with a reason; recorded as promotion_refused (nothing moves)',
      tag: 'models',
      access: team('promote'),
      schema: {
        params: ModelParam,
        body: Type.Object({ version: Type.String({ minLength: 1 }), reason: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
      },
      handler: async (req) => {
        const model = req.params.model!;
        const ctx = await modelWriteContext(req, model, 'promote');
        const b = req.body as { version: string; reason: string };
        return refuseVersion(ctx, { ref: versionRef(model, b.version), reason: b.reason });
      },
    }),
    route({
      method: 'GET',
      url: '/api/v1/events/stream',
      summary: `Visible events as server-sent events (text/event-stream), after a sequence number (default: from now; a first "head" event says where it starts); the stream closes after ${STREAM_SECONDS} s and the client resumes from its last id`,
      tag: 'events',
      access: team('read'),
      produces: 'text/event-stream',
      schema: {
        querystring: Type.Object({
          after: Type.Optional(Type.Integer({ minimum: 0 })),
          // Shorter streams for scripts and tests; 0 sends what is there now and ends.
          seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: STREAM_SECONDS })),
        }),
      },
      handler: async (req) => {
        // Without `after`, the stream starts at the log's head: a page wants what happens from now on.
        const after = req.query.after === undefined ? (await eventLogHead(req.ctx.store.db)).seq : Number(req.query.after);
        // One stream per connection: closing it with the stream means a client that went away holds no keep-alive socket (a graceful shutdown would wait for it).
        const seconds = req.query.seconds === undefined ? STREAM_SECONDS : Number(req.query.seconds);
        return rawReply('text/event-stream; charset=utf-8', Readable.from(eventStream(req, after, seconds)), {
          connection: 'close',
          'cache-control': 'no-cache',
          'x-accel-buffering': 'no',
        });
      },
    }),
  ];
}

function measurementView(m: {
  id: string;
  endpoint: string;
  protocol_version: string;
  team: string;
  site: string;
  batch: string;
  value: number;
  qualifier: string;
  measured_at: string | null;
  reported_at: string | null;
  source: string;
  source_line: number;
}) {
  return {
    id: m.id,
    endpoint: m.endpoint,
    protocolVersion: m.protocol_version,
    team: m.team,
    site: m.site,
    batch: m.batch,
    value: m.value,
    qualifier: m.qualifier,
    measuredAt: m.measured_at,
    reportedAt: m.reported_at,
    source: m.source,
    sourceLine: m.source_line,
  };
}

async function modelPageView(req: ApiRequest) {
  const model = req.params.model!;
  const owner = await visibleModelTeam(req, model);
  const page = await modelPage(req.ctx, model, req.visibleTeams);
  const r = page.report;
  const tl = r.timelines.find((t) => t.model === model) ?? null;
  const ctx = tl ? timelineContext(tl, r.decisions, r.transitions) : null;
  return {
    model,
    team: owner.team,
    endpoint: owner.endpoint,
    generatedAt: r.generatedAt,
    policy: page.policy,
    thresholds: page.thresholds,
    monitoredAsOf: tl?.asOf ?? null,
    windows: tl?.points.length ?? 0,
    strip: tl && ctx ? overviewStripSvg(tl, ctx, `strip-${model}`) : null,
    drift:
      tl && ctx
        ? DRIFT_METRICS.map((m) => ({
            metric: m.key,
            title: m.title,
            thresholds: page.thresholds[m.key] ?? [],
            svg: driftChartSvg(tl, ctx, m, `drift-${m.key}`, page.thresholds[m.key] ?? []),
          }))
        : [],
    versions: r.models
      .slice()
      .reverse()
      .map((v) => ({
        version: v.version,
        aliases: v.aliases,
        frozen: v.frozen,
        createdAt: v.createdAt,
        createdBy: v.createdBy,
        predictions: v.predictions,
        controls: v.controls,
        validation: v.validation,
        reliabilitySvg: v.validation ? reliabilitySvg(v.validation, `rel-${v.version}`) : null,
        lineageSvg: lineageSvg(v.lineage, `lin-${v.version}`) || null,
      })),
    decisions: r.decisions.slice().reverse(),
    transitions: r.transitions.slice().reverse(),
  };
}

/** Server-sent events: one `event` per visible event (id = seq, so a reconnect resumes), polled from the store once a second. */
async function* eventStream(req: ApiRequest, after: number, seconds: number): AsyncGenerator<string> {
  let last = after;
  // Tells EventSource-style clients how soon to come back after the stream ends, and where this stream starts.
  yield `retry: 1000\nid: ${after}\nevent: head\ndata: ${JSON.stringify({ seq: after })}\n\n`;
  const until = Date.now() + seconds * 1000;
  // At least one look, however short the stream.
  do {
    const rows = await visibleEvents(req, last, 200);
    for (const r of rows) {
      const e = eventView(r);
      last = e.seq;
      yield `id: ${e.seq}\nevent: ${e.kind}\ndata: ${JSON.stringify(e)}\n\n`;
    }
    if (rows.length < 200 && Date.now() + STREAM_POLL_MS < until) await sleep(STREAM_POLL_MS, undefined, { signal: req.signal }).catch(() => undefined);
  } while (!req.signal.aborted && Date.now() < until);
}
