/**
 * bench/admet --fixed-splits: every built-in learner on the Biogen fixed train/test splits
 * (../shared/data/biogen-adme/fixed-splits, the files the paper's models used), Pearson r
 * and MAE on the test files beside the published table.
 *
 *   npm run bench:admet -- --fixed-splits [--endpoints HLM,RLM] [--summary]
 *
 * Per-endpoint results go to bench/admet/fixed-splits/<endpoint>.result.json (and the
 * chosen recipe beside it); --summary prints the table from those files without training.
 *
 * Procedure (no test file is read until every choice is made):
 *  1. featurize train and test SMILES: standardize, rdkit-desc@2, Morgan r2 2048 bits;
 *  2. gradient-boosting: hyperparameters from a small fixed grid by 3-fold CV on the train
 *     file (src/training/tuning.ts: highest pooled out-of-fold Pearson r); tanimoto-gp: noise
 *     and length scale by marginal likelihood on the train file, then cross-validated at those
 *     values; ridge, random-forest and tanimoto-knn are baselines with their defaults (no CV:
 *     the CPU budget of 2 shared cores), never chosen;
 *  3. the ensemble of the tuned GBT and GP is scored, for each weight of a fixed grid, by the
 *     weighted mean of its members' out-of-fold predictions (exactly what the ensemble
 *     trainer would predict on those folds), and its weight chosen like a hyperparameter;
 *  4. "rotguard" for an endpoint is the learner with the best CV r: chosen on train only;
 *  5. each learner is refitted on the whole train file with its chosen parameters and
 *     scored once on the test file. The chosen recipes, with every candidate's CV score,
 *     are written to bench/admet/fixed-splits/<endpoint>.recipe.yaml.
 * Labels are the files' activity column as is (already log10, as the paper's tables).
 * The last line is `fixed_splits_vs_published matched=M beat=B of 6` for the CV-chosen
 * learner (matched: r ≥ published best − 0.01; beat: r > published best).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import { featurizeBatch } from '../../src/chem/featurize-batch.js';
import { loadRDKit, rdkitVersion } from '../../src/chem/rdkit.js';
import { mae, pearson } from '../../src/stats/metrics-regression.js';
import { TRAINERS, type FeatureMatrix, type TrainingData } from '../../src/training/trainers/index.js';
import { take } from '../../src/training/feature-rows.js';
import { validateRecipe } from '../../src/training/recipe.js';
import { foldAssignment, outOfFold, scoreCandidate, chooseCandidate, type CandidateScore } from '../../src/training/tuning.js';
import type { TanimotoGpModel } from '../../src/training/trainers/tanimoto-gp.js';

/** Published Pearson r on the test files (fixed-splits README, from ADME_public_results.xlsx). */
const PUBLISHED: Record<string, Record<string, number | null>> = {
  SVM: { HLM: 0.654, RLM: 0.698, MDR1_ER: 0.781, Sol: 0.599, hPPB: 0.77, rPPB: 0.69 },
  'SVM(opt)': { HLM: 0.669, RLM: 0.71, MDR1_ER: 0.786, Sol: 0.59, hPPB: 0.795, rPPB: 0.744 },
  'RF(opt)': { HLM: 0.616, RLM: 0.66, MDR1_ER: 0.728, Sol: 0.576, hPPB: 0.758, rPPB: 0.671 },
  'XGBoost(opt)': { HLM: 0.638, RLM: 0.671, MDR1_ER: 0.753, Sol: 0.542, hPPB: 0.771, rPPB: 0.722 },
  LightGBM: { HLM: 0.657, RLM: 0.702, MDR1_ER: 0.751, Sol: 0.595, hPPB: 0.787, rPPB: 0.722 },
  'LightGBM(opt)': { HLM: 0.674, RLM: 0.685, MDR1_ER: 0.761, Sol: 0.565, hPPB: 0.799, rPPB: 0.73 },
  'Lasso(opt)': { HLM: 0.567, RLM: 0.671, MDR1_ER: 0.754, Sol: 0.538, hPPB: 0.789, rPPB: 0.691 },
  MPNN2: { HLM: 0.673, RLM: 0.726, MDR1_ER: 0.742, Sol: 0.605, hPPB: 0.769, rPPB: 0.74 },
};
const PUBLISHED_BEST: Record<string, number> = { HLM: 0.674, RLM: 0.726, MDR1_ER: 0.786, Sol: 0.63, hPPB: 0.799, rPPB: 0.744 };
export const FIXED_SPLIT_ENDPOINTS = ['HLM', 'RLM', 'MDR1_ER', 'Sol', 'hPPB', 'rPPB'];
const ENDPOINTS = FIXED_SPLIT_ENDPOINTS;

