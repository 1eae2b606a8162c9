import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ChemPool } from '../chem/chem-pool.js';
import { validateRecipe, type Recipe } from '../training/recipe.js';
import { fixedClock, withClock } from '../core/clock.js';
import { csvField } from '../core/atomic-file.js';
import { RotguardError } from '../core/errors.js';
import { validateMapping } from '../data/mapping.js';
import type { Decision } from '../policy/decide.js';
import { parsePolicy, type Policy } from '../policy/policy-file.js';
import { recipeDocument } from '../policy/retrain-recipe.js';
import { frozenState } from '../registry/registry.js';
import { openStore } from '../store/store.js';
import { createContext, type Context } from '../usecases/context.js';
import { ingest } from '../usecases/data.js';
import { buildModel, promote } from '../usecases/models.js';
import { applyPolicy, decide } from '../usecases/policy.js';
import { predict } from '../usecases/predict.js';
import { addEndpoint, addProtocol, setGate } from '../usecases/standards.js';
import { DEMO_MODEL, DEMO_POLICY } from './policy.js';
import { compoundsToPredict, generateProgramme, type DemoMeasurement, type Programme } from './programme.js';
import type { Scenario } from './scenario.js';

/**
 * The demo's year, replayed week by week on a real workspace with the real layers:
 * ingest the labels each week reported, predict the week's new compounds with the
 * champion, monitor and decide by the policy agreed before week 1, and act as it says
 * (retrain → build, validate, gate, promote by a second person; freeze → stop promotions
 * and flag predictions). The clock is set to simulated time at every step, so every
 * record in the store is dated as if the year had happened.
 */
export const DEMO_ENDPOINT = 'solubility';

/** Who does what in the programme: separate people, so the four-eyes rules are real. */
export const ACTORS = {
  lead: 'platform-lead',
  builder: 'ml-engineer',
  reviewer: 'reviewer',
  chemist: 'med-chemist',
  monitor: 'rotguard-monitor',
  lab: { 'site-1': 'assay-lab', 'site-2': 'cro-lab' } as Record<string, string>,
};

export interface DemoOptions {
  scenario: Scenario;
  /** The demo folder: workspace in dir/.rotguard, assay files, predictions and the policy beside it. */
  dir: string;
  policyText?: string;
  /**
   * How builds are validated (70/15/15). Default random: the programme's compounds come
   * from about twenty scaffolds, so a scaffold split holds whole scaffold groups (a good
   * part of a series) out of training and the interval coverage swings from seed to seed;
   * a time split's test set after the new series arrives is mostly that series' newest
   * compounds, and every retrain fails the gate's MAE for weeks. Both are worth seeing
   * (--split scaffold|time): the gate then refuses retrains and the old champion serves on.
   */
  split?: 'time' | 'scaffold' | 'random';
  /** Random-forest trees per build. */
  trees?: number;
  /** Featurization workers per ingest/predict call. */
  workers?: number;
  onProgress?: (p: DemoProgress) => void;
}

export interface DemoProgress {
  week: number;
  weeks: number;
  stage: 'setup' | 'ingest' | 'predict' | 'decide' | 'retrain' | 'done';
  /** A notable event in plain words (a decision other than continue, a retrain, a freeze). */
  note?: string;
}

