import { nowIso } from '../core/clock.js';
import { packageVersion } from '../core/package-info.js';
import { listModels, type ModelVersion } from '../registry/registry.js';
import { latestMonitorRun } from '../monitor/monitor.js';
import { decodeEventPayload } from '../store/event-kinds.js';
import { verifyEventRows, verifyFromCheckpoint, type EventCheckpoint } from '../store/event-checkpoint.js';
import { readEvents, verifyEventLog, type EventLogVerification, type EventRow } from '../store/event-log.js';
import { RotguardError } from '../core/errors.js';
import { storeIntegrity, type IntegrityScope } from './store-integrity.js';
import type { Store } from '../store/store.js';
import { decodeStoredRecipe } from '../training/decoders.js';
import { readValidationReport } from '../validate/decoders.js';
import { auditVersion, predictionCounter, type AuditContext, type AuditEvent } from './controls.js';
import { snapshotProvenanceCache } from './provenance.js';
import { eventsOfScope } from './version-events.js';
import { costPerVersion, spendPerTeam } from '../compute/cost-report.js';
import { readComputeSettings } from '../compute/settings.js';
import type { AuditReport, DecisionEntry, LineageNode, ModelAudit, TimelinePoint, TransitionEntry } from './report-types.js';

/**
 * Assembles the audit report from the store, read-only: every model version checked
 * against the controls, its validation and lineage, the monitoring timelines, the
 * decisions with their evidence, the registry transitions, and the event log's
 * verification. The CLI writes it as JSON and as self-contained HTML.
 */
export interface AuditOptions {
  workspace: string;
  /** Monitoring older than this fails the recency control (days). */
  maxMonitorAgeDays?: number;
  narrative?: AuditReport['narrative'];
  /** Who generated the report (recorded in it). */
  actor: string;
  /** Only these teams' models, decisions, transitions, counts and spend (a server's view for one identity); all when absent. */
  teams?: readonly string[];
  /** Only these models (the dashboard's model page); all models of the teams when absent. */
  models?: readonly string[];
  /**
   * Only this model version ("model@N"): its controls, its model's timeline, decisions and
   * transitions, its prediction count, and the store-vs-log checks of the sources, gate and
   * aliases it depends on. It reads only the events it depends on, and verifies the event log
   * from the latest checkpoint (store/event-checkpoint.ts) plus those events themselves, so
   * its cost follows the version's own records, not the workspace's.
   */
  version?: string;
}

const TRANSITION_KINDS = new Set([
  'registered',
  'promoted_champion',
  'promoted_challenger',
  'promotion_refused',
  'frozen',
  'unfrozen',
  'retrain_by_decision',
  'retrain_override',
]);