/** Baselines: trained once with their defaults on the train file, scored on test, never chosen. */
const BASELINES: Record<string, Record<string, unknown>> = {
  ridge: { alpha: 1 },
  'random-forest': { nEstimators: 100 },
  'tanimoto-knn': { k: 5 },
};

/** Candidate grids of the tuned learners: small on purpose (2 shared cores); every candidate is cross-validated. */
const GRIDS: Record<string, Array<Record<string, unknown>>> = {
  // One member each (no uncertainty needed here), to fit the CPU budget.
  'gradient-boosting': [
    { iterations: 300, learningRate: 0.05, maxLeafNodes: 31, minSamplesLeaf: 10, featureFraction: 0.3, subsample: 0.8, members: 1, l2: 1 },
    { iterations: 300, learningRate: 0.05, maxLeafNodes: 15, minSamplesLeaf: 20, featureFraction: 0.3, subsample: 0.8, members: 1, l2: 1 },
  ],
  // The descriptor kernel's share on an even a-priori grid, fingerprints-only (0) included:
  // CV on train picks it, so no kernel is fixed with sight of any test file.
  'tanimoto-gp': [0, 0.25, 0.5, 0.75].map((descriptorWeight) => ({ noise: 'ml', lengthScale: 'ml', descriptorWeight })),
};
/** Which feature blocks each learner is given. */
const BLOCKS: Record<string, 'descriptors' | 'fingerprints' | 'both'> = {
  ridge: 'descriptors',
  'random-forest': 'both',
  'tanimoto-knn': 'fingerprints',
  'gradient-boosting': 'both',
  'tanimoto-gp': 'both',
};
/** Ensembles of the tuned learners; their weights are a grid scored by CV like any hyperparameter. */
const ENSEMBLES: Array<{ name: string; members: string[]; weights: number[][] }> = [
  {
    name: 'ensemble(gbt+gp)',
    members: ['gradient-boosting', 'tanimoto-gp'],
    // Either member alone (weights 1/0) is on the grid: the ensemble must earn its place in CV.
    weights: [
      [1, 0],
      [0.75, 0.25],
      [0.5, 0.5],
      [0.25, 0.75],
      [0, 1],
    ],
  },
];

export interface FixedSplitOptions {
  folds: number;
  seed: number;
  endpoints: string[];
  outDir: string;
}

/** The split files are plain `smiles,activity` CSV (no quoting: SMILES hold no commas). */
function readDelimitedFile(path: string): Array<Record<string, string>> {
  const [header, ...rows] = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const names = header!.split(',');
  return rows.map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i]!, v])));
}

function blocks(m: FeatureMatrix, which: 'descriptors' | 'fingerprints' | 'both'): FeatureMatrix {
  return {
    rows: m.rows,
    ...(which !== 'fingerprints' ? { descriptors: m.descriptors } : {}),
    ...(which !== 'descriptors' ? { fingerprints: m.fingerprints } : {}),
  };
}

async function featurizeFile(path: string): Promise<{ x: FeatureMatrix; y: Float64Array; rejected: number }> {
  const rows = readDelimitedFile(path);
  const recipe = { descriptors: 'rdkit-desc@2', morgan: { radius: 2, nBits: 2048 } };
  const result = featurizeBatch(
    rows.map((r, i) => ({ line: i + 2, structure: r.smiles! })),
    recipe,
    path,
  );
  const keep = result.molecules.flatMap((m, i) => (m ? [i] : []));
  const nd = result.descriptors.length / rows.length;
  const all: FeatureMatrix = {
    rows: rows.length,
    descriptors: { data: result.descriptors, columns: nd },
    fingerprints: { data: result.fingerprints, words: 64 },
  };
  return { x: take(all, keep), y: Float64Array.from(keep, (i) => Number(rows[i]!.activity)), rejected: rows.length - keep.length };
}

interface LearnerResult {
  learner: string;
  cv: CandidateScore;
  candidates: CandidateScore[];
  testR: number;
  testMae: number;
  seconds: number;
  prediction: Float64Array;
  oof: Float64Array;
}

