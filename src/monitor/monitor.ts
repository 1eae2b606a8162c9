import { decodeJson } from '../core/decode.js';
import { canonicalJson, hashOf, nonFiniteAsNull } from '../core/hash.js';
import { nowIso } from '../core/clock.js';
import { RotguardError } from '../core/errors.js';
import { descriptorDictionary } from '../chem/descriptors.js';
import { median, mean } from '../stats/describe.js';
import { ks2samp, psi, wasserstein1d } from '../stats/drift.js';
import { mae, rmse, spearman } from '../stats/metrics-regression.js';
import { descriptorRowDecoder, readSnapshotBlob } from '../data/decoders.js';
import { trainingSetBlobOf } from '../registry/decoders.js';
import { recordEvent, versionFromRow, type ModelVersion } from '../registry/registry.js';
import { decodeEventPayload } from '../store/event-kinds.js';
import { latestEvent, readEvents } from '../store/event-log.js';
import type { Row } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { readTrainingSet } from '../training/decoders.js';
import { readValidationReport } from '../validate/decoders.js';
import { windowEvidenceDecoder } from './decoders.js';
import type { ValidationReport } from '../validate/report.js';
import { readMonitorRun } from './decoders.js';
import type { DescriptorDrift, WindowEvidence } from './evidence.js';
import { fingerprintFromHex } from '../chem/fingerprint.js';
import { tanimotoGram } from '../chem/tanimoto-gram.js';
import type { SignalBaseline } from '../validate/signal-baseline.js';
import type { NovelClusterTest } from '../stats/novel-cluster.js';
import type { NewScaffoldPairsTest } from '../stats/new-scaffold-pairs.js';
import type { TrainingNovelPairsTest } from '../stats/training-novel-pairs.js';
import {
  TRAINING_POOL_MAX,
  trainingNovelPairs,
  trainingPoolOf,
  type TrainingPool,
  DESCRIPTOR_REFERENCE_SIZE,
  chemistryShift,
  heldOutSampleOf,
  novelCluster,
  newScaffoldPairsOfWindow,
  type HeldOutSample,
  descriptorDriftTests,
  errorEstimate,
  pairedAssayShift,
  shareAgainstBaseline,
  subsample,
  windowRandom,
} from './calibrated-signals.js';

/**
 * Monitoring of one model (all its versions) over windows of its prediction records:
 * ISO weeks of the request time, or one window per prediction request (a batch).
 * Evidence is computed as of `asOf` (default: the end of the last window), so replaying
 * history uses only what was known then.
 */
export type WindowKind = 'week' | 'request';

export interface MonitorOptions {
  model: string;
  window?: WindowKind;
  /** ISO time: labels reported after it are not known yet. */
  asOf?: string;
  /** How many of the latest windows are always recomputed, never read from the settled-window cache (default RECENT_WINDOWS). */
  recentWindows?: number;
  actor: string;
}

const DAY = 86_400_000;
/** Nearest-neighbour Tanimoto below which a compound is outside the training chemistry. */
const LOW_SIMILARITY = 0.3;
/** KS p-values are computed exactly up to this many pairs, asymptotically beyond (cost). */
const EXACT_KS_PAIRS = 250_000;

interface VersionContext {
  version: ModelVersion;
  report: ValidationReport | null;
  transform: (v: number) => number;
  trainKeys: Set<string>;
  trainScaffolds: Set<string>;
  /** What the version's training data already held (its snapshot): measurement ids and scaffolds. Null for imported models. */
  known: { measurements: Set<string>; scaffolds: Set<string> } | null;
  trainDescriptors: Float64Array[];
  /** A seeded sample of the training descriptors: the permutation tests' reference (bounded cost). */
  descriptorReference: Float64Array[];
  baselineWidth: number | null;
  /** The build's signal baseline (null for imported models and versions built before it existed). */
  baseline: SignalBaseline | null;
  chemistryReference: Uint32Array | null;
  chemistryGram: Float64Array | null;
  /** The build's held-out sample (novel-cluster null), decoded once; null before builds recorded it. */
  heldOut: HeldOutSample | null;
  /** The content address of the training set (its compounds), null for imported models: keys the training pool. */
  trainingBlob: string | null;
  /** The endpoint's exact measurements with each compound's scaffold, loaded once per run: every window filters them by its asOf. */
  measurements: Measurement[];
  byCompound: Map<string, Measurement[]>;
}

