/**
 * bench/monitor-validity: does rotguard's default policy (src/demo/policy.ts, untouched)
 * hold on real data? On each Biogen ADME endpoint (../shared/data/biogen-adme), over
 * several seeds, it replays windows of compounds through the same functions monitoring
 * uses (signal baseline from the build, calibrated window signals, Mondrian intervals,
 * decide) and reports:
 *
 *  - stable: 20 windows of random held-out in-distribution compounds → false alarms
 *    (any decision other than continue) per 20 stable windows;
 *  - new chemistry: held-out scaffold clusters (chemical regions removed, with every
 *    analogue above Tanimoto 0.35, before the model was built); from window N a third of
 *    every window comes from the largest region (a new series) → detection latency;
 *  - assay offset 0 / 0.3 / 0.5 / 1.0 under a new protocol version from window N: 60
 *    reference compounds measured under both versions (30 per window over two windows),
 *    each difference = offset + N(0, 0.7²) (inter-lab per-compound noise); later labels
 *    carry the offset → freeze latency, and whether the policy ever retrained;
 *  - interval coverage per applicability-domain band: 90 % Mondrian intervals on a
 *    scaffold-split test set (the build's validation) and on the replayed windows.
 *
 *   npm run bench:monitor-validity [-- --seeds 3 --trees 100 --window 40 --endpoints hlm_clint,...]
 *   (--first-seed 10 --seeds 10 runs seeds 10–19: a check on seeds a design change was not chosen on)
 *   (--policy my-policy.yaml replays the same windows under another policy file)
 *   (MV_DEBUG=1 prints every window's signals and decision on stderr)
 *
 * No per-data-set tuning: the policy text is DEMO_POLICY; every threshold in it is a
 * p-value or a ratio to the model's own validation.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Random } from '../../src/core/random.js';
import { descriptorDictionary } from '../../src/chem/descriptors.js';
import { featurizeBatch } from '../../src/chem/featurize-batch.js';
import { wordsFor } from '../../src/chem/fingerprint.js';
import { loadRDKit, rdkitVersion } from '../../src/chem/rdkit.js';
import { fingerprintSet, nearestNeighbours, tanimotoOneToMany } from '../../src/chem/similarity.js';
import { tanimotoGram } from '../../src/chem/tanimoto-gram.js';
import { DEMO_MODEL, DEMO_POLICY } from '../../src/demo/policy.js';
import type { WindowEvidence } from '../../src/monitor/evidence.js';
import {
  chemistryShift,
  heldOutSampleOf,
  novelCluster,
  newScaffoldPairsOfWindow,
  trainingNovelPairs,
  trainingPoolOf,
  type TrainingPool,
  type HeldOutSample,
  descriptorDriftTests,
  errorEstimate,
  pairedAssayShift,
  shareAgainstBaseline,
  subsample,
  windowRandom,
  DESCRIPTOR_REFERENCE_SIZE,
} from '../../src/monitor/calibrated-signals.js';
import { decide } from '../../src/policy/decide.js';
import { parsePolicy } from '../../src/policy/policy-file.js';
import { domainBands, intervalHalfWidth } from '../../src/serve/domain-interval.js';
import { interpolatedScore } from '../../src/stats/conformal-mondrian.js';
import { mean } from '../../src/stats/describe.js';
import { randomForestTrainer, type FeatureMatrix, type Prediction } from '../../src/training/trainers/index.js';
import { buildSignalBaseline } from '../../src/training/signal-baseline-inputs.js';
import { LOW_SIMILARITY, referenceFingerprints, type SignalBaseline } from '../../src/validate/signal-baseline.js';
import { validationReport, type ValidationReport } from '../../src/validate/report.js';
import { splitIndices, type SplitRule } from '../../src/validate/splits.js';
import { BIOGEN_ASSAYS, BIOGEN_FILE } from '../data/biogen.js';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '3' },
    // Seeds first-seed … first-seed + seeds − 1: a run on seeds the design never looked at.
    'first-seed': { type: 'string', default: '0' },
    trees: { type: 'string', default: '100' },
    window: { type: 'string', default: '40' },
    endpoints: { type: 'string', default: 'hlm_clint,rlm_clint,mdr1_er,solubility_ph68' },
    out: { type: 'string' },
    // Another policy file in place of the default one (to check a policy of your own on this bench).
    policy: { type: 'string' },
  },
});
const SEEDS = Number(args.seeds);
const FIRST_SEED = Number(args['first-seed']);
const TREES = Number(args.trees);
const W = Number(args.window);
const STABLE_WINDOWS = 20;
const CHANGE_AT = 6; // window of the new chemistry / the protocol change
const AFTER = 5; // windows replayed after it
const OFFSETS = [0, 0.3, 0.5, 1.0];
const REFERENCES = 60;
const INTERLAB_SD = 0.7;
const LABEL_DELAY = 2; // windows until a window's labels are known
const MOAT = 0.35; // no compound of the model's data is this similar to a held-out region: the region is new chemistry
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const dataPath = resolve(repo, '../shared/data', BIOGEN_FILE);
if (!existsSync(dataPath)) {
  console.error(`bench/monitor-validity: ${dataPath} not found (needs ../shared/data beside the repository)`);
  process.exit(1);
}
const policy = args.policy ? parsePolicy(readFileSync(args.policy, 'utf8'), args.policy) : parsePolicy(DEMO_POLICY, 'default-policy.yaml');
const started = performance.now();
const command = `npm run bench:monitor-validity -- --seeds ${SEEDS}${FIRST_SEED ? ` --first-seed ${FIRST_SEED}` : ''} --trees ${TREES} --window ${W} --endpoints ${args.endpoints}${args.policy ? ` --policy ${args.policy}` : ''}`;
const machine = `${cpus()[0]?.model ?? 'unknown'}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`;

// ---- data: one featurization of the whole file --------------------------------------------
await loadRDKit();
const recipe = { descriptors: 'rdkit-desc@1', morgan: { radius: 2, nBits: 2048 } };
const nd = descriptorDictionary(recipe.descriptors).descriptors.length;
const words = wordsFor(2048);
const lines = readFileSync(dataPath, 'utf8').split(/\r?\n/).filter(Boolean);
const header = parseCsvLine(lines[0]!);
const rows = lines.slice(1).map(parseCsvLine);
const smilesCol = header.indexOf('SMILES');
process.stderr.write(`featurizing ${rows.length} compounds…\n`);
const batch = featurizeBatch(
  rows.map((r, i) => ({ line: i + 2, structure: r[smilesCol]! })),
  recipe,
);
process.stderr.write(`  done in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);

interface Compound {
  row: number;
  scaffold: string;
  framework: string;
}
const compounds: Compound[] = [];
batch.molecules.forEach((m, i) => {
  if (m) compounds.push({ row: i, scaffold: m.scaffold, framework: m.framework || '(acyclic)' });
});

function matrixOf(idx: number[]): FeatureMatrix {
  const d = new Float64Array(idx.length * nd);
  const f = new Uint32Array(idx.length * words);
  idx.forEach((r, k) => {
    d.set(batch.descriptors.subarray(r * nd, (r + 1) * nd), k * nd);
    f.set(batch.fingerprints.subarray(r * words, (r + 1) * words), k * words);
  });
  return { rows: idx.length, descriptors: { data: d, columns: nd }, fingerprints: { data: f, words } };
}

// ---- per endpoint and seed ----------------------------------------------------------------
interface Outcome {
  endpoint: string;
  seed: number;
  window: number;
  n: number;
  newChemistryPool: number;
  moat: number;
  stableAlarms: number;
  stableWindows: number;
  stableTriggers: string[];
  newChemistryLatency: number | null;
  offsets: Array<{ offset: number; freezeLatency: number | null; retrained: boolean; preChangeAlarms: number }>;
  scaffoldCoverage: Array<{ band: string; n: number; covered: number; calibration?: { n: number; k: number; rank: number } }>;
  windowCoverage: Array<{ band: string; n: number; covered: number }>;
  errorEstimate: { stable: [number, number]; newChemistry: [number, number] };
  baseline: { unseen: number; low: number };
}
const outcomes: Outcome[] = [];
const endpoints = args.endpoints!.split(',');
for (const name of endpoints) {
  const assay = BIOGEN_ASSAYS.find((a) => a.endpoint.name === name);
  if (!assay) throw new Error(`unknown endpoint ${name}`);
  const col = header.indexOf(assay.column);
  const labelled = compounds.filter((c) => rows[c.row]![col] !== '' && Number.isFinite(Number(rows[c.row]![col])));
  const labelOf = (c: Compound) => Number(rows[c.row]![col]);
  for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
    const t0 = performance.now();
    outcomes.push(runEndpointSeed(name, labelled, labelOf, seed));
    process.stderr.write(`  ${name} seed ${seed}: ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  }
}

function runEndpointSeed(endpoint: string, all: Compound[], labelOf: (c: Compound) => number, seed: number): Outcome {
  const rng = new Random(1000 + seed);
  // New chemistry: whole chemical regions held out before the model is built. A region is
  // every compound within Tanimoto 0.3 of a random centre, with its scaffold's whole group;
  // compounds within MOAT of the region (its analogues) are left out of everything,
  // so the model has not seen the region's near neighbours either, as with a new series.
  const fpsAll = fingerprintSet(matrixOf(all.map((c) => c.row)).fingerprints!.data, words);
  const held = new Set<number>();
  const regions: number[][] = [];
  const byScaffold = new Map<string, number[]>();
  all.forEach((c, i) => (byScaffold.get(c.scaffold) ?? byScaffold.set(c.scaffold, []).get(c.scaffold)!).push(i));
  while (held.size < 0.1 * all.length) {
    const centre = rng.below(all.length);
    if (held.has(centre)) continue;
    const sims = tanimotoOneToMany(fpsAll.data.subarray(centre * words, (centre + 1) * words), fpsAll);
    const region = new Set<number>();
    sims.forEach((s, i) => {
      if (s >= 0.3) for (const j of byScaffold.get(all[i]!.scaffold)!) if (!held.has(j)) region.add(j);
    });
    for (const j of region) held.add(j);
    regions.push([...region]);
  }
  const heldFps = fingerprintSet(matrixOf([...held].map((i) => all[i]!.row)).fingerprints!.data, words);
  const toHeld = nearestNeighbours(fpsAll, heldFps, 1).similarities;
  const moat = new Set(all.map((_, i) => i).filter((i) => !held.has(i) && toHeld[i]! >= MOAT));
  // The new series that arrives: the largest held-out region (one chemical series, not a mix of regions).
  const newPool = regions.sort((a, b) => b.length - a.length)[0]!.map((i) => all[i]!);
  const rest = rng.shuffle(all.filter((_, i) => !held.has(i) && !moat.has(i)));
  const devCount = Math.floor(rest.length * 0.55);
  const dev = rest.slice(0, devCount);
  const stream = rest.slice(devCount);
  // Small endpoints (the plasma-protein-binding sets have under 200 compounds) get smaller
  // windows: at most half the stream (windows are independent draws, so they overlap), and
  // no more than the new series can fill a third of.
  const w = Math.min(W, Math.floor(stream.length / 2), 3 * newPool.length);

  // The monitored model: built as rotguard builds (random 80/10/10 split of its data), with its signal baseline.
  const model = buildModel(dev, labelOf, { method: 'random', seed, fractions: { train: 0.8, calibration: 0.1, test: 0.1 } }, seed);
  // The scaffold-split validation of the same recipe on all the endpoint's compounds: coverage per band.
  const scaffoldModel = buildModel(all, labelOf, { method: 'scaffold', seed, fractions: { train: 0.8, calibration: 0.1, test: 0.1 } }, seed);
  const band90 = scaffoldModel.report.conformalByBand!.find((c) => c.level === 0.9)!;
  const scaffoldCoverage = band90.bands.map((b) => ({
    band: `${b.from}-${b.to}`,
    n: b.testN,
    covered: Math.round((b.coverage ?? 0) * b.testN),
    calibration: { n: b.n, k: b.k, rank: b.rank ?? b.k },
  }));

  // k distinct compounds of the pool (windows are independent draws; a compound may recur in a later window).
  const draw = (pool: Compound[], k: number) => {
    const idx = Array.from({ length: pool.length }, (_, i) => i);
    for (let i = 0; i < k; i++) {
      const j = i + rng.below(pool.length - i);
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    return idx.slice(0, k).map((i) => pool[i]!);
  };
  const windowCoverage = new Map<string, { n: number; covered: number }>();
  const estimates = { stable: [0, 0] as [number, number], newChemistry: [0, 0] as [number, number] };

  const replay = (
    scenario: string,
    windows: Compound[][],
    o: { offsetFrom?: number; offset?: number; references?: number[][]; countCoverage?: 'stable' | 'newChemistry' },
  ) => {
    const history: WindowEvidence[] = [];
    const decisions: Array<{ action: string; triggered: string[] }> = [];
    const evidence: Array<{ abs: number[]; est: number }> = [];
    windows.forEach((cs, t) => {
      const shift = o.offsetFrom !== undefined && t >= o.offsetFrom ? (o.offset ?? 0) : 0;
      const e = windowEvidenceOf(
        model,
        cs,
        windows[t - 1] ?? [],
        t,
        labelOf,
        `${endpoint}/${seed}/${scenario}/w${t}`,
        shift,
        o.references ? o.references.slice(0, t + 1).flat() : [],
      );
      // Performance from the labels of window t - LABEL_DELAY (known by now).
      if (t >= LABEL_DELAY)
        e.performance = performanceOf(
          model,
          windows[t - LABEL_DELAY]!,
          labelOf,
          o.offsetFrom !== undefined && t - LABEL_DELAY >= o.offsetFrom ? (o.offset ?? 0) : 0,
        );
      history.push(e);
      if (process.env.MV_DEBUG)
        process.stderr.write(
          `    w${t} low ${e.input.lowSimilarityShare?.toFixed(2)} lowP ${e.input.lowSimilarityP?.toPrecision(2)} unseenP ${e.input.unseenScaffoldP?.toPrecision(2)} mmdP ${e.input.chemistryShiftP?.toPrecision(2)} cluster ${e.input.novelClusterCount}/${e.input.novelClusterBaseline?.toFixed(1)} p ${e.input.novelClusterP?.toPrecision(2)} scaffoldPairs ${e.input.newScaffoldPairs}/${e.input.newScaffoldPairsBaseline?.toFixed(1)} p ${e.input.newScaffoldPairsP?.toPrecision(2)} trainPairs ${e.input.trainingNovelPairs}/${e.input.trainingNovelPairsBaseline?.toFixed(1)} p ${e.input.trainingNovelPairsP?.toPrecision(2)} simMean ${e.input.meanNearestSimilarity?.toFixed(2)} desc ${e.input.driftedDescriptors} estMAE ${e.errorEstimate?.estimatedMae.toFixed(2)} refs ${e.assay.referencesCompared} shift ${e.assay.pairedShift?.toFixed(2)} p ${e.assay.shiftPValue?.toPrecision(2)} perf ${e.performance?.worstSeriesMaeRatio?.toFixed(2)} -> ${decide(policy, history.slice(-8)).action}\n`,
        );
      const d = decide(policy, history.slice(-8));
      decisions.push({ action: d.action, triggered: d.triggered.map((x) => x.rule) });
      evidence.push({ abs: [], est: e.errorEstimate?.estimatedMae ?? Number.NaN });
      if (o.countCoverage) {
        const p = model.predict(cs);
        cs.forEach((c, i) => {
          const band = bandLabel(model, p.sim[i]!);
          const row = windowCoverage.get(band) ?? windowCoverage.set(band, { n: 0, covered: 0 }).get(band)!;
          row.n++;
          if (Math.abs(labelOf(c) - p.value[i]!) <= p.half[i]!) row.covered++;
        });
        const target = o.countCoverage === 'newChemistry' && t < CHANGE_AT ? null : estimates[o.countCoverage];
        if (target) {
          target[0] += e.errorEstimate?.estimatedMae ?? 0;
          target[1] += mean(cs.map((c, i) => Math.abs(labelOf(c) - p.value[i]!)));
        }
      }
    });
    return decisions;
  };

  // Stable: 20 windows.
  const stable = replay(
    'stable',
    Array.from({ length: STABLE_WINDOWS }, () => draw(stream, w)),
    { countCoverage: 'stable' },
  );
  const alarms = stable.filter((d) => d.action !== 'continue');
  // New chemistry from window CHANGE_AT: a third of each window from the held-out regions.
  const ncWindows = Array.from({ length: CHANGE_AT + AFTER }, (_, t) =>
    t < CHANGE_AT ? draw(stream, w) : [...draw(newPool, Math.round(w / 3)), ...draw(stream, w - Math.round(w / 3))],
  );
  const nc = replay('new-chemistry', ncWindows, { countCoverage: 'newChemistry' });
  const ncFirst = nc.findIndex((d, t) => t >= CHANGE_AT && d.triggered.includes('new_chemistry'));
  // Assay offsets: references from the model's own development compounds, 30 per window over two windows.
  const offsets = OFFSETS.map((offset) => {
    const refs = draw(dev, REFERENCES);
    const shifts = refs.map(() => offset + INTERLAB_SD * gaussian(rng));
    const perWindow: number[][] = Array.from({ length: CHANGE_AT + AFTER }, (_, t) =>
      t === CHANGE_AT ? shifts.slice(0, 30) : t === CHANGE_AT + 1 ? shifts.slice(30) : [],
    );
    const ds = replay(
      `offset-${offset}`,
      Array.from({ length: CHANGE_AT + AFTER }, () => draw(stream, w)),
      { offsetFrom: CHANGE_AT, offset, references: perWindow },
    );
    const frozeAt = ds.findIndex((d) => d.action === 'freeze');
    const retrainedBeforeFreeze = ds.some((d, t) => d.action === 'retrain' && (frozeAt < 0 || t < frozeAt));
    return {
      offset,
      freezeLatency: frozeAt >= 0 ? frozeAt - CHANGE_AT : null,
      retrained: retrainedBeforeFreeze,
      preChangeAlarms: ds.slice(0, CHANGE_AT).filter((d) => d.action !== 'continue').length,
    };
  });
  return {
    endpoint,
    seed,
    window: w,
    n: all.length,
    newChemistryPool: newPool.length,
    moat: moat.size,
    stableAlarms: alarms.length,
    stableWindows: STABLE_WINDOWS,
    stableTriggers: alarms.flatMap((d) => d.triggered),
    newChemistryLatency: ncFirst >= 0 ? ncFirst - CHANGE_AT : null,
    offsets,
    scaffoldCoverage,
    windowCoverage: [...windowCoverage.entries()].map(([band, v]) => ({ band, ...v })).sort((a, b) => (a.band < b.band ? -1 : 1)),
    errorEstimate: estimates,
    baseline: { unseen: model.baseline.unseenScaffoldShare, low: model.baseline.lowSimilarityShare },
  };
}

interface BuiltModel {
  report: ValidationReport;
  baseline: SignalBaseline;
  predict: (cs: Compound[]) => { value: Float64Array; sigma: Float64Array; sim: Float64Array; seen: boolean[]; half: Float64Array; rows: number[] };
  trainSet: ReturnType<typeof fingerprintSet>;
  descriptorReference: Float64Array[];
  chemistryReference: Uint32Array;
  chemistryGram: Float64Array;
  heldOut: HeldOutSample | null;
  trainingPool: TrainingPool | null;
  testMae: number;
}

function buildModel(cs: Compound[], labelOf: (c: Compound) => number, split: SplitRule, seed: number): BuiltModel {
  const idx = splitIndices(
    cs.map((c) => ({ scaffold: c.scaffold, firstMeasured: null })),
    split,
  );
  const m = matrixOf(cs.map((c) => c.row));
  const labels = Float64Array.from(cs, labelOf);
  const take = (ix: number[]) => matrixOf(ix.map((i) => cs[i]!.row));
  const trained = randomForestTrainer.train(
    { ...take(idx.train), labels: Float64Array.from(idx.train, (i) => labels[i]!), task: 'regression' },
    { nEstimators: TREES },
    seed,
  );
  const trainSet = fingerprintSet(take(idx.train).fingerprints!.data, words);
  const nearest = (ix: number[]) => nearestNeighbours(fingerprintSet(take(ix).fingerprints!.data, words), trainSet, 1).similarities;
  const cal = trained.predict(take(idx.calibration));
  const test = trained.predict(take(idx.test));
  const calibrationNearest = nearest(idx.calibration);
  const testNearest = nearest(idx.test);
  const pick = (ix: number[]) => Float64Array.from(ix, (i) => labels[i]!);
  const report = validationReport({
    task: 'regression',
    split: { ...split, sizes: { train: idx.train.length, calibration: idx.calibration.length, test: idx.test.length } },
    calibration: { yTrue: pick(idx.calibration), yPred: cal.value, sigma: cal.uncertainty },
    test: { yTrue: pick(idx.test), yPred: test.value, sigma: test.uncertainty },
    testSeries: idx.test.map((i) => cs[i]!.framework),
    testProtocol: idx.test.map(() => 'v1'),
    testSite: idx.test.map(() => 'biogen'),
    testNearest,
    calibrationNearest,
  });
  const baseline = buildSignalBaseline({ matrix: m, labels, scaffolds: cs.map((c) => c.scaffold) }, idx, { cal, test, calibrationNearest, testNearest }, seed);
  const row90 = report.conformal!.find((c) => c.level === 0.9)!;
  const interval = { level: 0.9, q: row90.q, normalized: report.conformalNormalized, bands: domainBands(report, 0.9) };
  const trainScaffolds = new Set(idx.train.map((i) => cs[i]!.scaffold));
  const trainDesc = take(idx.train).descriptors!;
  const sampler = new Random(seed * 7 + 1);
  const descriptorReference = Array.from({ length: nd }, (_, d) =>
    subsample(
      Float64Array.from({ length: idx.train.length }, (_, r) => trainDesc.data[r * nd + d]!).filter(Number.isFinite),
      DESCRIPTOR_REFERENCE_SIZE,
      sampler,
    ),
  );
  const chemistryReference = referenceFingerprints(baseline);
  const scored = new Map<number, { value: number; sigma: number; sim: number; half: number }>();
  return {
    report,
    baseline,
    trainSet,
    descriptorReference,
    chemistryReference,
    chemistryGram: tanimotoGram(chemistryReference, words),
    heldOut: heldOutSampleOf(baseline),
    trainingPool: trainingPoolOf(take(idx.train).fingerprints!.data, words, baseline),
    testMae: (report.test as { mae: number }).mae,
    predict: (w) => {
      // A compound's prediction depends on it alone: each is computed once per model (a
      // window is read as itself, in the next window's horizon and for coverage).
      const missing = [...new Set(w.map((c) => c.row).filter((r) => !scored.has(r)))];
      if (missing.length) {
        const x = matrixOf(missing);
        const p: Prediction = trained.predict(x);
        const sim = nearestNeighbours(fingerprintSet(x.fingerprints!.data, words), trainSet, 1).similarities;
        missing.forEach((r, i) =>
          scored.set(r, { value: p.value[i]!, sigma: p.uncertainty[i]!, sim: sim[i]!, half: intervalHalfWidth(interval, p.uncertainty[i]!, sim[i]!) }),
        );
      }
      const at = w.map((c) => scored.get(c.row)!);
      return {
        value: Float64Array.from(at, (a) => a.value),
        sigma: Float64Array.from(at, (a) => a.sigma),
        sim: Float64Array.from(at, (a) => a.sim),
        seen: w.map((c) => trainScaffolds.has(c.scaffold)),
        half: Float64Array.from(at, (a) => a.half),
        rows: w.map((c) => c.row),
      };
    },
  };
}

function bandLabel(model: BuiltModel, s: number): string {
  const bands = model.report.conformalByBand!.find((c) => c.level === 0.9)!.bands;
  const b = bands.find((x, i) => s < x.to || i === bands.length - 1)!;
  return `${b.from}-${b.to}`;
}

function windowEvidenceOf(
  model: BuiltModel,
  cs: Compound[],
  before: Compound[],
  t: number,
  _labelOf: (c: Compound) => number,
  // Each test draws from its own stream, named by the window and the test: adding or changing
  // a test leaves every scenario's windows and references as they were (a fair comparison).
  streamLabel: string,
  _shift: number,
  refShifts: number[],
): WindowEvidence {
  const p = model.predict(cs);
  const b = model.baseline;
  const sims = [...p.sim];
  const low = shareAgainstBaseline(sims.filter((s) => s < LOW_SIMILARITY).length, sims.length, b.lowSimilarityShare, b.n);
  const unseen = shareAgainstBaseline(p.seen.filter((s) => !s).length, p.seen.length, b.unseenScaffoldShare, b.n);
  const x = matrixOf(cs.map((c) => c.row));
  const current = Array.from({ length: nd }, (_, d) =>
    Float64Array.from({ length: cs.length }, (_, r) => x.descriptors!.data[r * nd + d]!).filter(Number.isFinite),
  );
  const desc = descriptorDriftTests(model.descriptorReference, current, windowRandom(streamLabel, 'descriptors'));
  // The chemistry tests' two-window horizon, as monitoring does: this window and the one before, distinct compounds.
  const horizon = [...new Map([...before, ...cs].map((c) => [c.row, c])).values()];
  const hp = model.predict(horizon);
  const hx = matrixOf(horizon.map((c) => c.row));
  const chem = chemistryShift(model.chemistryReference, hx.fingerprints!.data, words, windowRandom(streamLabel, 'chemistry'), model.chemistryGram);
  const cluster = model.heldOut ? novelCluster(model.heldOut, hx.fingerprints!.data, hp.sim, windowRandom(streamLabel, 'novel-cluster')) : null;
  const trainingPairs = model.trainingPool
    ? trainingNovelPairs(model.trainingPool, hx.fingerprints!.data, windowRandom(streamLabel, 'training-novel-pairs'))
    : null;
  const scaffoldPairs = model.heldOut
    ? newScaffoldPairsOfWindow(
        model.heldOut,
        horizon.map((c, i) => ({ scaffold: hp.seen[i] || !c.scaffold ? null : c.scaffold, nearest: hp.sim[i]! })),
        windowRandom(streamLabel, 'new-scaffold-pairs'),
      )
    : null;
  const est = errorEstimate(b.lossModel!, [...p.sigma], sims, model.testMae, []);
  const assay = pairedAssayShift(refShifts);
  return {
    model: `${DEMO_MODEL}@1`,
    window: { label: `w${t}`, start: new Date(Date.UTC(2025, 0, 6 + 7 * t)).toISOString(), end: new Date(Date.UTC(2025, 0, 12 + 7 * t)).toISOString() },
    predictions: cs.length,
    input: {
      descriptors: [],
      maxPsi: null,
      unseenScaffoldShare: unseen!.share,
      meanNearestSimilarity: mean(sims),
      lowSimilarityShare: low!.share,
      unseenScaffoldBaseline: b.unseenScaffoldShare,
      unseenScaffoldExcess: unseen!.excess,
      unseenScaffoldP: unseen!.pValue,
      lowSimilarityBaseline: b.lowSimilarityShare,
      lowSimilarityExcess: low!.excess,
      lowSimilarityP: low!.pValue,
      nearestSimilarityBaseline: b.nearestSimilarity.mean,
      nearestSimilarityShift: mean([...hp.sim]) - b.nearestSimilarity.mean,
      chemistryMmd: chem?.mmd2 ?? null,
      chemistryShiftP: chem?.pValue ?? null,
      novelClusterCount: cluster?.count ?? null,
      novelClusterBaseline: cluster?.nullMean ?? null,
      novelClusterExcess: cluster ? cluster.count - cluster.nullMean : null,
      novelClusterP: cluster?.pValue ?? null,
      newScaffoldPairs: scaffoldPairs?.count ?? null,
      newScaffoldPairsBaseline: scaffoldPairs?.nullMean ?? null,
      newScaffoldPairsP: scaffoldPairs?.pValue ?? null,
      trainingNovelPairs: trainingPairs?.count ?? null,
      trainingNovelPairsBaseline: trainingPairs?.nullMean ?? null,
      trainingNovelPairsP: trainingPairs?.pValue ?? null,
      driftedDescriptors: desc.drifted,
      minDescriptorQ: desc.minQ,
    },
    output: {
      meanPrediction: mean(p.value),
      predictionShiftSd: null,
      meanIntervalWidth: mean(Array.from(p.half, (h) => 2 * h)),
      widthRatio: null,
      predictionShiftZ: (mean(p.value) - b.prediction.mean) / (b.prediction.sd / Math.sqrt(cs.length)),
    },
    errorEstimate: est,
    labels: {
      labelled: 0,
      labelledShare: 0,
      oldestUnlabelledDays: null,
      newLabels: cs.length * Math.max(0, t - LABEL_DELAY),
      newLabelsOnNewChemistry: 0,
      labelAgeSpreadDays: 7 * Math.max(0, t - LABEL_DELAY),
      protocolVersions: refShifts.length ? ['v1', 'v2'] : ['v1'],
    },
    performance: null,
    assay: { references: [], medianReferenceShift: null, ...assay },
    proxy: { confidenceMovingChemistryStable: false, chemistryMovingConfidenceFlat: false },
  };
}

function performanceOf(model: BuiltModel, cs: Compound[], labelOf: (c: Compound) => number, offset: number): WindowEvidence['performance'] {
  const p = model.predict(cs);
  const err = cs.map((c, i) => Math.abs(labelOf(c) + offset - p.value[i]!));
  const m = mean(err);
  const bySeries = new Map<string, number[]>();
  cs.forEach((c, i) => (bySeries.get(c.framework) ?? bySeries.set(c.framework, []).get(c.framework)!).push(err[i]!));
  const worst = Math.max(0, ...[...bySeries.values()].filter((e) => e.length >= 5).map((e) => mean(e) / model.testMae));
  return {
    n: cs.length,
    mae: m,
    rmse: Math.sqrt(mean(err.map((e) => e * e))),
    spearman: null,
    coverage: null,
    baselineMae: model.testMae,
    maeRatio: m / model.testMae,
    worstSeriesMaeRatio: worst || null,
  };
}

/**
 * The 95 % range of a pooled band coverage if the intervals were exactly calibrated: given
 * its calibration set, a split-conformal interval at the k-th score covers F(q), distributed
 * as the k-th of n uniform order statistics, Beta(k, n + 1 − k) (Vovk 2012; Angelopoulos &
 * Bates 2021, §3.2); the band intervals interpolate at rank r between the (k − 1)-th and
 * k-th, so F(q) is taken at r between those uniform order statistics (exact when F is linear
 * between the two scores); the test compounds then cover binomially. Simulated per seed and
 * pooled, as measured.
 */