export async function runFixedSplits(dataDir: string, options: FixedSplitOptions): Promise<string[]> {
  await loadRDKit();
  const lines: string[] = [];
  const say = (s: string) => {
    lines.push(s);
    console.log(s);
  };
  const started = performance.now();
  say(
    `bench/admet --fixed-splits — npm run bench:admet -- --fixed-splits --endpoints ${options.endpoints.join(',')} (folds ${options.folds}, seed ${options.seed})`,
  );
  say(
    `machine: ${cpus()[0]?.model ?? 'unknown'}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, RDKit ${rdkitVersion()}`,
  );
  say(
    `data:    ${dataDir}; features rdkit-desc@2 + Morgan r2 2048 bits; ${options.folds}-fold CV on the train file picks every hyperparameter and the reported learner; seed ${options.seed}`,
  );
  mkdirSync(options.outDir, { recursive: true });
  for (const ep of options.endpoints) {
    const t0 = performance.now();
    const train = await featurizeFile(join(dataDir, `ADME_${ep}_train.csv`));
    const fold = foldAssignment(train.x.rows, { folds: options.folds, seed: options.seed });
    const results: LearnerResult[] = [];
    const trainData = (which: 'descriptors' | 'fingerprints' | 'both'): TrainingData => ({ ...blocks(train.x, which), labels: train.y, task: 'regression' });
    // Every choice above is made; only now is the test file read.
    let test: { x: FeatureMatrix; y: Float64Array; rejected: number } | null = null;
    for (const [learner, grid] of Object.entries(GRIDS)) {
      const s0 = performance.now();
      const trainer = TRAINERS[learner]!;
      const data = trainData(BLOCKS[learner]!);
      let candidates = grid.map((c) => trainer.resolveParams(c) as Record<string, unknown>);
      let fitted: TanimotoGpModel[] | null = null;
      if (learner === 'tanimoto-gp') {
        // For each kernel on the grid: noise and length scale by marginal likelihood on the whole
        // train file, then that kernel is cross-validated at those values.
        fitted = candidates.map((c) => trainer.train(data, c, options.seed) as TanimotoGpModel);
        candidates = candidates.map(
          (c, i) => trainer.resolveParams({ ...c, noise: fitted![i]!.noise, lengthScale: fitted![i]!.lengthScale }) as Record<string, unknown>,
        );
      }
      const oofs = candidates.map((c) => outOfFold(trainer, data, c, options.seed, fold, options.folds));
      const scores = candidates.map((c, i) => scoreCandidate(c, train.y, oofs[i]!));
      const chosen = chooseCandidate(scores);
      const finalModel = fitted ? fitted[chosen]! : trainer.train(data, candidates[chosen]!, options.seed);
      test ??= await featurizeFile(join(dataDir, `ADME_${ep}_test.csv`));
      const prediction = finalModel.predict(blocks(test.x, BLOCKS[learner]!)).value;
      results.push({
        learner,
        cv: scores[chosen]!,
        candidates: scores,
        testR: pearson(test.y, prediction),
        testMae: mae(test.y, prediction),
        seconds: (performance.now() - s0) / 1000,
        prediction,
        oof: oofs[chosen]!,
      });
      process.stderr.write(
        `  ${ep} ${learner}: cv r ${scores[chosen]!.pearson.toFixed(3)} (grid: ${scores.map((x) => x.pearson.toFixed(3)).join(' ')}), test r ${results.at(-1)!.testR.toFixed(3)} (${results.at(-1)!.seconds.toFixed(0)} s)\n`,
      );
    }
    for (const [learner, params] of Object.entries(BASELINES)) {
      const s0 = performance.now();
      const trainer = TRAINERS[learner]!;
      const resolved = trainer.resolveParams(params) as Record<string, unknown>;
      const prediction = trainer.train(trainData(BLOCKS[learner]!), resolved, options.seed).predict(blocks(test!.x, BLOCKS[learner]!)).value;
      const none = { params: resolved, pearson: Number.NaN, rmse: Number.NaN };
      results.push({
        learner,
        cv: none,
        candidates: [],
        testR: pearson(test!.y, prediction),
        testMae: mae(test!.y, prediction),
        seconds: (performance.now() - s0) / 1000,
        prediction,
        oof: new Float64Array(0),
      });
    }
    for (const e of ENSEMBLES) {
      const parts = e.members.map((m) => results.find((r) => r.learner === m)!);
      // The ensemble trainer's value is Σ w_k v_k: on each fold exactly the weighted out-of-fold predictions.
      const mix = (get: (r: LearnerResult) => Float64Array, w: number[]) => {
        const total = w.reduce((a, b) => a + b, 0);
        return Float64Array.from(get(parts[0]!), (_, i) => parts.reduce((s, p, k) => s + (w[k]! / total) * get(p)[i]!, 0));
      };
      const scores = e.weights.map((w) =>
        scoreCandidate(
          { members: parts.map((p) => ({ algorithm: p.learner, params: p.cv.params })), weights: w },
          train.y,
          mix((r) => r.oof, w),
        ),
      );
      const best = chooseCandidate(scores);
      const w = e.weights[best]!;
      const prediction = mix((r) => r.prediction, w);
      results.push({
        learner: e.name,
        cv: scores[best]!,
        candidates: scores,
        testR: pearson(test!.y, prediction),
        testMae: mae(test!.y, prediction),
        seconds: parts.reduce((s, p) => s + p.seconds, 0),
        prediction,
        oof: mix((r) => r.oof, w),
      });
    }
    // Only cross-validated learners can be chosen (baselines have no CV score).
    const chosen = results.filter((r) => Number.isFinite(r.cv.pearson)).reduce((a, b) => (b.cv.pearson > a.cv.pearson ? b : a));
    const maxR = Math.max(...results.map((r) => r.testR));
    const seconds = (performance.now() - t0) / 1000;
    const record: EndpointRecord = {
      endpoint: ep,
      chosen: chosen.learner,
      r: chosen.testR,
      mae: chosen.testMae,
      best: PUBLISHED_BEST[ep]!,
      seconds,
      trainRows: train.x.rows,
      testRows: test!.x.rows,
      learners: results.map((r) => ({ learner: r.learner, cvPearson: r.cv.pearson, testPearson: r.testR, testMae: r.testMae, seconds: r.seconds })),
    };
    writeFileSync(join(options.outDir, `${ep}.result.json`), JSON.stringify(record, null, 1) + '\n');
    // Out-of-fold and test predictions per learner (not committed): to check or extend the ensembles without retraining.
    writeFileSync(
      join(options.outDir, `${ep}.predictions.json`),
      JSON.stringify({
        trainLabels: [...train.y],
        testLabels: [...test!.y],
        learners: Object.fromEntries(results.map((r) => [r.learner, { oof: [...r.oof], test: [...r.prediction] }])),
      }) + '\n',
    );
    say('');
    say(
      `${ep}: train ${train.x.rows} (rejected ${train.rejected}), test ${test!.x.rows} (rejected ${test!.rejected}); published best r ${PUBLISHED_BEST[ep]!.toFixed(3)}; ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
    say(`  learner               cv r    test r  test MAE  seconds  chosen params`);
    for (const r of results) {
      const mark = r === chosen ? '*' : ' ';
      say(
        `${mark} ${r.learner.padEnd(21)} ${Number.isFinite(r.cv.pearson) ? r.cv.pearson.toFixed(3) : ' base'}   ${r.testR.toFixed(3)}   ${r.testMae.toFixed(3)}     ${r.seconds.toFixed(0).padStart(5)}    ${JSON.stringify(r.learner.startsWith('ensemble') ? { weights: (r.cv.params as { weights: number[] }).weights } : r.cv.params)}`,
      );
    }
    say(`  (* chosen by CV on train; best test r over all learners ${maxR.toFixed(3)}, not used for the verdict)`);
    writeFileSync(
      join(options.outDir, `${ep}.recipe.yaml`),
      recipeYaml(
        ep,
        { learner: chosen.learner, params: chosen.cv.params, candidates: chosen.candidates.map((c) => c.params) },
        results.map((r) => ({ learner: r.learner, pearson: r.cv.pearson })),
        options.folds,
        options.seed,
        relative(options.outDir, join(dataDir, `ADME_${ep}_test.csv`)),
      ),
    );
  }
  say(`total ${((performance.now() - started) / 1000).toFixed(0)} s for ${options.endpoints.join(', ')}`);
  return lines;
}

interface EndpointRecord {
  endpoint: string;
  chosen: string;
  r: number;
  mae: number;
  best: number;
  seconds: number;
  trainRows: number;
  testRows: number;
  learners: Array<{ learner: string; cvPearson: number; testPearson: number; testMae: number; seconds: number }>;
}

/** The side-by-side table and the verdict line, from the per-endpoint results in `outDir`. */
export function summarizeFixedSplits(outDir: string): string[] {
  const lines: string[] = [];
  const say = (s: string) => {
    lines.push(s);
    console.log(s);
  };
  const summary = ENDPOINTS.flatMap((e) =>
    existsSync(join(outDir, `${e}.result.json`)) ? [JSON.parse(readFileSync(join(outDir, `${e}.result.json`), 'utf8')) as EndpointRecord] : [],
  );
  const learners = [...new Set(summary.flatMap((s) => s.learners.map((l) => l.learner)))];
  say('');
  say(`test Pearson r per built-in learner (hyperparameters by CV on train)  ${ENDPOINTS.map((e) => e.padStart(8)).join('')}`);
  for (const l of learners)
    say(
      `  ${l.padEnd(68)}${ENDPOINTS.map((e) => {
        const v = summary.find((x) => x.endpoint === e)?.learners.find((x) => x.learner === l);
        return (v ? v.testPearson.toFixed(3) : '–').padStart(8);
      }).join('')}`,
    );
  say(
    `test MAE of the CV-chosen learner${' '.repeat(38)}${ENDPOINTS.map((e) => {
      const s = summary.find((x) => x.endpoint === e);
      return (s ? s.mae.toFixed(3) : '–').padStart(8);
    }).join('')}`,
  );
  say('');
  say(`published (Pearson r on the test files)     ${ENDPOINTS.map((e) => e.padStart(8)).join('')}`);
  for (const [model, row] of Object.entries(PUBLISHED))
    say(`  ${model.padEnd(42)}${ENDPOINTS.map((e) => (row[e] == null ? '–' : row[e]!.toFixed(3)).padStart(8)).join('')}`);
  say(`  ${'published best'.padEnd(42)}${ENDPOINTS.map((e) => PUBLISHED_BEST[e]!.toFixed(3).padStart(8)).join('')}`);
  say(
    `  ${'rotguard (learner chosen by CV on train)'.padEnd(42)}${ENDPOINTS.map((e) => {
      const s = summary.find((x) => x.endpoint === e);
      return (s ? s.r.toFixed(3) : '–').padStart(8);
    }).join('')}`,
  );
  for (const s of summary)
    say(
      `  ${s.endpoint}: ${s.chosen}, r ${s.r.toFixed(3)} vs ${s.best.toFixed(3)} (${s.r > s.best ? 'beat' : s.r >= s.best - 0.01 ? 'matched' : 'below'}; ${s.seconds.toFixed(0)} s)`,
    );
  const matched = summary.filter((s) => s.r >= s.best - 0.01).length;
  const beat = summary.filter((s) => s.r > s.best).length;
  say(`fixed_splits_vs_published matched=${matched} beat=${beat} of ${summary.length}`);
  return lines;
}

/** What a recipe needs to know about the chosen learner. */
export interface ChosenLearner {
  learner: string;
  params: Record<string, unknown>;
  /** The grid it was chosen from (each candidate's full params). */
  candidates: Array<Record<string, unknown>>;
}

/**
 * The chosen learner as a rotguard recipe (validated by validateRecipe before it is written):
 * a predefined split on the test file and, under `tuning`, the grid the choice was made from,
 * so `rotguard build` repeats the procedure on the train compounds. The CV scores of every
 * learner come first, as comments.
 */
/** `testFile` is as the recipe names it: relative to the recipe's folder. */
export function recipeYaml(
  ep: string,
  chosen: ChosenLearner,
  cvScores: Array<{ learner: string; pearson: number }>,
  folds: number,
  seed: number,
  testFile: string,
): string {
  const ensemble = chosen.learner.startsWith('ensemble');
  const params = ensemble ? { members: (chosen.params as { members: unknown }).members } : chosen.params;
  const grid =
    chosen.candidates.length > 0 ? chosen.candidates.map((c) => (ensemble ? { weights: (c as { weights: number[] }).weights } : c)) : [chosen.params];
  const doc = {
    model: `biogen-${ep.toLowerCase().replace(/_/g, '-')}`,
    team: 'bench',
    endpoint: ep.toLowerCase(),
    dataset: { aggregate: 'mean' },
    features: { descriptors: 'rdkit-desc@2', radius: 2, bits: 2048 },
    split: { method: 'predefined', test: testFile, calibration: 0.1, seed },
    algorithm: ensemble ? 'ensemble' : chosen.learner,
    params,
    seed,
    tuning: { method: 'kfold-cv', folds, seed, metric: 'pearson', grid },
  };
  validateRecipe(doc);
  const scores = cvScores
    .map((r) => `#   ${r.learner.padEnd(20)} cv r ${Number.isFinite(r.pearson) ? r.pearson.toFixed(4) : '(baseline, not cross-validated)'}`)
    .join('\n');
  return `# Written by bench/admet --fixed-splits: the learner and hyperparameters chosen by ${folds}-fold CV on ADME_${ep}_train.csv only.
# The bench trains on the whole train file; this recipe, built from a store holding the train and
# test files, also holds out 10 % of the train compounds to calibrate conformal intervals.
# CV Pearson r per learner (chosen: ${chosen.learner}):
${scores}
${stringify(doc, { aliasDuplicateObjects: false })}`;
}
