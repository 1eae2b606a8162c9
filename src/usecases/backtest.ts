import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ChemPool } from '../chem/chem-pool.js';
import { csvField } from '../core/atomic-file.js';
import { fixedClock, WALL_CLOCK, withClock } from '../core/clock.js';
import { RotguardError } from '../core/errors.js';
import { hashOf } from '../core/hash.js';
import { endpointFromRow } from '../data/endpoints.js';
import { validateMapping } from '../data/mapping.js';
import { protocolFromRow } from '../data/protocols.js';
import type { Decision } from '../policy/decide.js';
import { policyDocument, type Policy } from '../policy/policy-file.js';
import { recipeDocument } from '../policy/retrain-recipe.js';
import { currentGate, frozenState } from '../registry/registry.js';
import { appendEvent } from '../store/event-log.js';
import { openStore, type Store } from '../store/store.js';
import type { Recipe } from '../training/recipe.js';
import { readValidationReport } from '../validate/decoders.js';
import { writeAuditReport, type WrittenReport } from './audit.js';
import { createContext, type Context } from './context.js';
import { ingest } from './data.js';
import { buildModel, promote } from './models.js';
import { applyPolicy, decide } from './policy.js';
import { predict } from './predict.js';
import { addEndpoint, addProtocol, setGate } from './standards.js';

/**
 * `rotguard backtest`: what rotguard would have said on a team's own assay history.
 *
 * The history is read from an existing workspace (measurements with measured and reported
 * dates, one endpoint) and replayed week by week into a NEW workspace, as the live system
 * would have lived it: the first model trains on what was reported by the start; each
 * Monday the compounds first measured that week are predicted by the champion, before any
 * of their labels exist; each Sunday the labels reported that week arrive (ingested then,
 * never before: the store at time T holds only what was reported by T, so nothing decided
 * at T can see a later label); then monitoring, the policy's decision, and a retrain
 * (built, gated, promoted by a second person) or a freeze, exactly as in production. Every
 * record is dated in simulated time; the replay itself is an event with the wall time.
 * At the end the workspace is audited as of the last week and every window is scored in
 * hindsight, with every decision judged against what the labels later showed.
 */
export interface BacktestOptions {
  /** The workspace holding the ingested history (read only). */
  source: Store;
  /** A new, empty folder for the replay's workspace, assay chunks, predictions and report. */
  dir: string;
  recipe: Recipe;
  policy: Policy;
  /** First replayed week (ISO date; snapped back to its Monday). Everything reported before it trains model v1. */
  start: string;
  /** Last day to replay (default: the last reported label). */
  end?: string;
  /** The person running the backtest (recorded on the replay event and the report). */
  actor: string;
  workers?: number;
  onProgress?: (p: { week: number; weeks: number; stage: string; note?: string }) => void;
}

export interface BacktestWindow {
  week: number;
  monday: string;
  servedBy: string | null;
  predicted: number;
  labelsArrived: number;
  action: Decision['action'] | null;
  triggered: string[];
  retrainDeferred: boolean;
  /** Mean absolute error of the week's predictions against every label known at the end (hindsight). */
  hindsightMae: number | null;
  /** hindsightMae over the serving version's validation MAE. */
  hindsightMaeRatio: number | null;
  labelledInHindsight: number;
  retrained: string | null;
  promoted: boolean | null;
  froze: boolean;
}

export interface HindsightJudgement {
  week: number;
  action: 'retrain' | 'freeze' | 'watch';
  verdict: 'right' | 'wrong' | 'unknown';
  why: string;
}

export interface BacktestResult {
  dir: string;
  workspace: string;
  start: string;
  end: string;
  weeks: BacktestWindow[];
  /** When each rule fired (first week of each run of consecutive weeks). */
  firings: Array<{ rule: string; action: string; weeks: number[] }>;
  judgements: HindsightJudgement[];
  report: WrittenReport;
  skipped: { noDates: number };
  seconds: number;
}

const DAY = 86_400_000;
const WEEK = 7 * DAY;
/** People of the replay: separate identities, so the four-eyes rules hold as in production. */
export const BACKTEST_ACTORS = {
  lab: 'backtest-lab',
  builder: 'backtest-builder',
  reviewer: 'backtest-reviewer',
  chemist: 'backtest-chemist',
  monitor: 'backtest-monitor',
} as const;

interface SourceRow {
  inchikey: string;
  smiles: string;
  protocolVersion: string;
  team: string;
  site: string;
  batch: string;
  rawValue: string;
  rawUnit: string;
  qualifier: string;
  measuredAt: string;
  reportedAt: string;
}

