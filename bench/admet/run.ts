/**
 * bench/admet: the built-in trainers on the Biogen ADME public set (../shared/data),
 * scaffold split (80/10/10 train/calibration/test) over 5 seeds, through the real build
 * path (ingest → snapshot → features → build → validation report).
 *
 *   npm run bench:admet [-- --seeds 5 --trees 100]
 *   npm run bench:admet -- --fixed-splits [--endpoints HLM,RLM] [--summary]   (see ./fixed-splits.ts)
 *
 * Prints mean ± sd of MAE, Spearman and R² on the test set and the 90 % conformal interval
 * coverage, per endpoint and trainer, with the machine it ran on. Published reference:
 * Fang et al. 2023 report results on their own random and cluster splits of this set, not
 * on a TDC-style scaffold split, and the set is not on the TDC leaderboard; so no
 * published value is printed beside ours (use the paper as a scale, not a target).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build, UNGOVERNED } from '../../src/training/build.js';
import { validateRecipe } from '../../src/training/recipe.js';
import { loadRDKit, rdkitVersion } from '../../src/chem/rdkit.js';
import { addEndpoint } from '../../src/data/endpoints.js';
import { ingestFile } from '../../src/data/ingest.js';
import { addProtocolVersion } from '../../src/data/protocols.js';
import { createSnapshot } from '../../src/data/snapshots.js';
import { mean, sd } from '../../src/stats/describe.js';
import { openStore } from '../../src/store/store.js';
import { BIOGEN_ASSAYS, BIOGEN_FILE, biogenMapping } from '../data/biogen.js';
import { FIXED_SPLIT_ENDPOINTS, runFixedSplits, summarizeFixedSplits } from './fixed-splits.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '5' },
    trees: { type: 'string', default: '100' },
    json: { type: 'boolean', default: false },
    'fixed-splits': { type: 'boolean', default: false },
    endpoints: { type: 'string' },
    summary: { type: 'boolean', default: false },
  },
});
const seeds = Number(values.seeds);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
if (values['fixed-splits']) {
  // The published Biogen train/test files: every built-in learner, tuned by CV on train (./fixed-splits.ts).
  const dataDir = resolve(repo, '../shared/data/biogen-adme/fixed-splits');
  if (!existsSync(dataDir)) {
    console.error(`bench/admet --fixed-splits: ${dataDir} not found (needs ../shared/data beside the repo)`);
    process.exit(1);
  }
  const outDir = join(repo, 'bench/admet/fixed-splits');
  if (!values.summary)
    await runFixedSplits(dataDir, { folds: 3, seed: 0, endpoints: values.endpoints ? values.endpoints.split(',') : FIXED_SPLIT_ENDPOINTS, outDir });
  summarizeFixedSplits(outDir);
  process.exit(0);
}
const data = resolve(repo, '../shared/data', BIOGEN_FILE);
if (!existsSync(data)) {
  console.error(`bench/admet: ${data} not found (needs ../shared/data beside the repo)`);
  process.exit(1);
}
await loadRDKit();
const workspace = mkdtempSync(join(tmpdir(), 'rotguard-bench-admet-'));
const store = await openStore({ workspace, migrate: true });
const started = performance.now();
const trainers: Array<[string, Record<string, unknown>]> = [
  ['ridge', { alpha: 1 }],
  ['random-forest', { nEstimators: Number(values.trees) }],
  ['tanimoto-knn', { k: 5 }],
];
const rows: Array<Record<string, unknown>> = [];
try {
  for (const a of BIOGEN_ASSAYS) {
    await addEndpoint(store, a.endpoint, 'bench');
    await addProtocolVersion(store, a.protocol, 'bench');
    await ingestFile(store, { path: data, mapping: biogenMapping(a), actor: 'bench', quarantineDir: join(workspace, 'q') });
    const { info } = await createSnapshot(store, { endpoint: a.endpoint.name, aggregation: { method: 'mean', censored: 'prefer_exact' } }, 'bench');
    for (const [algorithm, params] of trainers) {
      const m: Record<string, number[]> = { mae: [], spearman: [], r2: [], coverage90: [], seconds: [] };
      let testSize = 0;
      for (let seed = 0; seed < seeds; seed++) {
        const recipe = validateRecipe({
          model: `${a.endpoint.name.replace(/_/g, '-')}-${algorithm}`,
          team: 'bench',
          endpoint: a.endpoint.name,
          dataset: info.hash,
          split: { method: 'scaffold', seed, train: 0.8, calibration: 0.1, test: 0.1 },
          algorithm,
          params,
          seed,
        });
        const r = await build(store, recipe, 'bench', UNGOVERNED);
        const t = r.report.test as unknown as Record<string, number>;
        m.mae!.push(t.mae!);
        m.spearman!.push(t.spearman!);
        m.r2!.push(t.r2!);
        m.coverage90!.push(r.report.conformal?.find((c) => c.level === 0.9)?.coverage ?? Number.NaN);
        m.seconds!.push(r.trainSeconds);
        testSize = r.report.split.sizes.test;
      }
      rows.push({
        endpoint: a.endpoint.name,
        compounds: info.compounds,
        algorithm,
        testSize,
        ...Object.fromEntries(Object.entries(m).map(([k, v]) => [k, { mean: mean(v), sd: sd(v) }])),
      });
      process.stderr.write(`  ${a.endpoint.name} ${algorithm} done\n`);
    }
  }
} finally {
  await store.close();
  rmSync(workspace, { recursive: true, force: true });
}

const fmt = (s: unknown) => {
  const v = s as { mean: number; sd: number };
  return `${v.mean.toFixed(3)} ± ${Number.isFinite(v.sd) ? v.sd.toFixed(3) : '-'}`;
};
if (values.json) console.log(JSON.stringify(rows, null, 2));
else {
  console.log(`bench/admet — npm run bench:admet -- --seeds ${seeds} --trees ${values.trees}
machine: ${cpus()[0]?.model ?? 'unknown'}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, RDKit ${rdkitVersion()}
data:    ${data}; scaffold split 80/10/10, ${seeds} seeds; labels log10 as in the file; total ${((performance.now() - started) / 1000).toFixed(0)} s
published best on this split: none (not a TDC leaderboard set; Fang et al. 2023 use other splits)

endpoint          n     trainer          test n  MAE              Spearman         R²               cov@90%          train s`);
  for (const r of rows) {
    console.log(
      `${String(r.endpoint).padEnd(17)} ${String(r.compounds).padEnd(5)} ${String(r.algorithm).padEnd(16)} ${String(r.testSize).padEnd(7)} ${fmt(r.mae).padEnd(16)} ${fmt(r.spearman).padEnd(16)} ${fmt(r.r2).padEnd(16)} ${fmt(r.coverage90).padEnd(16)} ${fmt(r.seconds)}`,
    );
  }
}