function expectedSpread(parts: Array<{ n: number; calibration?: { n: number; k: number; rank: number } }>): [number, number] | null {
  if (!parts.length || parts.some((p) => !p.calibration || p.calibration.k > p.calibration.n)) return null;
  const rng = new Random(4242);
  const total = parts.reduce((a, p) => a + p.n, 0);
  if (!total) return null;
  const reps = 4000;
  const pooled = new Float64Array(reps);
  for (let r = 0; r < reps; r++) {
    let covered = 0;
    for (const p of parts) {
      const u = Float64Array.from({ length: p.calibration!.n }, () => rng.uniform()).sort();
      const cov = interpolatedScore(u, p.calibration!.k, p.calibration!.rank);
      for (let i = 0; i < p.n; i++) if (rng.uniform() < cov) covered++;
    }
    pooled[r] = covered / total;
  }
  pooled.sort();
  return [pooled[Math.floor(0.025 * reps)]!, pooled[Math.floor(0.975 * reps)]!];
}

function gaussian(rng: Random): number {
  return Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());
}

function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

// ---- report ---------------------------------------------------------------------------
const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)} %` : '-');
const out: string[] = [];
out.push(`bench/monitor-validity — ${command}`);
out.push(`machine: ${machine}, RDKit ${rdkitVersion()}`);
out.push(
  `data:    ${dataPath}; ${SEEDS} seeds${FIRST_SEED ? ` (${FIRST_SEED}–${FIRST_SEED + SEEDS - 1})` : ''}; windows of ${W} compounds (fewer where an endpoint is small: column win); random forest ${TREES} trees; ${args.policy ? `policy ${args.policy}` : 'default policy (src/demo/policy.ts) untouched'}; total ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