export async function auditReport(store: Store, o: AuditOptions): Promise<AuditReport> {
  const snapshot = snapshotProvenanceCache(store);
  const inScope = (team: string) => !o.teams || o.teams.includes(team);
  const versions = (await listModels(store)).filter((v) => inScope(v.team) && (!o.models || o.models.includes(v.model)) && (!o.version || v.id === o.version));
  if (o.version && !versions.length)
    throw new RotguardError('unknown_model', `no model version ${o.version}${o.teams ? ' visible to this identity' : ''}; see "rotguard models list"`);
  // A per-version audit reads the events it depends on; the others read the whole log.
  const scope = o.version ? await integrityScopeOf(store, snapshot, versions[0]!) : undefined;
  const events: EventRow[] = scope ? await eventsOfScope(store.db, scope) : await readEvents(store.db);
  const ctx: AuditContext = {
    store,
    events,
    now: nowIso(),
    maxMonitorAgeDays: o.maxMonitorAgeDays ?? 8,
    snapshot,
    predictionCount: predictionCounter(store),
  };
  const scopedModels = new Set(versions.map((v) => v.model));
  const ofScopedModel = (e: AuditEvent) => (!o.teams && !o.models && !o.version) || (e.model !== null && scopedModels.has(e.model));
  const models: ModelAudit[] = [];
  const { prices } = await readComputeSettings(store);
  const costs = await costPerVersion(store.db);
  for (const v of versions) {
    const controls = await auditVersion(ctx, v);
    const predictions = await ctx.predictionCount(v.id);
    const lastFreeze = lastOf(events.filter((e) => e.model === v.model && (e.kind === 'frozen' || e.kind === 'unfrozen')));
    // The freeze names the version it stopped; older versions are not "frozen", just retired.
    const frozen = lastFreeze?.kind === 'frozen' && (lastFreeze.version_id === v.id || lastFreeze.version_id === null);
    models.push({
      version: v.id,
      model: v.model,
      endpoint: v.endpoint,
      team: v.team,
      aliases: v.aliases,
      createdAt: v.createdAt,
      createdBy: v.createdBy,
      frozen,
      controls,
      validation: await validationOf(store, v),
      lineage: await lineageOf(ctx, v, predictions),
      predictions,
      compute: costs.has(v.id) ? { ...costs.get(v.id)!, currency: prices.currency } : null,
    });
  }

  const timelines: AuditReport['timelines'] = [];
  for (const model of [...new Set(versions.map((v) => v.model))]) {
    const run = await latestMonitorRun(store, model);
    if (!run) continue;
    timelines.push({
      model,
      asOf: run.asOf,
      windowKind: run.window,
      points: run.windows.map(
        (w): TimelinePoint => ({
          window: w.window.label,
          end: w.window.end,
          version: w.model,
          predictions: w.predictions,
          maxPsi: w.input.maxPsi,
          unseenScaffoldShare: w.input.unseenScaffoldShare,
          lowSimilarityShare: w.input.lowSimilarityShare,
          predictionShiftSd: w.output.predictionShiftSd,
          widthRatio: w.output.widthRatio,
          maeRatio: w.performance?.maeRatio ?? null,
          coverage: w.performance?.coverage ?? null,
          labelledShare: w.labels.labelledShare,
          medianReferenceShift: w.assay.medianReferenceShift,
          lowSimilarityP: w.input.lowSimilarityP ?? null,
          novelClusterP: w.input.novelClusterP ?? null,
          newScaffoldPairsP: w.input.newScaffoldPairsP ?? null,
          trainingNovelPairsP: w.input.trainingNovelPairsP ?? null,
          chemistryShiftP: w.input.chemistryShiftP ?? null,
          shiftPValue: w.assay.shiftPValue ?? null,
        }),
      ),
    });
  }

  const decisionEnds = new Map<DecisionEntry, string>();
  const decisions: DecisionEntry[] = events
    .filter((e) => e.kind === 'decision' && ofScopedModel(e))
    .map((e) => {
      const d = decodeEventPayload(e, 'decision').decision;
      const evidence: Record<string, number | boolean | null> = {};
      for (const r of d.triggered.length ? d.triggered : d.rules) Object.assign(evidence, r.windows[r.windows.length - 1]?.values ?? {});
      const entry: DecisionEntry = {
        at: e.at,
        model: e.model ?? d.policy,
        version: d.model,
        window: d.window.label,
        action: d.action,
        triggered: d.triggered.map((t) => t.rule),
        retrainDeferred: d.retrainDeferred,
        reason: d.reason,
        policy: d.policy,
        policyHash: d.policyHash,
        evidence,
      };
      decisionEnds.set(entry, d.window.end);
      return entry;
    });
  // Decisions taken on per-batch windows (while watching) carry a request id as their window;
  // name them by the timeline window they fall in, so the timeline and the table line up.
  for (const d of decisions) {
    const t = timelines.find((x) => x.model === d.model);
    if (!t || t.points.some((p) => p.window === d.window)) continue;
    const end = decisionEnds.get(d) ?? '';
    const point = t.points.find((p) => p.end >= end && (t.points.indexOf(p) === 0 || t.points[t.points.indexOf(p) - 1]!.end < end));
    if (point) d.window = point.window;
  }
  const transitions: TransitionEntry[] = events
    .filter((e) => TRANSITION_KINDS.has(e.kind) && ofScopedModel(e))
    .map((e) => ({
      at: e.at,
      seq: e.seq,
      kind: e.kind,
      model: e.model ?? '',
      version: e.version_id,
      actor: e.actor,
      reason: e.reason,
    }));

  const log = scope ? await verifyForVersion(store, events) : await verifyWhole(store);
  // The tables the log describes must still say what the log recorded.
  const integrity = await storeIntegrity(store, events, scope);
  const count = async (table: 'predictions' | 'sources' | 'measurements') => {
    if (table === 'predictions' && (o.teams || o.version)) return models.reduce((s, m) => s + m.predictions, 0);
    let q = store.db.selectFrom(table as 'sources').select((eb) => eb.fn.countAll().as('n'));
    if (o.teams) q = q.where('team', 'in', o.teams.length ? [...o.teams] : ['']);
    return Number((await q.executeTakeFirst())?.n ?? 0);
  };
  const all = models.flatMap((m) => m.controls);
  return {
    format: 1,
    generatedAt: ctx.now,
    generatedBy: o.actor,
    workspace: o.workspace,
    rotguardVersion: packageVersion(),
    summary: {
      models: new Set(versions.map((v) => v.model)).size,
      versions: versions.length,
      controlsPassed: all.filter((c) => c.status === 'pass').length,
      controlsFailed: all.filter((c) => c.status === 'fail').length,
      predictions: await count('predictions'),
      sources: await count('sources'),
      measurements: await count('measurements'),
      decisions: decisions.length,
    },
    eventLog: {
      ok: log.ok && !integrity.length,
      events: log.events,
      headSeq: log.headSeq,
      headHash: log.headHash,
      problems: [...log.problems.map((p) => p.message), ...integrity.map((m) => `store differs from the log: ${m}`)],
      verified: log.verified,
      fromCheckpoint: log.from ? { seq: log.from.seq, hash: log.from.hash, verifiedAt: log.from.verifiedAt, verifiedBy: log.from.verifiedBy } : null,
    },
    models,
    timelines,
    decisions,
    transitions,
    narrative: o.narrative ?? null,
    compute: { currency: prices.currency, spend: (await spendPerTeam(store.db)).filter((x) => inScope(x.team)) },
  };
}