export interface WeekRecord {
  week: number;
  /** Monday of the week (YYYY-MM-DD). */
  monday: string;
  labelsIngested: number;
  /** Rows the ingest quarantined (the generator makes valid data: this should stay 0). */
  labelsRejected: number;
  predicted: number;
  servedBy: string;
  servedFrozen: boolean;
  newSeriesShare: number;
  decision: Pick<Decision, 'action' | 'retrainDeferred' | 'reason' | 'window' | 'model'> & {
    triggered: string[];
    maturityPassed: boolean | null;
    /** The largest MAE ratio (as the policy's retrain rules read it) over the windows they looked at. */
    recentMaeRatio: number | null;
    /** Key evidence of the decided (current) window, whatever the policy reads. */
    evidence: {
      unseenScaffoldShare: number | null;
      lowSimilarityShare: number | null;
      maxPsi: number | null;
      medianReferenceShift: number | null;
      confirmedShift: boolean;
      newLabels: number;
      newLabelsOnNewChemistry: number;
      /** The calibrated signals the default policy reads (null where not measurable). */
      chemistryShiftP: number | null;
      novelClusterP: number | null;
      newScaffoldPairsP: number | null;
      trainingNovelPairsP: number | null;
      lowSimilarityP: number | null;
      driftedDescriptors: number | null;
      pairedShift: number | null;
      shiftCiLow: number | null;
      shiftCiHigh: number | null;
      shiftPValue: number | null;
      referencesCompared: number;
    };
  };
  retrain: { version: string; promoted: boolean; refusal: string | null; trainedOn: number } | null;
  froze: boolean;
}

export interface DemoResult {
  dir: string;
  workspace: string;
  programme: Programme;
  policy: Policy;
  v1: { version: string; compounds: number; testMae: number | null; split: string };
  history: { accepted: number; rejected: number };
  weeks: WeekRecord[];
  /** The last moment of the simulated year (ISO): where an audit of it stands. */
  endsAt: string;
  seconds: number;
  /** Wall seconds per stage, summed over the year. */
  timings: Record<'setup' | 'predict' | 'ingest' | 'decide' | 'retrain', number>;
}