export async function monitorModel(store: Store, o: MonitorOptions): Promise<{ windows: WindowEvidence[]; blob: string }> {
  // As of a time, predictions made later do not exist yet, just as labels reported later.
  // By the model's version ids, not `like 'model@%'`: that pattern needs a C collation to use an index (a 10 M-row table
  // is scanned otherwise) and reads `_` and `%` in a model name as wildcards.
  const versionIds = (await store.db.selectFrom('model_versions').select('id').where('model', '=', o.model).execute()).map((v) => v.id);
  let query = store.db
    .selectFrom('predictions')
    .selectAll()
    .where('model_version', 'in', versionIds.length ? versionIds : ['']);
  if (o.asOf) query = query.where('requested_at', '<=', o.asOf);
  // Only what was logged as served counts: rows without their `predicted` event (left by
  // an interrupted predict before each batch was logged with its rows) are not evidence.
  const predictions = await loggedPredictions(store, o.model, await query.orderBy('requested_at').orderBy('id').execute());
  if (!predictions.length) {
    throw new RotguardError(
      'no_predictions',
      o.asOf
        ? `model ${o.model} has no prediction records made by ${o.asOf}: --as-of lies before its first prediction`
        : `model ${o.model} has no prediction records to monitor; run "rotguard predict" first`,
    );
  }
  const groups = groupWindows(predictions, o.window ?? 'week');
  const asOf = o.asOf ?? groups[groups.length - 1]!.end;
  const contexts = new Map<string, VersionContext>();
  const windows: WindowEvidence[] = [];
  // Every settled window this model has, in one query: the lookup per run stays one round trip.
  const settledRows = await store.db
    .selectFrom('window_evidence')
    .select(['key', 'blob', 'settled_as_of'])
    .where('model_version', 'in', [...new Set(predictions.map((p) => p.model_version))])
    .execute();
  const settledByKey = new Map(settledRows.map((r) => [r.key, r]));
  // How many of the endpoint's measurements were reported by each window's end: data ingested
  // late with an earlier reported date (a backfill) changes the count, and so the window's key.
  const endpoint = (await store.db.selectFrom('model_versions').select('endpoint').where('id', '=', predictions[0]!.model_version).executeTakeFirstOrThrow())
    .endpoint;
  const reported = (await store.db.selectFrom('measurements').select('reported_at').where('endpoint', '=', endpoint).execute())
    .map((m) => m.reported_at ?? '')
    .sort();
  const reportedBy = (t: string) => upperBound(reported, t);
  for (const [i, g] of groups.entries()) {
    const versionId = majority(g.rows.map((r) => r.model_version));
    const prev = windows[windows.length - 1];
    // The chemistry tests read this window and the one before (same version): a two-window horizon.
    const before = i > 0 ? groups[i - 1]!.rows.filter((r) => r.model_version === versionId) : [];
    // A settled window's evidence is computed once and reused (its inputs can no longer change).
    // The most recent windows are always recomputed: they carry the as-of label counts a decision reads.
    const recent = i >= groups.length - (o.recentWindows ?? RECENT_WINDOWS);
    const key = hashOf({
      schema: EVIDENCE_SCHEMA,
      version: versionId,
      window: g.label,
      kind: o.window ?? 'week',
      rows: g.rows.map((r) => r.id).sort(),
      before: before.map((r) => r.id).sort(),
      reportedByEnd: reportedBy(g.end),
    });
    const cached = recent ? null : await cachedEvidence(store, settledByKey.get(key), asOf);
    if (cached) {
      windows.push(cached);
      continue;
    }
    let ctx = contexts.get(versionId);
    if (!ctx) contexts.set(versionId, (ctx = await versionContext(store, versionId)));
    const evidence = await windowEvidence(store, ctx, g, asOf, prev, before);
    windows.push(evidence);
    // The evidence belongs to the model version's team, as its predictions do.
    const team = g.rows.find((r) => r.model_version === versionId)!.team;
    if (!recent && settled(g, evidence, asOf)) await storeEvidence(store, key, { versionId, team }, g.label, evidence, asOf);
  }
  const blob = await store.blobs.put(canonicalJson(nonFiniteAsNull({ model: o.model, asOf, window: o.window ?? 'week', windows })));
  await recordEvent(store.db, {
    kind: 'monitor_run',
    model: o.model,
    versionId: null,
    actor: o.actor,
    reason: `${windows.length} windows as of ${asOf}`,
    payload: { blob, asOf, windows: windows.length },
  });
  return { windows, blob };
}

/**
 * Bump when WindowEvidence or how it is computed changes: cached evidence of an older
 * schema is then recomputed, never reused.
 */
export const EVIDENCE_SCHEMA = 'window-evidence@7';

/** The last windows of a run are never taken from the cache: a policy's sustained rules read them (up to a quarter back). */
export const RECENT_WINDOWS = 13;

/** Index of the first element greater than `x` in sorted `xs`: how many are ≤ x. */
function upperBound(xs: string[], x: string): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A window settles this long after its end even if some of its compounds never get a label. */
export const SETTLE_DAYS = 84;

/**
 * Whether a window's evidence can no longer change: its period is over (a later
 * prediction cannot join it) and either every compound in it has its label or the settling
 * time has passed. Only then is it cached.
 */
function settled(g: WindowGroup, e: WindowEvidence, asOf: string): boolean {
  const age = Date.parse(asOf) - Date.parse(g.end);
  return age > 0 && (e.labels.labelled === e.predictions || age > SETTLE_DAYS * DAY);
}

/** Decoded evidence by blob hash: blobs are immutable, so a process (a backtest) decodes each once. */
const decodedEvidence = new Map<string, WindowEvidence>();

async function cachedEvidence(store: Store, row: { blob: string; settled_as_of: string } | undefined, asOf: string): Promise<WindowEvidence | null> {
  // Evidence settled at a later as-of than this run's is not what was known then: recompute.
  if (!row || row.settled_as_of > asOf) return null;
  let e = decodedEvidence.get(row.blob);
  if (!e) {
    e = decodeJson((await store.blobs.get(row.blob)).toString('utf8'), windowEvidenceDecoder, { kind: 'blob', what: 'cached window evidence', id: row.blob });
    if (decodedEvidence.size > 10_000) decodedEvidence.clear();
    decodedEvidence.set(row.blob, e);
  }
  return e;
}

async function storeEvidence(
  store: Store,
  key: string,
  { versionId, team }: { versionId: string; team: string },
  window: string,
  e: WindowEvidence,
  asOf: string,
): Promise<void> {
  const blob = await store.blobs.put(canonicalJson(nonFiniteAsNull(e)));
  await store.db
    .insertInto('window_evidence')
    .values({ key, model_version: versionId, window, blob, settled_as_of: asOf, created_at: nowIso(), team })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
}

async function loggedPredictions(store: Store, model: string, rows: Row<'predictions'>[]): Promise<Row<'predictions'>[]> {
  const logged = new Set<string>();
  for (const e of await readEvents(store.db, { kind: 'predicted', model })) {
    const p = decodeEventPayload(e, 'predicted');
    logged.add(p.batch === undefined ? p.request : `${p.request}#${p.batch}`);
  }
  return rows.filter((r) => logged.has(r.request) || (r.batch !== null && logged.has(`${r.request}#${r.batch}`)));
}