async function validationOf(store: Store, v: ModelVersion): Promise<ModelAudit['validation']> {
  if (!v.reportBlob) return null;
  const r = await readValidationReport(store.blobs, v.reportBlob);
  const metrics: Record<string, number | null> = {};
  for (const [k, val] of Object.entries(r.test)) if (typeof val === 'number' || val === null) metrics[k] = val;
  return {
    split: r.split.method,
    sizes: r.split.sizes,
    metrics,
    conformal: (r.conformal ?? []).map((c) => ({ level: c.level, coverage: c.coverage, meanWidth: c.meanWidth })),
    reliability: r.calibration?.reliability ?? [],
    miscalibrationArea: r.calibration?.miscalibrationArea ?? null,
  };
}

/** A small lineage graph: sources grouped per protocol version (a year of weekly files would be hundreds of boxes). */
async function lineageOf(ctx: AuditContext, v: ModelVersion, predictions: number): Promise<ModelAudit['lineage']> {
  const { store } = ctx;
  const nodes: LineageNode[] = [];
  const edges: ModelAudit['lineage']['edges'] = [];
  const versionNode = `version:${v.id}`;
  nodes.push({ id: versionNode, kind: 'version', label: v.id, detail: `${v.origin} ${v.createdAt.slice(0, 10)} by ${v.createdBy}` });
  if (predictions) {
    nodes.push({ id: 'predictions', kind: 'predictions', label: `${predictions} predictions`, detail: 'each with a lineage record' });
    edges.push({ from: versionNode, to: 'predictions' });
  }
  const fs = await store.db.selectFrom('feature_sets').selectAll().where('hash', '=', v.featureHash).executeTakeFirst();
  nodes.push({ id: 'features', kind: 'features', label: fs?.name ?? 'features', detail: `version ${v.featureHash.slice(0, 12)}` });
  const build = v.buildHash ? await store.db.selectFrom('builds').selectAll().where('hash', '=', v.buildHash).executeTakeFirst() : undefined;
  if (!build) {
    edges.push({ from: 'features', to: versionNode });
    return { nodes, edges };
  }
  const recipe = decodeStoredRecipe(build.recipe, build.hash);
  nodes.push({ id: 'build', kind: 'build', label: `build ${build.hash.slice(0, 12)}`, detail: `${recipe.algorithm}, ${build.train_seconds.toFixed(1)} s` });
  nodes.push({ id: 'recipe', kind: 'recipe', label: 'recipe', detail: `${recipe.split.method} split, seed ${recipe.seed}` });
  const snap = await store.db.selectFrom('snapshots').selectAll().where('hash', '=', build.snapshot).executeTakeFirst();
  nodes.push({
    id: 'snapshot',
    kind: 'snapshot',
    label: `snapshot ${build.snapshot.slice(0, 12)}`,
    detail: snap ? `${snap.compounds} compounds, ${snap.measurements} measurements` : 'missing',
  });
  edges.push({ from: 'snapshot', to: 'build' }, { from: 'features', to: 'build' }, { from: 'recipe', to: 'build' }, { from: 'build', to: versionNode });
  if (snap) {
    const per = (await ctx.snapshot(build.snapshot)).provenance.byProtocol;
    for (const [pv, g] of [...per.entries()].sort()) {
      const row = await store.db.selectFrom('protocol_versions').select(['site', 'vendor']).where('id', '=', pv).executeTakeFirst();
      nodes.push({
        id: `sources:${pv}`,
        kind: 'source',
        label: `${g.sources.size} source file${g.sources.size === 1 ? '' : 's'}`,
        detail: `${g.measurements} measurements`,
      });
      nodes.push({ id: `protocol:${pv}`, kind: 'protocol', label: pv, detail: row ? `${row.site}, ${row.vendor}` : 'not recorded' });
      edges.push({ from: `sources:${pv}`, to: `protocol:${pv}` }, { from: `protocol:${pv}`, to: 'snapshot' });
    }
  }
  return { nodes, edges };
}