const DAY = 86_400_000;
const isoDate = (t: number) => new Date(t).toISOString().slice(0, 10);

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const started = performance.now();
  const s = o.scenario;
  const weeks = s.weeks;
  const timings: DemoResult['timings'] = { setup: 0, predict: 0, ingest: 0, decide: 0, retrain: 0 };
  let stageStarted = performance.now();
  let stageNow: keyof DemoResult['timings'] = 'setup';
  const progress = (week: number, stage: DemoProgress['stage'], note?: string) => {
    if (stage !== stageNow && stage !== 'done') {
      const t = performance.now();
      timings[stageNow] += (t - stageStarted) / 1000;
      stageStarted = t;
      stageNow = stage;
    } else if (stage === 'done') timings[stageNow] += (performance.now() - stageStarted) / 1000;
    o.onProgress?.({ week, weeks, stage, note });
  };
  mkdirSync(o.dir, { recursive: true });
  const workspace = join(o.dir, '.rotguard');
  const dirs = {
    assays: join(o.dir, 'assay-files'),
    predictions: join(o.dir, 'predictions'),
    quarantine: join(workspace, 'quarantine'),
    recipes: join(o.dir, 'recipes'),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  const policyText = o.policyText ?? DEMO_POLICY;
  writeFileSync(join(o.dir, 'policy.yaml'), policyText);
  const policy = parsePolicy(policyText, join(o.dir, 'policy.yaml'));

  progress(0, 'setup', 'generating the programme');
  const programme = await generateProgramme(s);
  const at = (week: number, day: number, hour: number) => programme.weekStart(week).getTime() + day * DAY + hour * 3_600_000;
  const store = await withClock(at(0, 6, 8), () => openStore({ workspace, migrate: true }));
  // Each step acts as one of the programme's people, at its moment of the simulated year.
  const as = (actor: string, t: number): Context => createContext(store, { actor, clock: fixedClock(t), workspace });
  const workers = o.workers ?? 1;
  const split = o.split ?? 'random';
  // One chemistry pool for the whole year: a hundred small ingests and fifty predictions would otherwise each start RDKit anew.
  const pool = await ChemPool.start(workers);
  try {
    // ---- Before week 1: shared standards, the history, model v1, its gate and its approval.
    const lead = as(ACTORS.lead, at(0, 6, 9));
    await addEndpoint(lead, {
      name: DEMO_ENDPOINT,
      unit: 'M',
      transform: 'log10',
      direction: 'higher_is_better',
      validMin: 1e-12,
      validMax: 10,
      description: 'Aqueous kinetic solubility, model label log10(mol/L) (logS)',
    });
    await addProtocol(lead, {
      protocol: 'sol-site1',
      endpoint: DEMO_ENDPOINT,
      site: 'site-1',
      vendor: 'in-house',
      unit: 'uM',
      parameters: { method: 'kinetic, nephelometry', pH: 7.4, dmsoPercent: 1, incubationHours: 2 },
    });
    await addProtocol(lead, {
      protocol: 'sol-site2',
      endpoint: DEMO_ENDPOINT,
      site: 'site-2',
      vendor: 'CRO',
      unit: 'uM',
      parameters: { method: 'kinetic, LC-UV', pH: 7.4, dmsoPercent: 2, incubationHours: 24 },
    });
    const history = programme.measurements.filter((m) => m.week <= 0);
    // The history's last reports arrive on the Sunday before week 1: ingest them that evening.
    const historyIngest = await ingestMeasurements((actor) => as(actor, at(0, 6, 18)), history, 'history', dirs, pool);
    const v1Recipe = validateRecipe({
      model: DEMO_MODEL,
      team: 'adme',
      endpoint: DEMO_ENDPOINT,
      dataset: { reported_by: isoDate(at(1, -1, 0)), aggregate: 'mean' },
      algorithm: 'random-forest',
      params: { nEstimators: o.trees ?? 60 },
      split: { method: split, seed: s.seed, train: 0.7, calibration: 0.15, test: 0.15 },
      seed: s.seed,
    });
    writeFileSync(
      join(dirs.recipes, `${DEMO_MODEL}-v1.yaml`),
      `# model v1 of the demo programme, trained on the history\n${stringify(recipeDocument(v1Recipe))}`,
    );
    const v1 = await buildModel(as(ACTORS.builder, at(0, 6, 20)), v1Recipe);
    await setGate(as(ACTORS.lead, at(0, 6, 21)), DEMO_ENDPOINT, {
      minTestSize: 30,
      requireSplit: split === 'random' ? 'any' : split,
      maxMae: 0.6,
      minSpearman: 0.5,
      coverage: { level: 0.9, min: 0.75 },
    });
    await promote(as(ACTORS.reviewer, at(0, 6, 22)), {
      ref: v1.version.id,
      alias: 'champion',
      reason: `validation reviewed: ${split} split, gate passed`,
    }).catch((e: unknown) => {
      throw new RotguardError(
        'demo_v1_refused',
        `model v1 did not pass the release gate in this scenario, so there is no champion to govern: ${e instanceof Error ? e.message : String(e)}. Try another --seed or more --history-weeks.`,
      );
    });
    progress(0, 'setup', `${v1.version.id} trained on ${v1.report.split.sizes.train} compounds and promoted to champion`);

    const records: WeekRecord[] = [];
    const newSeries = programme.series.find((x) => x.arrivesWeek !== null)?.name;
    let lastNote: string | null = null;
    for (let week = 1; week <= weeks; week++) {
      if (week === s.protocolChange.week) {
        // Monday: site 1 switches its solubility protocol (a new version, never an edit).
        await addProtocol(as(ACTORS.lead, at(week, 0, 8)), {
          protocol: 'sol-site1',
          endpoint: DEMO_ENDPOINT,
          site: 'site-1',
          vendor: 'in-house',
          unit: 'uM',
          parameters: { method: 'kinetic, nephelometry', pH: 7.4, dmsoPercent: 1, incubationHours: 2, plateReader: 'replaced', buffer: 'PBS lot change' },
        });
        progress(week, 'setup', 'site 1 moved to protocol sol-site1@2');
      }
      // Tuesday: chemists ask for predictions on the compounds made this week.
      progress(week, 'predict');
      const toPredict = compoundsToPredict(programme, week);
      const inFile = join(dirs.predictions, `week-${pad(week)}-compounds.csv`);
      writeFileSync(inFile, ['id,smiles,series', ...toPredict.map((c) => [c.id, c.smiles, c.series].map(csvField).join(','))].join('\n') + '\n');
      const served = await predict(as(ACTORS.chemist, at(week, 1, 10)), {
        modelRef: `${DEMO_MODEL}@champion`,
        input: inFile,
        out: join(dirs.predictions, `week-${pad(week)}-predictions.csv`),
        pool,
      });
      // Sunday: the labs' reports of the week arrive and are ingested.
      progress(week, 'ingest');
      const sunday = at(week, 6, 0);
      const reported = programme.measurements.filter((m) => m.reportedAt >= isoDate(at(week, 0, 0)) && m.reportedAt <= isoDate(sunday));
      const ingested = await ingestMeasurements((actor) => as(actor, at(week, 6, 18)), reported, `w${pad(week)}`, dirs, pool);
      // Sunday night: monitoring and the policy's decision; act on it.
      progress(week, 'decide');
      const frozen = (await frozenState(store.db, DEMO_MODEL)).frozen;
      const recipeOut = join(dirs.recipes, `${DEMO_MODEL}-retrain-week-${pad(week)}.yaml`);
      // A frozen model is still monitored and decided on (the record shows what the evidence said), but not acted on again.
      const monitorCtx = as(ACTORS.monitor, at(week, 6, 20));
      const applied = frozen ? { decision: await decide(monitorCtx, { policy }), recipe: null } : await applyPolicy(monitorCtx, { policy, recipeOut });
      const decision = applied.decision;
      const record: WeekRecord = {
        week,
        monday: isoDate(at(week, 0, 0)),
        labelsIngested: ingested.accepted,
        labelsRejected: ingested.rejected,
        predicted: served.predicted,
        servedBy: served.model,
        servedFrozen: served.modelFrozen,
        newSeriesShare: toPredict.length ? toPredict.filter((c) => c.series === newSeries).length / toPredict.length : 0,
        decision: summarizeDecision(decision),
        retrain: null,
        froze: !frozen && decision.action === 'freeze',
      };
      // Say what changed, not the same decision every week.
      const note = record.froze
        ? `frozen: ${decision.reason.split('. ')[0]}`
        : decision.action === 'continue' || frozen
          ? null
          : decision.reason.split('. ')[0]!;
      const noteKey = note ? `${note.split(':')[0]}:${decision.triggered.map((t) => t.rule).join()}` : null;
      if (note && noteKey !== lastNote) progress(week, 'decide', note);
      lastNote = noteKey;
      if (applied.recipe) {
        progress(week, 'retrain', 'retraining on the matured data');
        record.retrain = await retrain(as, decision, applied.recipe, week, at);
        progress(
          week,
          'retrain',
          record.retrain.promoted ? `${record.retrain.version} promoted to champion` : `${record.retrain.version} not promoted: ${record.retrain.refusal}`,
        );
      }
      records.push(record);
    }
    progress(weeks, 'done');
    return {
      dir: o.dir,
      workspace,
      programme,
      policy,
      history: historyIngest,
      v1: { split, version: v1.version.id, compounds: v1.report.split.sizes.train, testMae: (v1.report.test as { mae?: number }).mae ?? null },
      weeks: records,
      endsAt: new Date(at(weeks, 6, 23) + 3_599_000).toISOString(),
      seconds: (performance.now() - started) / 1000,
      timings,
    };
  } finally {
    await pool.close();
    await store.close();
  }
}