out.push('');
out.push(
  'endpoint          seed  n     win  held/moat  baseline unseen/low  stable alarms  triggers                new-chem latency  offset→freeze latency (retrained?)',
);
for (const o of outcomes) {
  out.push(
    `${o.endpoint.padEnd(18)}${String(o.seed).padEnd(6)}${String(o.n).padEnd(6)}${String(o.window).padEnd(5)}${`${o.newChemistryPool}/${o.moat}`.padEnd(11)}${(o.baseline.unseen.toFixed(2) + ' / ' + o.baseline.low.toFixed(2)).padEnd(21)}${`${o.stableAlarms}/${o.stableWindows}`.padEnd(15)}${(o.stableTriggers.join(',') || '-').padEnd(24)}${(o.newChemistryLatency === null ? 'missed' : String(o.newChemistryLatency)).padEnd(18)}${o.offsets.map((x) => `${x.offset}:${x.freezeLatency === null ? 'none' : x.freezeLatency}${x.retrained ? ' RETRAIN' : ''}`).join('  ')}`,
  );
}
out.push('');
out.push(
  'Per endpoint (all seeds): false-alarm rate per stable window; new chemistry flagged within 2 windows (latency ≤ 1); freeze within 2 windows of the first references.',
);
for (const e of endpoints) {
  const os = outcomes.filter((o) => o.endpoint === e);
  const fa = os.reduce((a, o) => a + o.stableAlarms, 0);
  const sw = os.reduce((a, o) => a + o.stableWindows, 0);
  const nc = os.filter((o) => o.newChemistryLatency !== null && o.newChemistryLatency <= 1).length;
  const offs = OFFSETS.map((off) => {
    const xs = os.map((o) => o.offsets.find((x) => x.offset === off)!);
    const within2 = xs.filter((x) => x.freezeLatency !== null && x.freezeLatency <= 1).length;
    const froze = xs.filter((x) => x.freezeLatency !== null).length;
    return `${off}: froze ${froze}/${xs.length}, within 2 ${within2}/${xs.length}, retrained ${xs.filter((x) => x.retrained).length}`;
  });
  out.push(
    `  ${e.padEnd(16)} false alarms ${fa}/${sw} (${pct(fa, sw)}, max ${Math.max(...os.map((o) => o.stableAlarms))} of ${STABLE_WINDOWS} in one run); new chemistry within 2 windows ${nc}/${os.length}; ${offs.join('; ')}`,
  );
}
out.push('');
out.push('90 % Mondrian interval coverage per applicability-domain band (nearest training Tanimoto; sparse bands merged), pooled over seeds:');
for (const e of endpoints) {
  const os = outcomes.filter((o) => o.endpoint === e);
  const pool = (key: 'scaffoldCoverage' | 'windowCoverage') => {
    const m = new Map<string, { n: number; covered: number }>();
    for (const o of os)
      for (const r of o[key]) {
        const x = m.get(r.band) ?? m.set(r.band, { n: 0, covered: 0 }).get(r.band)!;
        x.n += r.n;
        x.covered += r.covered;
      }
    return [...m.entries()]
      .sort((a, b) => (a[0] < b[0] ? -1 : 1))
      .map(([band, v]) => {
        const spread = key === 'scaffoldCoverage' ? expectedSpread(os.flatMap((o) => o.scaffoldCoverage.filter((r) => r.band === band))) : null;
        return `${band}: ${pct(v.covered, v.n)} (n ${v.n}${spread ? `; exact-calibration 95 % range ${(100 * spread[0]).toFixed(1)}–${(100 * spread[1]).toFixed(1)}` : ''})`;
      })
      .join('  ');
  };
  out.push(`  ${e.padEnd(16)} scaffold-split test: ${pool('scaffoldCoverage')}`);
  out.push(`  ${''.padEnd(16)} replayed windows:    ${pool('windowCoverage')}`);
}
out.push('');
out.push('Direct loss estimation: mean estimated vs realised MAE per window (before labels / once labels come), pooled:');
for (const e of endpoints) {
  const os = outcomes.filter((o) => o.endpoint === e);
  const sum = (k: 'stable' | 'newChemistry'): [number, number] =>
    os.reduce<[number, number]>((a, o) => [a[0] + o.errorEstimate[k][0], a[1] + o.errorEstimate[k][1]], [0, 0]);
  const s = sum('stable');
  const n = sum('newChemistry');
  out.push(
    `  ${e.padEnd(16)} stable windows: estimated ${(s[0] / (STABLE_WINDOWS * os.length)).toFixed(3)} vs realised ${(s[1] / (STABLE_WINDOWS * os.length)).toFixed(3)};  new-chemistry windows: estimated ${(n[0] / (AFTER * os.length)).toFixed(3)} vs realised ${(n[1] / (AFTER * os.length)).toFixed(3)}`,
  );
}
const text = out.join('\n');
console.log(text);
if (args.out) writeFileSync(args.out, text + '\n');