interface WindowGroup {
  label: string;
  start: string;
  end: string;
  rows: Row<'predictions'>[];
}

function groupWindows(rows: Row<'predictions'>[], kind: WindowKind): WindowGroup[] {
  const groups = new Map<string, WindowGroup>();
  for (const r of rows) {
    let key: string;
    let start: string;
    let end: string;
    if (kind === 'week') {
      const t = new Date(r.requested_at);
      const monday = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate() - ((t.getUTCDay() + 6) % 7)));
      key = isoWeek(monday);
      start = monday.toISOString();
      end = new Date(monday.getTime() + 7 * DAY - 1).toISOString();
    } else {
      key = r.request;
      start = r.requested_at;
      end = r.requested_at;
    }
    const g = groups.get(key);
    if (g) {
      g.rows.push(r);
      if (kind === 'request' && r.requested_at > g.end) g.end = r.requested_at;
    } else groups.set(key, { label: key, start, end, rows: [r] });
  }
  // Ordered by end (when the window's evidence is complete), then start, then label: requests
  // served concurrently overlap, and a short one can start after a long one yet end before it.
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return [...groups.values()].sort((a, b) => cmp(a.end, b.end) || cmp(a.start, b.start) || cmp(a.label, b.label));
}

function isoWeek(monday: Date): string {
  const thursday = new Date(monday.getTime() + 3 * DAY);
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  const week = Math.floor((thursday.getTime() - yearStart) / DAY / 7) + 1;
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

function majority(xs: string[]): string {
  const counts = new Map<string, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
}

async function versionContext(store: Store, id: string): Promise<VersionContext> {
  const version = versionFromRow(await store.db.selectFrom('model_versions').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
  const endpoint = await store.db.selectFrom('endpoints').select('transform').where('name', '=', version.endpoint).executeTakeFirstOrThrow();
  const report = version.reportBlob ? await readValidationReport(store.blobs, version.reportBlob) : null;
  let trainKeys: string[] = [];
  let scaffolds: string[] = [];
  const trainingBlob = trainingSetBlobOf(version.lineage);
  if (trainingBlob) {
    const t = await readTrainingSet(store.blobs, trainingBlob);
    trainKeys = t.inchikeys;
    scaffolds = t.scaffolds;
  }
  const measurements: Measurement[] = await store.db
    .selectFrom('measurements as m')
    .leftJoin('feature_cache as f', (j) => j.onRef('f.inchikey', '=', 'm.inchikey').on('f.feature_hash', '=', version.featureHash))
    .select(['m.id', 'm.inchikey', 'm.value', 'm.protocol_version', 'm.measured_at', 'm.reported_at', 'f.scaffold'])
    .where('m.endpoint', '=', version.endpoint)
    .where('m.qualifier', '=', '=')
    .execute();
  const byCompound = new Map<string, Measurement[]>();
  for (const m of measurements) (byCompound.get(m.inchikey) ?? byCompound.set(m.inchikey, []).get(m.inchikey)!).push(m);
  // The snapshot the version was built from: labels in it are not new, whichever split they fell in.
  let known: VersionContext['known'] = null;
  const build = version.buildHash ? await store.db.selectFrom('builds').select('snapshot').where('hash', '=', version.buildHash).executeTakeFirst() : undefined;
  if (build) {
    const snap = await readSnapshotBlob(store.blobs, build.snapshot);
    const keys = new Set(snap.rows.map((r) => r.inchikey));
    known = {
      measurements: new Set(snap.rows.flatMap((r) => r.measurements)),
      scaffolds: new Set(measurements.filter((m) => keys.has(m.inchikey) && m.scaffold !== null).map((m) => m.scaffold!)),
    };
  }
  const trainDescriptors = await descriptorColumns(store, version, trainKeys);
  const sampler = windowRandom(version.id, 'descriptor-reference');
  const baseline = report?.signalBaseline ?? null;
  return {
    version,
    report,
    transform: endpoint.transform === 'log10' ? Math.log10 : (v: number) => v,
    trainKeys: new Set(trainKeys),
    trainScaffolds: new Set(scaffolds),
    known,
    trainDescriptors,
    descriptorReference: trainDescriptors.map((c) => subsample(c, DESCRIPTOR_REFERENCE_SIZE, sampler)),
    measurements,
    byCompound,
    baselineWidth: baselineWidthOf(report),
    baseline,
    ...chemistryOf(baseline),
    heldOut: heldOutSampleOf(baseline),
    trainingBlob: trainingBlob ?? null,
  };
}

/** Descriptor values of the given compounds from the feature cache, one array per descriptor. */
async function descriptorColumns(store: Store, version: ModelVersion, keys: string[]): Promise<Float64Array[]> {
  const fv = version.featureContract.featureVersion;
  if (!fv || !keys.length) return [];
  const nd = descriptorDictionary(fv.descriptors).descriptors.length;
  const rows: Array<Array<number | null>> = [];
  const unique = [...new Set(keys)];
  for (let i = 0; i < unique.length; i += 500) {
    const part = await store.db
      .selectFrom('feature_cache')
      .select('descriptors')
      .where('feature_hash', '=', version.featureHash)
      .where('inchikey', 'in', unique.slice(i, i + 500))
      .execute();
    for (const r of part)
      rows.push(decodeJson(r.descriptors, descriptorRowDecoder, { kind: 'row', what: 'cached descriptors', id: `feature_cache ${version.featureHash}` }));
  }
  return Array.from({ length: nd }, (_, d) => Float64Array.from(rows.map((r) => r[d]).filter((v): v is number => v !== null && Number.isFinite(v))));
}

async function windowEvidence(
  store: Store,
  ctx: VersionContext,
  g: WindowGroup,
  asOf: string,
  prev: WindowEvidence | undefined,
  before: Row<'predictions'>[],
): Promise<WindowEvidence> {
  const rows = g.rows;
  const keys = [...new Set(rows.map((r) => r.inchikey))];
  const dict = ctx.version.featureContract.featureVersion;
  const names = dict ? descriptorDictionary(dict.descriptors).descriptors.map((d) => d.name) : [];

  // Input drift: each descriptor against the training set; chemistry mix.
  const current = await descriptorColumns(store, ctx.version, keys);
  const descriptors: DescriptorDrift[] = [];
  current.forEach((cur, d) => {
    const ref = ctx.trainDescriptors[d];
    if (!ref || ref.length < 2 || cur.length < 2) return;
    const ks = ks2samp(ref, cur, ref.length * cur.length > EXACT_KS_PAIRS ? 'asymp' : 'auto');
    descriptors.push({ descriptor: names[d]!, psi: psi(ref, cur).psi, ks: ks.statistic, ksPValue: ks.pValue, wasserstein: wasserstein1d(ref, cur) });
  });
  const tests = await memoized(windowKey(ctx, g, rows, 'descriptors'), async () =>
    descriptorDriftTests(ctx.descriptorReference, current, windowRandom(g.label, 'descriptors')),
  );
  {
    let k = 0;
    current.forEach((cur, d) => {
      const ref = ctx.trainDescriptors[d];
      if (!ref || ref.length < 2 || cur.length < 2) return;
      descriptors[k] = { ...descriptors[k]!, pValue: tests.pValues[d] ?? null, qValue: tests.qValues[d] ?? null };
      k++;
    });
  }
  const sims = rows.map((r) => r.max_similarity).filter((v): v is number => v !== null);
  const seen = rows.map((r) => r.scaffold_seen).filter((v): v is number => v !== null);
  const widths = rows.filter((r) => r.lower !== null && r.upper !== null).map((r) => r.upper! - r.lower!);
  const values = rows.map((r) => r.value);
  const base = ctx.report?.testPredictions;

  // Labels: exact measurements of the endpoint for these compounds, known by asOf.
  const measured = labelsFor(ctx, keys, asOf);
  const labelOf = new Map<string, { label: number; reportedAt: string | null }>();
  for (const [k, list] of measured)
    labelOf.set(k, {
      label: mean(list.map((m) => ctx.transform(m.value))),
      reportedAt:
        list
          .map((m) => m.reported_at)
          .filter(Boolean)
          .sort()[0] ?? null,
    });
  const unlabelled = rows.filter((r) => !labelOf.has(r.inchikey));
  const oldest = unlabelled.length ? unlabelled.map((r) => r.requested_at).sort()[0]! : null;

  // Performance: predictions whose labels were reported during this window.
  const inWindow = rows.filter((r) => {
    const l = labelOf.get(r.inchikey);
    return l && (l.reportedAt === null || (l.reportedAt >= g.start.slice(0, 10) && l.reportedAt <= g.end));
  });
  const evalRows = inWindow.length >= 3 ? inWindow : rows.filter((r) => labelOf.has(r.inchikey));
  let performance: WindowEvidence['performance'] = null;
  let performanceBySeries: NonNullable<WindowEvidence['performanceBySeries']> = [];
  const baselineMae = (ctx.report?.test as { mae?: number } | undefined)?.mae;
  const coverageOf = (rs: Row<'predictions'>[]) => {
    const covered = rs.filter((r) => r.lower !== null && r.upper !== null);
    return covered.length
      ? covered.filter((r) => {
          const y = labelOf.get(r.inchikey)!.label;
          return y >= r.lower! && y <= r.upper!;
        }).length / covered.length
      : null;
  };
  if (evalRows.length >= 3 && baselineMae) {
    // Per chemical series: a decay confined to one series is invisible in the window's mean.
    const seriesOf = await frameworks(store, ctx.version.featureHash, [...new Set(evalRows.map((r) => r.inchikey))]);
    const bySeries = new Map<string, Row<'predictions'>[]>();
    for (const r of evalRows) {
      const key = seriesOf.get(r.inchikey) || '(acyclic)';
      (bySeries.get(key) ?? bySeries.set(key, []).get(key)!).push(r);
    }
    performanceBySeries = [...bySeries.entries()]
      .filter(([, rs]) => rs.length >= 5)
      .map(([series, rs]) => {
        const m = mae(
          rs.map((r) => labelOf.get(r.inchikey)!.label),
          rs.map((r) => r.value),
        );
        return { series, n: rs.length, mae: m, maeRatio: m / baselineMae, coverage: coverageOf(rs) };
      })
      .sort((a, b) => b.maeRatio - a.maeRatio);
    const yTrue = evalRows.map((r) => labelOf.get(r.inchikey)!.label);
    const yPred = evalRows.map((r) => r.value);
    const m = mae(yTrue, yPred);
    performance = {
      n: evalRows.length,
      mae: m,
      rmse: rmse(yTrue, yPred),
      spearman: spearman(yTrue, yPred),
      coverage: coverageOf(evalRows),
      baselineMae,
      maeRatio: m / baselineMae,
      // No series with 5 labelled compounds (diverse chemistry, small windows): the window itself is the smallest group measured.
      worstSeriesMaeRatio: performanceBySeries[0]?.maeRatio ?? m / baselineMae,
    };
  }

  const labels = newLabels(ctx, asOf);
  const assay = assayShift(ctx, g.end < asOf ? g.end : asOf);
  const unseenShare = seen.length ? 1 - mean(seen) : null;
  const widthRatio = widths.length && ctx.baselineWidth ? mean(widths) / ctx.baselineWidth : null;
  const lowShare = sims.length ? sims.filter((s) => s < LOW_SIMILARITY).length / sims.length : null;
  const calibrated = await calibratedWindow(store, ctx, g, rows, before, { seen, sims, values, labelOf });
  return {
    // The version that served the window: a policy's history must not mix versions.
    model: ctx.version.id,
    window: { label: g.label, start: g.start, end: g.end },
    predictions: rows.length,
    input: {
      descriptors,
      maxPsi: descriptors.length ? Math.max(...descriptors.map((d) => d.psi)) : null,
      unseenScaffoldShare: unseenShare,
      meanNearestSimilarity: sims.length ? mean(sims) : null,
      lowSimilarityShare: lowShare,
      driftedDescriptors: tests.pValues.some((p) => p !== null) ? tests.drifted : null,
      minDescriptorQ: tests.minQ,
      ...calibrated.input,
    },
    output: {
      meanPrediction: mean(values),
      predictionShiftSd: base && base.sd > 0 ? (mean(values) - base.mean) / base.sd : null,
      meanIntervalWidth: widths.length ? mean(widths) : null,
      widthRatio,
      predictionShiftZ: calibrated.predictionShiftZ,
    },
    errorEstimate: calibrated.errorEstimate,
    labels: {
      labelled: rows.length - unlabelled.length,
      labelledShare: (rows.length - unlabelled.length) / rows.length,
      oldestUnlabelledDays: oldest ? (Date.parse(asOf) - Date.parse(oldest)) / DAY : null,
      ...labels,
    },
    performance,
    performanceBySeries,
    assay,
    proxy: proxySignals(prev, { unseenScaffoldShare: unseenShare, lowSimilarityShare: lowShare, widthRatio }),
  };
}

/**
 * The proxy signals while labels are missing, from this window against the previous one.
 * Fixed detection rules (documented in ARCHITECTURE.md); how to act on them is the policy's:
 *  - confidence moving while chemistry is stable: the interval-width ratio changes by more
 *    than 0.25 while the unseen-scaffold share changes by less than 0.05;
 *  - chemistry moving while confidence stays flat: the unseen-scaffold or low-similarity
 *    share rises by more than 0.15 while the width ratio changes by less than 0.05.
 */
export function proxySignals(
  prev: Pick<WindowEvidence, 'input' | 'output'> | undefined,
  now: { unseenScaffoldShare: number | null; lowSimilarityShare: number | null; widthRatio: number | null },
): WindowEvidence['proxy'] {
  const delta = (a: number | null, b: number | null | undefined) => (a !== null && b !== null && b !== undefined ? a - b : null);
  const dChem = delta(now.unseenScaffoldShare, prev?.input.unseenScaffoldShare);
  const dLow = delta(now.lowSimilarityShare, prev?.input.lowSimilarityShare);
  const dWidth = delta(now.widthRatio, prev?.output.widthRatio);
  return {
    confidenceMovingChemistryStable: dWidth !== null && dChem !== null && Math.abs(dWidth) > 0.25 && Math.abs(dChem) < 0.05,
    chemistryMovingConfidenceFlat: dWidth !== null && ((dChem !== null && dChem > 0.15) || (dLow !== null && dLow > 0.15)) && Math.abs(dWidth) < 0.05,
  };
}

/** Generic framework (the chemical series) of each compound, from the feature cache. */
async function frameworks(store: Store, featureHash: string, keys: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < keys.length; i += 500) {
    const rows = await store.db
      .selectFrom('feature_cache')
      .select(['inchikey', 'framework'])
      .where('feature_hash', '=', featureHash)
      .where('inchikey', 'in', keys.slice(i, i + 500))
      .execute();
    for (const r of rows) out.set(r.inchikey, r.framework);
  }
  return out;
}

type Measurement = {
  id: string;
  inchikey: string;
  value: number;
  protocol_version: string;
  measured_at: string | null;
  reported_at: string | null;
  scaffold: string | null;
};

const knownBy = (m: Measurement, asOf: string) => !m.reported_at || m.reported_at <= asOf;

function labelsFor(ctx: VersionContext, keys: string[], asOf: string): Map<string, Measurement[]> {
  const out = new Map<string, Measurement[]>();
  for (const k of keys) {
    const known = (ctx.byCompound.get(k) ?? []).filter((m) => knownBy(m, asOf));
    if (known.length) out.set(k, known);
  }
  return out;
}

/**
 * Labels a retrain would add, known by asOf: measurements not in the version's training
 * snapshot (its calibration and test compounds are not new). "New chemistry": scaffolds
 * absent from that snapshot. An imported model has no snapshot: compounds outside its
 * declared training set count.
 */
function newLabels(ctx: VersionContext, asOf: string) {
  const known = ctx.known;
  const fresh = ctx.measurements.filter((r) => knownBy(r, asOf) && (known ? !known.measurements.has(r.id) : !ctx.trainKeys.has(r.inchikey)));
  const seenScaffolds = known ? known.scaffolds : ctx.trainScaffolds;
  const dates = fresh
    .map((r) => r.measured_at)
    .filter((d): d is string => Boolean(d))
    .sort();
  return {
    newLabels: fresh.length,
    newLabelsOnNewChemistry: fresh.filter((r) => r.scaffold !== null && !seenScaffolds.has(r.scaffold)).length,
    labelAgeSpreadDays: dates.length ? (Date.parse(dates[dates.length - 1]!) - Date.parse(dates[0]!)) / DAY : null,
    protocolVersions: [...new Set(fresh.map((r) => r.protocol_version))].sort(),
  };
}

/**
 * Reference compounds measured under the previous and the latest version of the same
 * protocol: if they moved on average by more than their per-compound differences can
 * explain, the assay shifted (not the chemistry). Versions are compared within a protocol only: two sites
 * running two protocols differ by a standing offset, which is not a shift. The test is
 * paired over the references (calibrated-signals.ts: mean after − before, t interval,
 * confirmed at two-sided p < 0.001 with at least 3 references), so its power grows with
 * the references and its false-freeze rate does not depend on how noisy each compound
 * is. The pooled within-version replicate SD is reported beside it (0.1 without replicates).
 * With several protocols changed, the one confirmed (else with the largest |shift|) is reported.
 */
function assayShift(ctx: VersionContext, asOf: string): WindowEvidence['assay'] {
  const rows = ctx.measurements.filter((r) => knownBy(r, asOf));
  // Replicate noise, pooled over every compound × protocol version.
  const by = new Map<string, Map<string, number[]>>();
  for (const r of rows) {
    const perVersion = by.get(r.inchikey) ?? by.set(r.inchikey, new Map()).get(r.inchikey)!;
    (perVersion.get(r.protocol_version) ?? perVersion.set(r.protocol_version, []).get(r.protocol_version)!).push(ctx.transform(r.value));
  }
  let ss = 0;
  let dof = 0;
  for (const perVersion of by.values()) {
    for (const list of perVersion.values()) {
      if (list.length > 1) {
        const m = mean(list);
        ss += list.reduce((s, v) => s + (v - m) ** 2, 0);
        dof += list.length - 1;
      }
    }
  }
  const noise = dof > 0 ? Math.sqrt(ss / dof) : 0.1;
  // The assay's noise goes with the evidence, and an explanation in words, so a reader sees why a shift was or was not confirmed.
  const noiseText = `replicate noise ${noise.toPrecision(3)} (${dof > 0 ? `pooled replicate SD, ${dof} degrees of freedom` : 'default: no replicates'})`;
  const none: WindowEvidence['assay'] = {
    references: [],
    medianReferenceShift: null,
    confirmedShift: false,
    replicateNoise: noise,
    explanation: `no reference compound measured under two versions of a protocol; ${noiseText}`,
  };
  const versionsByProtocol = new Map<string, string[]>();
  for (const v of new Set(rows.map((r) => r.protocol_version))) {
    const protocol = v.split('@')[0]!;
    (versionsByProtocol.get(protocol) ?? versionsByProtocol.set(protocol, []).get(protocol)!).push(v);
  }
  let best: WindowEvidence['assay'] = none;
  for (const versions of versionsByProtocol.values()) {
    if (versions.length < 2) continue;
    versions.sort(byVersion);
    const latest = versions[versions.length - 1]!;
    const previous = versions[versions.length - 2]!;
    const references: WindowEvidence['assay']['references'] = [];
    for (const [inchikey, perVersion] of by) {
      const before = perVersion.get(previous);
      const after = perVersion.get(latest);
      if (before && after)
        references.push({ inchikey, from: previous, to: latest, before: mean(before), after: mean(after), shift: mean(after) - mean(before) });
    }
    if (!references.length) continue;
    const shifts = references.map((r) => r.shift);
    const paired = pairedAssayShift(shifts);
    const f = (x: number | null) => (x === null ? 'n/a' : x.toPrecision(3));
    const explanation =
      `${previous} → ${latest}: ${paired.referencesCompared} reference${paired.referencesCompared === 1 ? '' : 's'}, paired mean shift ${f(paired.pairedShift)} ` +
      `(95 % CI ${f(paired.shiftCiLow)} to ${f(paired.shiftCiHigh)}, p ${f(paired.shiftPValue)}); ${paired.confirmedShift ? 'confirmed' : 'not confirmed'}: a shift needs p < 0.001 with at least 3 references; ` +
      `these references detect ${f(paired.minimalDetectableShift)} or more with 80 % power; ${noiseText}`;
    const result = { references, medianReferenceShift: median(shifts), ...paired, replicateNoise: noise, explanation };
    const rank = (a: WindowEvidence['assay']) => [a.confirmedShift ? 1 : 0, Math.abs(a.pairedShift ?? a.medianReferenceShift ?? 0)] as const;
    const [rc, rm] = rank(result);
    const [bc, bm] = rank(best);
    if (rc > bc || (rc === bc && rm > bm) || best === none) best = result;
  }
  return best;
}

/** The validation's mean 90 % interval width: per domain band (weighted by test compounds) when the intervals are conditional on it. */
function baselineWidthOf(report: ValidationReport | null): number | null {
  const byBand = report?.conformalByBand?.find((c) => c.level === 0.9);
  if (byBand) {
    const rows = byBand.bands.filter((b) => b.testN > 0 && b.meanWidth !== null);
    const n = rows.reduce((a, b) => a + b.testN, 0);
    if (n > 0) return rows.reduce((a, b) => a + b.meanWidth! * b.testN, 0) / n;
  }
  return report?.conformal?.find((c) => c.level === 0.9)?.meanWidth ?? null;
}

/** The window's statistics against the model's own baseline (all null without one). */
async function calibratedWindow(
  store: Store,
  ctx: VersionContext,
  g: WindowGroup,
  rows: Row<'predictions'>[],
  before: Row<'predictions'>[],
  w: { seen: number[]; sims: number[]; values: number[]; labelOf: Map<string, { label: number }> },
): Promise<{ input: Partial<WindowEvidence['input']>; predictionShiftZ: number | null; errorEstimate: WindowEvidence['errorEstimate'] }> {
  const b = ctx.baseline;
  if (!b) return { input: {}, predictionShiftZ: null, errorEstimate: null };
  // Two-window horizon for the chemistry tests: a series that arrived last window and is
  // still coming is tested on twice the compounds (the power of a larger sample, at the
  // same false-alarm rate per window).
  const horizon = [...before, ...rows];
  const horizonSims = horizon.filter((r) => r.max_similarity !== null).map((r) => r.max_similarity!);
  // One read of the horizon's fingerprints serves both chemistry tests (none when both are memoized).
  let read: Promise<Map<string, Uint32Array>> | undefined;
  const fingerprints = () => (read ??= fingerprintsByKey(store, ctx.version.featureHash, [...new Set(horizon.map((r) => r.inchikey))]));
  const chemistry = await chemistryOfWindow(ctx, g, horizon, fingerprints);
  const cluster = await novelClusterOfWindow(ctx, g, horizon, fingerprints);
  const trainingPairs = await trainingNovelPairsOfWindow(store, ctx, g, horizon, fingerprints);
  const scaffoldPairs = await newScaffoldPairsOfHorizon(ctx, g, horizon);
  const unseen = shareAgainstBaseline(w.seen.filter((s) => s === 0).length, w.seen.length, b.unseenScaffoldShare, b.n);
  const low = shareAgainstBaseline(w.sims.filter((s) => s < LOW_SIMILARITY).length, w.sims.length, b.lowSimilarityShare, b.n);
  const baselineMae = (ctx.report?.test as { mae?: number } | undefined)?.mae ?? 0;
  const withInputs = rows.filter((r) => r.uncertainty !== null && r.max_similarity !== null);
  const labelled = rows.filter((r) => w.labelOf.has(r.inchikey));
  return {
    input: {
      unseenScaffoldBaseline: b.unseenScaffoldShare,
      unseenScaffoldExcess: unseen?.excess ?? null,
      unseenScaffoldP: unseen?.pValue ?? null,
      lowSimilarityBaseline: b.lowSimilarityShare,
      lowSimilarityExcess: low?.excess ?? null,
      lowSimilarityP: low?.pValue ?? null,
      nearestSimilarityBaseline: b.nearestSimilarity.mean,
      nearestSimilarityShift: horizonSims.length ? mean(horizonSims) - b.nearestSimilarity.mean : null,
      chemistryMmd: chemistry?.mmd2 ?? null,
      chemistryShiftP: chemistry?.pValue ?? null,
      novelClusterCount: cluster?.count ?? null,
      novelClusterBaseline: cluster?.nullMean ?? null,
      novelClusterExcess: cluster ? cluster.count - cluster.nullMean : null,
      novelClusterP: cluster?.pValue ?? null,
      trainingNovelPairs: trainingPairs?.count ?? null,
      trainingNovelPairsBaseline: trainingPairs?.nullMean ?? null,
      trainingNovelPairsP: trainingPairs?.pValue ?? null,
      newScaffoldPairs: scaffoldPairs?.count ?? null,
      newScaffoldPairsBaseline: scaffoldPairs?.nullMean ?? null,
      newScaffoldPairsP: scaffoldPairs?.pValue ?? null,
    },
    predictionShiftZ: b.prediction.sd > 0 && w.values.length ? (mean(w.values) - b.prediction.mean) / (b.prediction.sd / Math.sqrt(w.values.length)) : null,
    errorEstimate: b.lossModel
      ? errorEstimate(
          b.lossModel,
          withInputs.map((r) => r.uncertainty!),
          withInputs.map((r) => r.max_similarity!),
          baselineMae,
          labelled.map((r) => Math.abs(w.labelOf.get(r.inchikey)!.label - r.value)),
        )
      : null,
  };
}

/**
 * Permutation tests of a window depend only on its predictions and the version, not on
 * asOf: remembered per process (monitoring replays every window each run; the demo
 * monitors 52 times a year).
 */
const permutationMemo = new Map<string, unknown>();
async function memoized<T>(key: string, compute: () => Promise<T>): Promise<T> {
  if (permutationMemo.has(key)) return permutationMemo.get(key) as T;
  const v = await compute();
  if (permutationMemo.size > 20_000) permutationMemo.clear();
  permutationMemo.set(key, v);
  return v;
}

function windowKey(ctx: VersionContext, g: WindowGroup, rows: Row<'predictions'>[], what: string): string {
  return hashOf({ what, version: ctx.version.id, label: g.label, ids: rows.map((r) => r.id).sort() });
}

type HorizonFingerprints = () => Promise<Map<string, Uint32Array>>;

async function chemistryOfWindow(
  ctx: VersionContext,
  g: WindowGroup,
  rows: Row<'predictions'>[],
  fingerprints: HorizonFingerprints,
): Promise<{ mmd2: number; pValue: number } | null> {
  const b = ctx.baseline;
  if (!b || !ctx.chemistryReference) return null;
  return memoized(windowKey(ctx, g, rows, 'chemistry'), async () => {
    const words = b.chemistryReference.fingerprintWords;
    const packed = packedFingerprints([...(await fingerprints()).values()], words);
    return chemistryShift(ctx.chemistryReference!, packed, words, windowRandom(g.label, 'chemistry'), ctx.chemistryGram ?? undefined);
  });
}

/**
 * Training pools by feature set and training set (content addresses): built once per process
 * (n² Tanimoto and a sort per compound, under a second at TRAINING_POOL_MAX), few kept.
 */
const trainingPools = new Map<string, Promise<TrainingPool | null>>();

function trainingPoolOfVersion(store: Store, ctx: VersionContext): Promise<TrainingPool | null> {
  const key = `${ctx.version.featureHash}/${ctx.trainingBlob}`;
  let pool = trainingPools.get(key);
  if (!pool) {
    pool = fingerprintsByKey(store, ctx.version.featureHash, [...ctx.trainKeys]).then((fps) => {
      // In InChIKey order: the same pool, and so the same p-values, on every run.
      const inOrder = [...fps.keys()].sort().map((k) => fps.get(k)!);
      const words = inOrder[0]?.length ?? 0;
      return words ? trainingPoolOf(packedFingerprints(inOrder, words), words, ctx.baseline) : null;
    });
    if (trainingPools.size >= 8) trainingPools.delete(trainingPools.keys().next().value!);
    trainingPools.set(key, pool);
  }
  return pool;
}

/** The training-pool novel-pairs test of the horizon's distinct compounds that are not training compounds (memoized per window). */
async function trainingNovelPairsOfWindow(
  store: Store,
  ctx: VersionContext,
  g: WindowGroup,
  rows: Row<'predictions'>[],
  fingerprints: HorizonFingerprints,
): Promise<TrainingNovelPairsTest | null> {
  if (!ctx.trainingBlob || ctx.trainKeys.size < 5 || ctx.trainKeys.size > TRAINING_POOL_MAX) return null;
  return memoized(windowKey(ctx, g, rows, 'training-novel-pairs'), async () => {
    const pool = await trainingPoolOfVersion(store, ctx);
    if (!pool) return null;
    const fps = await fingerprints();
    const present = distinctInKeyOrder(rows, (r) => fps.has(r.inchikey) && !ctx.trainKeys.has(r.inchikey));
    const packed = packedFingerprints(
      present.map((r) => fps.get(r.inchikey)!),
      pool.neighbours.set.words,
    );
    return trainingNovelPairs(pool, packed, windowRandom(g.label, 'training-novel-pairs'));
  });
}

async function novelClusterOfWindow(
  ctx: VersionContext,
  g: WindowGroup,
  rows: Row<'predictions'>[],
  fingerprints: HorizonFingerprints,
): Promise<NovelClusterTest | null> {
  const heldOut = ctx.heldOut;
  if (!heldOut) return null;
  return memoized(windowKey(ctx, g, rows, 'novel-cluster'), async () => {
    const fps = await fingerprints();
    const present = distinctInKeyOrder(rows, (r) => r.max_similarity !== null && fps.has(r.inchikey));
    return novelCluster(
      heldOut,
      packedFingerprints(
        present.map((r) => fps.get(r.inchikey)!),
        heldOut.words,
      ),
      present.map((r) => r.max_similarity!),
      windowRandom(g.label, 'novel-cluster'),
    );
  });
}

/** The new-scaffold-pairs test of the horizon's distinct compounds (memoized per window). */
async function newScaffoldPairsOfHorizon(ctx: VersionContext, g: WindowGroup, rows: Row<'predictions'>[]): Promise<NewScaffoldPairsTest | null> {
  const heldOut = ctx.heldOut;
  if (!heldOut?.newScaffolds) return null;
  return memoized(windowKey(ctx, g, rows, 'new-scaffold-pairs'), async () => {
    // The scaffold when the version's training set lacks it.
    const present = distinctInKeyOrder(rows, (r) => r.scaffold_seen !== null && r.max_similarity !== null);
    return newScaffoldPairsOfWindow(
      heldOut,
      present.map((r) => ({ scaffold: r.scaffold_seen === 0 && r.scaffold ? r.scaffold : null, nearest: r.max_similarity! })),
      windowRandom(g.label, 'new-scaffold-pairs'),
    );
  });
}

/** The first row of each compound that `keep` accepts, in InChIKey order: a replay tests the same sample. */
function distinctInKeyOrder(rows: Row<'predictions'>[], keep: (r: Row<'predictions'>) => boolean): Row<'predictions'>[] {
  const first = new Map<string, Row<'predictions'>>();
  for (const r of rows) if (!first.has(r.inchikey) && keep(r)) first.set(r.inchikey, r);
  return [...first.keys()].sort().map((k) => first.get(k)!);
}

/** Fingerprints of `words` words each, one after another in one array (the chemistry tests' input). */
function packedFingerprints(list: Uint32Array[], words: number): Uint32Array {
  const out = new Uint32Array(list.length * words);
  list.forEach((f, i) => out.set(f, i * words));
  return out;
}

/** Fingerprints of the given compounds from the feature cache, by InChIKey. */
async function fingerprintsByKey(store: Store, featureHash: string, keys: string[]): Promise<Map<string, Uint32Array>> {
  const out = new Map<string, Uint32Array>();
  for (let i = 0; i < keys.length; i += 500) {
    const rows = await store.db
      .selectFrom('feature_cache')
      .select(['inchikey', 'fingerprint'])
      .where('feature_hash', '=', featureHash)
      .where('inchikey', 'in', keys.slice(i, i + 500))
      .execute();
    for (const r of rows) out.set(r.inchikey, fingerprintFromHex(r.fingerprint));
  }
  return out;
}

function chemistryOf(b: SignalBaseline | null): Pick<VersionContext, 'chemistryReference' | 'chemistryGram'> {
  if (!b) return { chemistryReference: null, chemistryGram: null };
  // Little-endian words in base64, as the build wrote them (validate/signal-baseline.ts); decoded here, monitor reads validate's types only.
  const bytes = Buffer.from(b.chemistryReference.fingerprints, 'base64');
  const fps = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
  return { chemistryReference: fps, chemistryGram: tanimotoGram(fps, b.chemistryReference.fingerprintWords) };
}

function byVersion(a: string, b: string): number {
  const [pa, va] = a.split('@');
  const [pb, vb] = b.split('@');
  return pa === pb ? Number(va) - Number(vb) : pa! < pb! ? -1 : 1;
}

/** The latest stored monitoring run of a model. */
export async function latestMonitorRun(store: Store, model: string): Promise<{ asOf: string; window: string; windows: WindowEvidence[] } | null> {
  const e = await latestEvent(store.db, { model, kind: 'monitor_run' });
  if (!e) return null;
  return readMonitorRun(store.blobs, decodeEventPayload(e, 'monitor_run').blob);
}