/** A retrain as the policy asked: the emitted recipe, built, validated, gated and promoted by a second person. */
async function retrain(
  as: (actor: string, t: number) => Context,
  decision: Decision,
  recipe: Recipe,
  week: number,
  at: (w: number, d: number, h: number) => number,
): Promise<NonNullable<WeekRecord['retrain']>> {
  // Governed like any build: the version exists because of the recorded retrain decision (logged).
  const result = await buildModel(as(ACTORS.builder, at(week, 6, 22)), recipe);
  try {
    await promote(as(ACTORS.reviewer, at(week, 6, 23)), {
      ref: result.version.id,
      alias: 'champion',
      reason: `retrain by policy (${decision.policy}, window ${decision.window.label}); validation reviewed`,
    });
    return { version: result.version.id, promoted: true, refusal: null, trainedOn: result.report.split.sizes.train };
  } catch (e) {
    return { version: result.version.id, promoted: false, refusal: e instanceof Error ? e.message : String(e), trainedOn: result.report.split.sizes.train };
  }
}

function summarizeDecision(d: Decision): WeekRecord['decision'] {
  const e = d.evidence;
  // The performance ratios the retrain rules read over their windows (e.g. the worst series' MAE ratio).
  const ratios = d.rules
    .filter((r) => r.action === 'retrain')
    .flatMap((r) =>
      r.windows.flatMap((w) =>
        Object.entries(w.values)
          .filter(([path, v]) => path.startsWith('performance.') && path.endsWith('MaeRatio') && typeof v === 'number')
          .map(([, v]) => v as number),
      ),
    );
  return {
    action: d.action,
    retrainDeferred: d.retrainDeferred,
    reason: d.reason,
    window: d.window,
    model: d.model,
    triggered: d.triggered.map((t) => t.rule),
    maturityPassed: d.maturity ? d.maturity.passed : null,
    recentMaeRatio: ratios.length ? Math.max(...ratios) : null,
    evidence: {
      unseenScaffoldShare: e.input.unseenScaffoldShare,
      lowSimilarityShare: e.input.lowSimilarityShare,
      maxPsi: e.input.maxPsi,
      medianReferenceShift: e.assay.medianReferenceShift,
      confirmedShift: e.assay.confirmedShift,
      newLabels: e.labels.newLabels,
      newLabelsOnNewChemistry: e.labels.newLabelsOnNewChemistry,
      chemistryShiftP: e.input.chemistryShiftP ?? null,
      novelClusterP: e.input.novelClusterP ?? null,
      newScaffoldPairsP: e.input.newScaffoldPairsP ?? null,
      trainingNovelPairsP: e.input.trainingNovelPairsP ?? null,
      lowSimilarityP: e.input.lowSimilarityP ?? null,
      driftedDescriptors: e.input.driftedDescriptors ?? null,
      pairedShift: e.assay.pairedShift ?? null,
      shiftCiLow: e.assay.shiftCiLow ?? null,
      shiftCiHigh: e.assay.shiftCiHigh ?? null,
      shiftPValue: e.assay.shiftPValue ?? null,
      referencesCompared: e.assay.referencesCompared ?? e.assay.references.length,
    },
  };
}