export async function backtest(o: BacktestOptions): Promise<BacktestResult> {
  const started = performance.now();
  if (!('window' in o.recipe.dataset)) {
    throw new RotguardError(
      'bad_recipe',
      'a backtest recipe needs a dataset window (e.g. dataset: { aggregate: mean }), not a fixed snapshot: each retrain trains on what was reported by then',
      { field: 'dataset' },
    );
  }
  const rows = await readHistory(o.source, o.recipe.endpoint);
  if (!rows.dated.length)
    throw new RotguardError(
      'no_dates',
      `no ${o.recipe.endpoint} measurement in the source workspace has a measured and a reported date; a backtest replays time`,
    );
  const firstMonday = mondayOf(Date.parse(`${o.start.slice(0, 10)}T00:00:00Z`));
  if (!Number.isFinite(firstMonday)) throw new RotguardError('bad_date', `--start must be an ISO date, got "${o.start}"`, { field: 'start' });
  const lastReported = rows.dated
    .map((r) => r.reportedAt)
    .sort()
    .at(-1)!;
  const endDay = Date.parse(`${(o.end ?? lastReported).slice(0, 10)}T00:00:00Z`);
  if (!Number.isFinite(endDay)) throw new RotguardError('bad_date', `--end must be an ISO date, got "${o.end}"`, { field: 'end' });
  const weeks = Math.floor((mondayOf(endDay) - firstMonday) / WEEK) + 1;
  if (weeks < 1) throw new RotguardError('bad_date', `--end ${o.end ?? lastReported} is before --start ${o.start}`, { field: 'end' });
  if (!rows.dated.some((r) => Date.parse(r.reportedAt) < firstMonday)) {
    throw new RotguardError('bad_date', `nothing was reported before ${iso(firstMonday).slice(0, 10)}: model v1 would have no data; choose a later --start`, {
      field: 'start',
    });
  }

  const at = (week: number, day: number, hour: number) => firstMonday + (week - 1) * WEEK + day * DAY + hour * 3_600_000;
  const workspace = join(o.dir, '.rotguard');
  const dirs = {
    assays: join(o.dir, 'assay-chunks'),
    predictions: join(o.dir, 'predictions'),
    recipes: join(o.dir, 'recipes'),
    quarantine: join(workspace, 'quarantine'),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  writeFileSync(join(o.dir, 'policy.yaml'), stringify(policyDocument(o.policy)));
  const store = await withClock(at(0, 6, 0), () => openStore({ workspace, migrate: true }));
  const as = (actor: string, t: number): Context => createContext(store, { actor, clock: fixedClock(t), workspace });
  const progress = (week: number, stage: string, note?: string) => o.onProgress?.({ week, weeks, stage, note });
  const pool = await ChemPool.start(o.workers ?? 1);
  const model = o.recipe.model;
  try {
    // ---- Before week 1: the replay is declared (wall time recorded), standards copied, the history reported by then ingested.
    const setup = as(o.actor, at(0, 6, 1));
    await withClock(setup.clock, () =>
      appendEvent(store.db, {
        kind: 'backtest_started',
        subject: `backtest:${model}`,
        actor: o.actor,
        reason: `replay of ${o.recipe.endpoint} from ${iso(firstMonday).slice(0, 10)} for ${weeks} weeks; every later record is dated in simulated time`,
        payload: {
          wallTime: new Date(WALL_CLOCK.nowMs()).toISOString(),
          source: o.source.location,
          start: iso(firstMonday),
          weeks,
          recipe: hashOf(o.recipe),
          policy: o.policy.hash,
        },
      }),
    );
    await copyStandards(o.source, setup, o.recipe.endpoint);
    const history = rows.dated.filter((r) => Date.parse(r.reportedAt) < firstMonday);
    await ingestChunk((actor) => as(actor, at(0, 6, 2)), history, 'history', dirs, pool);
    const v1Recipe: Recipe = { ...o.recipe, dataset: { window: { ...o.recipe.dataset.window, reportedBy: iso(at(0, 6, 0)).slice(0, 10) } } };
    writeFileSync(
      join(dirs.recipes, `${model}-v1.yaml`),
      `# model v1 of the backtest, trained on what was reported before ${iso(firstMonday).slice(0, 10)}\n${stringify(recipeDocument(v1Recipe))}`,
    );
    progress(0, 'setup', `training ${model}@1 on ${history.length} measurements reported before ${iso(firstMonday).slice(0, 10)}`);
    const v1 = await buildModel(as(BACKTEST_ACTORS.builder, at(0, 6, 3)), v1Recipe);
    const gate = await currentGate(o.source.db, o.recipe.endpoint);
    await setGate(as(o.actor, at(0, 6, 4)), o.recipe.endpoint, gate ? gate.gate : { requireSplit: 'any', minTestSize: 1 });
    await promote(as(BACKTEST_ACTORS.reviewer, at(0, 6, 5)), { ref: v1.version.id, alias: 'champion', reason: 'backtest: model v1 reviewed' }).catch(
      (e: unknown) => {
        throw new RotguardError(
          'gate_failed',
          `model v1 of the backtest does not pass ${o.recipe.endpoint}'s release gate${gate ? '' : ''}: ${e instanceof Error ? e.message : String(e)}`,
        );
      },
    );

    const windows: BacktestWindow[] = [];
    const firstMeasured = new Map<string, number>();
    for (const r of rows.dated) {
      const t = Date.parse(r.measuredAt);
      const prev = firstMeasured.get(r.inchikey);
      if (prev === undefined || t < prev) firstMeasured.set(r.inchikey, t);
    }
    const smilesOf = new Map(rows.dated.map((r) => [r.inchikey, r.smiles]));
    for (let week = 1; week <= weeks; week++) {
      const monday = at(week, 0, 0);
      const window: BacktestWindow = {
        week,
        monday: iso(monday).slice(0, 10),
        servedBy: null,
        predicted: 0,
        labelsArrived: 0,
        action: null,
        triggered: [],
        retrainDeferred: false,
        hindsightMae: null,
        hindsightMaeRatio: null,
        labelledInHindsight: 0,
        retrained: null,
        promoted: null,
        froze: false,
      };
      // Monday: the compounds first measured this week are predicted before any of their labels exist.
      const made = [...firstMeasured]
        .filter(([, t]) => t >= monday && t < monday + WEEK)
        .map(([key]) => key)
        .sort();
      if (made.length) {
        progress(week, 'predict');
        const input = join(dirs.predictions, `week-${pad(week)}-compounds.csv`);
        writeFileSync(input, ['id,smiles', ...made.map((k) => [k, smilesOf.get(k)!].map(csvField).join(','))].join('\n') + '\n');
        const served = await predict(as(BACKTEST_ACTORS.chemist, monday), {
          modelRef: `${model}@champion`,
          input,
          out: join(dirs.predictions, `week-${pad(week)}-predictions.csv`),
          pool,
        });
        window.servedBy = served.model;
        window.predicted = served.predicted;
      }
      // Sunday evening: the labels reported this week arrive.
      progress(week, 'ingest');
      const arrived = rows.dated.filter((r) => {
        const t = Date.parse(r.reportedAt);
        return t >= monday && t < monday + WEEK;
      });
      window.labelsArrived = (await ingestChunk((actor) => as(actor, at(week, 6, 18)), arrived, `w${pad(week)}`, dirs, pool)).accepted;
      // Sunday night: monitoring, the decision, and acting on it (a frozen model is monitored and decided on, not acted on again).
      const predictedYet = await store.db.selectFrom('predictions').select('id').where('model_version', 'like', `${model}@%`).executeTakeFirst();
      if (predictedYet) {
        progress(week, 'decide');
        const monitorCtx = as(BACKTEST_ACTORS.monitor, at(week, 6, 20));
        const frozen = (await frozenState(store.db, model)).frozen;
        const recipeOut = join(dirs.recipes, `${model}-retrain-week-${pad(week)}.yaml`);
        const applied = frozen
          ? { decision: await decide(monitorCtx, { policy: o.policy }), recipe: null, frozen: false }
          : await applyPolicy(monitorCtx, { policy: o.policy, recipeOut });
        const d = applied.decision;
        window.action = d.action;
        window.triggered = d.triggered.map((t) => t.rule);
        window.retrainDeferred = d.retrainDeferred;
        window.froze = !frozen && d.action === 'freeze';
        if (window.froze) progress(week, 'decide', `frozen: ${d.reason.split('. ')[0]}`);
        if (applied.recipe) {
          progress(week, 'retrain', 'retraining on what was reported by now');
          const built = await buildModel(as(BACKTEST_ACTORS.builder, at(week, 6, 22)), applied.recipe);
          window.retrained = built.version.id;
          window.promoted = await promote(as(BACKTEST_ACTORS.reviewer, at(week, 6, 23)), {
            ref: built.version.id,
            alias: 'champion',
            reason: `retrain by policy (${d.policy}, window ${d.window.label})`,
          }).then(
            () => true,
            () => false,
          );
          progress(week, 'retrain', window.promoted ? `${built.version.id} promoted to champion` : `${built.version.id} refused by the release gate`);
        }
      }
      windows.push(window);
    }
    progress(weeks, 'hindsight');
    await scoreInHindsight(store, windows);
    const judgements = judge(windows, rows.protocolStarts, o.policy);
    const endsAt = iso(at(weeks, 6, 23) + 3_599_000);
    const firings = firingsOf(windows);
    const narrative = {
      headline: `Backtest of ${model} (${o.recipe.algorithm}) on ${o.recipe.endpoint}: ${weeks} weeks from ${iso(firstMonday).slice(0, 10)}, replayed ${new Date(WALL_CLOCK.nowMs()).toISOString().slice(0, 10)}`,
      lines: [
        `This workspace is a replay: every record is dated in simulated time; labels arrived on their reported dates.`,
        ...firings.map((f) => `${f.rule} (${f.action}) fired in week${f.weeks.length > 1 ? 's' : ''} ${f.weeks.join(', ')}.`),
        ...judgements.map((j) => `Week ${j.week} ${j.action}: ${j.verdict} in hindsight — ${j.why}`),
      ],
    };
    const report = await writeAuditReport(createContext(store, { actor: o.actor, clock: fixedClock(endsAt), workspace }), { outDir: o.dir, narrative });
    return {
      dir: o.dir,
      workspace,
      start: iso(firstMonday),
      end: endsAt,
      weeks: windows,
      firings,
      judgements,
      report,
      skipped: { noDates: rows.undated },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await pool.close();
    await store.close();
  }
}

/** The endpoint's measurements with both dates, as reported (raw value and unit), with each compound's structure. */
async function readHistory(source: Store, endpoint: string): Promise<{ dated: SourceRow[]; undated: number; protocolStarts: Map<string, number> }> {
  const all = await source.db
    .selectFrom('measurements as m')
    .innerJoin('compounds as c', 'c.inchikey', 'm.inchikey')
    .select([
      'm.inchikey',
      'c.smiles',
      'm.protocol_version',
      'm.team',
      'm.site',
      'm.batch',
      'm.raw_value',
      'm.raw_unit',
      'm.qualifier',
      'm.measured_at',
      'm.reported_at',
    ])
    .where('m.endpoint', '=', endpoint)
    .execute();
  if (!all.length) throw new RotguardError('unknown_endpoint', `the source workspace has no ${endpoint} measurements`, { field: 'endpoint' });
  const dated: SourceRow[] = [];
  const protocolStarts = new Map<string, number>();
  for (const r of all) {
    if (!r.measured_at || !r.reported_at) continue;
    dated.push({
      inchikey: r.inchikey,
      smiles: r.smiles,
      protocolVersion: r.protocol_version,
      team: r.team,
      site: r.site,
      batch: r.batch,
      rawValue: r.raw_value,
      rawUnit: r.raw_unit,
      qualifier: r.qualifier,
      measuredAt: r.measured_at,
      reportedAt: r.reported_at,
    });
    const t = Date.parse(r.measured_at);
    if (!(protocolStarts.get(r.protocol_version)! <= t)) protocolStarts.set(r.protocol_version, t);
  }
  // An order that depends on the history only, not on how the source happened to ingest it
  // (its measurement ids): the same history replays into byte-identical chunks.
  const key = (r: SourceRow) => [r.reportedAt, r.measuredAt, r.inchikey, r.protocolVersion, r.team, r.site, r.batch, r.qualifier, r.rawValue].join('\u0000');
  dated.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return { dated, undated: all.length - dated.length, protocolStarts };
}

/** The endpoint and every version of its protocols, as defined in the source (definitions are not labels: no look-ahead). */
async function copyStandards(source: Store, ctx: Context, endpoint: string): Promise<void> {
  const ep = endpointFromRow(await source.db.selectFrom('endpoints').selectAll().where('name', '=', endpoint).executeTakeFirstOrThrow());
  await addEndpoint(ctx, {
    name: ep.name,
    unit: ep.unit,
    transform: ep.transform,
    direction: ep.direction,
    validMin: ep.validMin,
    validMax: ep.validMax,
    description: ep.description,
  });
  const versions = (
    await source.db.selectFrom('protocol_versions').selectAll().where('endpoint', '=', endpoint).orderBy('protocol').orderBy('version').execute()
  ).map(protocolFromRow);
  for (const v of versions) {
    await addProtocol(ctx, { protocol: v.protocol, endpoint: v.endpoint, site: v.site, vendor: v.vendor, unit: v.unit, parameters: v.parameters });
  }
}

/** One CSV per protocol version and team (an ingest is one of each), as reported, ingested by the lab. */
async function ingestChunk(
  as: (actor: string) => Context,
  rows: SourceRow[],
  tag: string,
  dirs: { assays: string; quarantine: string },
  pool: ChemPool,
): Promise<{ accepted: number }> {
  const groups = new Map<string, SourceRow[]>();
  for (const r of rows) {
    const key = `${r.protocolVersion}|${r.team}|${r.rawUnit.startsWith('log10(') ? 'log10' : 'linear'}`;
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(r);
  }
  let accepted = 0;
  for (const [key, list] of [...groups.entries()].sort()) {
    const [protocolVersion, team, scale] = key.split('|') as [string, string, 'log10' | 'linear'];
    const file = join(dirs.assays, `${tag}-${protocolVersion.replace('@', '-v')}-${team}.csv`);
    writeFileSync(
      file,
      [
        'inchikey,smiles,value,qualifier,site,batch,measured_at,reported_at',
        ...list.map((r) => [r.inchikey, r.smiles, r.rawValue, r.qualifier, r.site, r.batch, r.measuredAt, r.reportedAt].map((v) => csvField(v)).join(',')),
      ].join('\n') + '\n',
    );
    const mapping = validateMapping({
      team,
      protocol: protocolVersion,
      value_scale: scale,
      columns: {
        id: 'inchikey',
        structure: 'smiles',
        value: 'value',
        qualifier: 'qualifier',
        site: 'site',
        batch: 'batch',
        measured_at: 'measured_at',
        reported_at: 'reported_at',
      },
    });
    accepted += (await ingest(as(BACKTEST_ACTORS.lab), { path: file, mapping, quarantineDir: dirs.quarantine, pool })).accepted;
  }
  return { accepted };
}

/** Each window's predictions against every label known at the end of the replay. */
async function scoreInHindsight(store: Store, windows: BacktestWindow[]): Promise<void> {
  const endpoint = await store.db
    .selectFrom('model_versions as v')
    .innerJoin('endpoints as e', 'e.name', 'v.endpoint')
    .select(['e.transform'])
    .executeTakeFirst();
  const transform = endpoint?.transform === 'log10' ? Math.log10 : (x: number) => x;
  const labels = new Map<string, number[]>();
  for (const m of await store.db.selectFrom('measurements').select(['inchikey', 'value']).where('qualifier', '=', '=').execute()) {
    (labels.get(m.inchikey) ?? labels.set(m.inchikey, []).get(m.inchikey)!).push(transform(m.value));
  }
  const validationMae = new Map<string, number | null>();
  for (const w of windows) {
    if (!w.servedBy) continue;
    const start = `${w.monday}T00:00:00.000Z`;
    const end = new Date(Date.parse(start) + WEEK).toISOString();
    const preds = await store.db
      .selectFrom('predictions')
      .select(['inchikey', 'value', 'model_version'])
      .where('requested_at', '>=', start)
      .where('requested_at', '<', end)
      .execute();
    let sum = 0;
    let n = 0;
    for (const p of preds) {
      const ys = labels.get(p.inchikey);
      if (!ys?.length) continue;
      sum += Math.abs(p.value - ys.reduce((a, b) => a + b, 0) / ys.length);
      n++;
    }
    w.labelledInHindsight = n;
    w.hindsightMae = n ? sum / n : null;
    if (!validationMae.has(w.servedBy)) validationMae.set(w.servedBy, await validationMaeOf(store, w.servedBy));
    const v = validationMae.get(w.servedBy);
    w.hindsightMaeRatio = w.hindsightMae !== null && v ? w.hindsightMae / v : null;
  }
}

async function validationMaeOf(store: Store, versionId: string): Promise<number | null> {
  const v = await store.db.selectFrom('model_versions').select('report_blob').where('id', '=', versionId).executeTakeFirst();
  if (!v?.report_blob) return null;
  const test = (await readValidationReport(store.blobs, v.report_blob)).test;
  return 'mae' in test && typeof test.mae === 'number' ? test.mae : null;
}

/** Mean hindsight MAE over up to n windows that have labels, from index `from` in direction `step`. */
function meanMae(windows: BacktestWindow[], from: number, step: 1 | -1, n: number, servedBy?: string): { mae: number; windows: number } | null {
  const picked: number[] = [];
  for (let i = from; i >= 0 && i < windows.length && picked.length < n; i += step) {
    const w = windows[i]!;
    if (w.hindsightMae !== null && (servedBy === undefined || w.servedBy === servedBy)) picked.push(w.hindsightMae);
  }
  return picked.length ? { mae: picked.reduce((a, b) => a + b, 0) / picked.length, windows: picked.length } : null;
}

/**
 * Was each decision right, once all labels were in?
 * - retrain: the new version's hindsight error over its first 4 labelled weeks is below the
 *   old champion's over the 4 labelled weeks before the decision;
 * - freeze: a protocol version of the endpoint started within the 8 weeks before the freeze
 *   (an assay step to protect the model from), and the freeze came after it;
 * - watch: the 4 labelled weeks after it erred more than 1.5× the serving version's validation error.
 */
function judge(windows: BacktestWindow[], protocolStarts: Map<string, number>, _policy: Policy): HindsightJudgement[] {
  const out: HindsightJudgement[] = [];
  windows.forEach((w, i) => {
    if (w.retrained) {
      if (!w.promoted)
        return void out.push({
          week: w.week,
          action: 'retrain',
          verdict: 'unknown',
          why: `${w.retrained} was refused by the release gate; the old champion served on`,
        });
      const before = meanMae(windows, i, -1, 4);
      const after = meanMae(windows, i + 1, 1, 4, w.retrained);
      if (!before || !after)
        return void out.push({ week: w.week, action: 'retrain', verdict: 'unknown', why: 'too few labelled weeks on one side of the retrain' });
      const better = after.mae < before.mae;
      out.push({
        week: w.week,
        action: 'retrain',
        verdict: better ? 'right' : 'wrong',
        why: `hindsight MAE ${before.mae.toFixed(3)} over ${before.windows} weeks before, ${after.mae.toFixed(3)} over ${after.windows} weeks after with ${w.retrained}`,
      });
    } else if (w.froze) {
      const t = Date.parse(`${w.monday}T00:00:00Z`) + WEEK;
      const steps = [...protocolStarts].filter(([, s]) => s <= t && s >= t - 8 * WEEK && [...protocolStarts.values()].some((o) => o < s)).map(([p]) => p);
      out.push(
        steps.length
          ? { week: w.week, action: 'freeze', verdict: 'right', why: `protocol ${steps.join(', ')} started in the 8 weeks before: a real assay change` }
          : { week: w.week, action: 'freeze', verdict: 'wrong', why: 'no protocol version started in the 8 weeks before the freeze' },
      );
    } else if (w.action === 'watch' && (i === 0 || windows[i - 1]!.action !== 'watch')) {
      const after = meanMae(windows, i, 1, 4);
      const ratios = windows
        .slice(i, i + 8)
        .map((x) => x.hindsightMaeRatio)
        .filter((x): x is number => x !== null)
        .slice(0, 4);
      if (!after || !ratios.length) return void out.push({ week: w.week, action: 'watch', verdict: 'unknown', why: 'no labelled weeks after it' });
      const ratio = ratios.reduce((a, b) => a + b, 0) / ratios.length;
      out.push({
        week: w.week,
        action: 'watch',
        verdict: ratio > 1.5 ? 'right' : 'wrong',
        why: `the next ${ratios.length} labelled weeks erred ${ratio.toFixed(2)}× the validation MAE (a watch is right above 1.5×)`,
      });
    }
  });
  return out;
}

function firingsOf(windows: BacktestWindow[]): BacktestResult['firings'] {
  const byRule = new Map<string, { action: string; weeks: number[] }>();
  windows.forEach((w, i) => {
    for (const rule of w.triggered) {
      const f = byRule.get(rule) ?? byRule.set(rule, { action: w.action ?? '', weeks: [] }).get(rule)!;
      // First week of each run of consecutive firings.
      if (!windows[i - 1]?.triggered.includes(rule)) f.weeks.push(w.week);
    }
  });
  return [...byRule].map(([rule, f]) => ({ rule, ...f }));
}

function mondayOf(t: number): number {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
}

function iso(t: number): string {
  return new Date(t).toISOString();
}

function pad(n: number): string {
  return String(n).padStart(3, '0');
}