/** What one version depends on, for the store-vs-log checks of a per-version audit: its training sources, its endpoint's gate, its model's aliases. */
async function integrityScopeOf(store: Store, snapshot: AuditContext['snapshot'], v: ModelVersion): Promise<IntegrityScope> {
  const build = v.buildHash ? await store.db.selectFrom('builds').select('snapshot').where('hash', '=', v.buildHash).executeTakeFirst() : undefined;
  const sources = build ? new Set((await snapshot(build.snapshot)).provenance.bySource.keys()) : new Set<string>();
  return { sources, endpoints: new Set([v.endpoint]), models: new Set([v.model]) };
}

type LogCheck = EventLogVerification & { verified: string; from: EventCheckpoint | null };

/** The full audit walks the whole log from its start. */
async function verifyWhole(store: Store): Promise<LogCheck> {
  const v = await verifyEventLog(store.db, { key: store.eventKey });
  return { ...v, from: null, verified: `Event log verified whole, from event 1 to the head (event ${v.headSeq}): ${v.events} events.` };
}

/**
 * A per-version audit walks the chain from the latest checkpoint to the head (the whole log
 * when there is none), and re-checks the events it read itself, wherever they sit: an edit
 * to one of them before the checkpoint is found here too. What neither covers, an edit or
 * deletion of another event before the checkpoint, is the full verification's to find.
 */
async function verifyForVersion(store: Store, read: readonly EventRow[]): Promise<LogCheck> {
  const v = await verifyFromCheckpoint(store.db, store.eventKey);
  const own = verifyEventRows(read, store.eventKey);
  const known = new Set(v.problems.map((p) => `${p.seq} ${p.problem}`));
  const problems = [...v.problems, ...own.filter((p) => !known.has(`${p.seq} ${p.problem}`))];
  const rows = `the ${read.length} events this audit read (the model's, its training sources' ingests, its gate's) re-hashed${store.eventKey ? ' and their signatures checked' : ''}`;
  const verified = v.from
    ? `Event log verified from checkpoint event ${v.from.seq} (verified whole at ${v.from.verifiedAt} by ${v.from.verifiedBy}) to the head (event ${v.headSeq}): ${v.events} events walked; ${rows}. Other events before event ${v.from.seq} are re-verified by the full "rotguard audit verify", not here.`
    : `Event log verified whole, from event 1 to the head (event ${v.headSeq}): ${v.events} events (${v.wholeBecause}); ${rows}.`;
  return { ...v, ok: v.ok && !own.length, problems, verified };
}

function lastOf<T>(xs: T[]): T | undefined {
  return xs[xs.length - 1];
}