/** One CSV per protocol version (an ingest is one protocol version), ingested by the lab that ran it. */
async function ingestMeasurements(
  as: (actor: string) => Context,
  rows: DemoMeasurement[],
  tag: string,
  dirs: { assays: string; quarantine: string },
  pool: ChemPool,
): Promise<{ accepted: number; rejected: number }> {
  const total = { accepted: 0, rejected: 0 };
  const groups = new Map<string, DemoMeasurement[]>();
  for (const m of rows) {
    const key = `${m.protocol}@${m.protocolVersion}`;
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(m);
  }
  for (const [protocolVersion, list] of [...groups.entries()].sort()) {
    const site = list[0]!.site;
    const file = join(dirs.assays, `${tag}-${protocolVersion.replace('@', '-v')}.csv`);
    writeFileSync(
      file,
      [
        'compound_id,smiles,solubility_uM,site,batch,measured_at,reported_at',
        ...list.map((m) =>
          [m.compoundId, m.smiles, m.valueUM.toPrecision(6), m.site, m.batch, m.measuredAt, m.reportedAt].map((v) => csvField(String(v))).join(','),
        ),
      ].join('\n') + '\n',
    );
    const mapping = validateMapping({
      team: site === 'site-1' ? 'adme' : 'cro',
      protocol: protocolVersion,
      columns: {
        id: 'compound_id',
        structure: 'smiles',
        value: 'solubility_uM',
        site: 'site',
        batch: 'batch',
        measured_at: 'measured_at',
        reported_at: 'reported_at',
      },
    });
    const r = await ingest(as(ACTORS.lab[site] ?? 'lab'), { path: file, mapping, quarantineDir: dirs.quarantine, pool });
    total.accepted += r.accepted;
    total.rejected += r.rejected;
  }
  return total;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
