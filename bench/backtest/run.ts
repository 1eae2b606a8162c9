/**
 * bench/backtest: how long `rotguard backtest` takes on about three years of weekly history
 * of real compounds, and whether a week's decision costs more in year three than in year one.
 *
 * Data: the Biogen ADME set's HLM intrinsic clearance (../shared/data/biogen-adme; real
 * structures and labels) given a made-up, seeded timeline by scripts/backtest/biogen-timeline.mjs's
 * rule (row order, --per-week compounds a week, labels 2–6 weeks later). Policy: the demo's,
 * applied to the model; recipe: random forest on rdkit-desc@1 + Morgan, scaffold split.
 *
 *   npm run bench:backtest [-- --per-week 20 --trees 40]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEMO_POLICY } from '../../src/demo/policy.js';
import { validateMapping } from '../../src/data/mapping.js';
import { parsePolicy } from '../../src/policy/policy-file.js';
import { openStore } from '../../src/store/store.js';
import { validateRecipe } from '../../src/training/recipe.js';
import { backtest } from '../../src/usecases/backtest.js';
import { createContext } from '../../src/usecases/context.js';
import { ingest } from '../../src/usecases/data.js';
import { addEndpoint, addProtocol } from '../../src/usecases/standards.js';

const { values } = parseArgs({
  options: { 'per-week': { type: 'string', default: '20' }, trees: { type: 'string', default: '40' }, start: { type: 'string', default: '2020-03-30' } },
});
const root = fileURLToPath(new URL('../../../', import.meta.url));
const data = join(root, '..', 'shared', 'data', 'biogen-adme', 'ADME_public_set_3521.csv');
if (!existsSync(data)) {
  console.log(`bench/backtest: skipped: ${data} not found (the shared data must sit beside the repository)`);
  process.exit(0);
}
console.log(`bench/backtest: npm run bench:backtest -- --per-week ${values['per-week']} --trees ${values.trees}`);
console.log(
  `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}; ${new Date().toISOString()}`,
);

const dir = mkdtempSync(join(tmpdir(), 'rotguard-bench-backtest-'));
try {
  const csv = join(dir, 'hlm-dated.csv');
  writeFileSync(
    csv,
    execFileSync(
      process.execPath,
      [
        join(root, 'scripts/backtest/biogen-timeline.mjs'),
        data,
        '--column',
        'LOG HLM_CLint (mL/min/kg)',
        '--per-week',
        values['per-week']!,
        '--start',
        '2020-01-06',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    ),
  );
  const workspace = join(dir, 'source', '.rotguard');
  const store = await openStore({ workspace, migrate: true });
  const ctx = createContext(store, { actor: 'bench', workspace });
  let t = performance.now();
  await addEndpoint(ctx, {
    name: 'hlm_clint',
    unit: 'mL/min/kg',
    transform: 'log10',
    direction: 'lower_is_better',
    validMin: 0,
    validMax: null,
    description: 'HLM intrinsic clearance',
  });
  await addProtocol(ctx, { protocol: 'hlm', endpoint: 'hlm_clint', unit: 'mL/min/kg', site: 'biogen', vendor: 'in-house', parameters: {} });
  const mapping = validateMapping({
    team: 'dmpk',
    protocol: 'hlm',
    value_scale: 'log10',
    columns: { id: 'id', structure: 'smiles', value: 'value_log10', measured_at: 'measured_at', reported_at: 'reported_at' },
  });
  const ingested = await ingest(ctx, { path: csv, mapping, workers: availableParallelism() });
  console.log(`source: ${ingested.accepted} measurements ingested in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const recipe = validateRecipe({
    model: 'hlm-rf',
    team: 'dmpk',
    endpoint: 'hlm_clint',
    dataset: { aggregate: 'mean' },
    algorithm: 'random-forest',
    params: { nEstimators: Number(values.trees) },
    split: { method: 'scaffold', seed: 1, train: 0.7, calibration: 0.15, test: 0.15 },
    seed: 1,
  });
  // The demo's policy, untouched but for the model it governs.
  const policy = parsePolicy(DEMO_POLICY.replace('model: sol-rf', 'model: hlm-rf'));
  const stageTime: Record<string, number[]> = {};
  let last = { week: 0, stage: 'setup', at: performance.now() };
  t = performance.now();
  const r = await backtest({
    source: store,
    dir: join(dir, 'out'),
    recipe,
    policy,
    start: values.start!,
    actor: 'bench',
    workers: 1,
    onProgress: (p) => {
      const now = performance.now();
      (stageTime[last.stage] ??= [])[last.week] ??= 0;
      stageTime[last.stage]![last.week]! += (now - last.at) / 1000;
      last = { week: p.week, stage: p.stage, at: now };
    },
  });
  await store.close();
  const total = (performance.now() - t) / 1000;
  const decide = stageTime.decide ?? [];
  const perWeek = (from: number, to: number) => {
    const xs = decide.slice(from, to).filter((x) => x !== undefined);
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
  };
  const n = r.weeks.length;
  const y1 = perWeek(1, Math.min(53, n));
  const y3 = perWeek(Math.max(1, n - 52), n + 1);
  console.log(
    `weeks replayed: ${n} (${(n / 52).toFixed(1)} years) from ${r.start.slice(0, 10)}; ${r.weeks.reduce((a, w) => a + w.predicted, 0)} predictions; retrains ${r.weeks.filter((w) => w.retrained).length}; frozen ${r.weeks.some((w) => w.froze)}`,
  );
  console.log(`total backtest time: ${total.toFixed(0)} s (${(total / 60).toFixed(1)} min)`);
  console.log(`decide per week: first year ${y1.toFixed(2)} s, last year ${y3.toFixed(2)} s, ratio ${(y3 / y1).toFixed(2)}`);
  console.log(`backtest_weeks=${n} seconds=${total.toFixed(0)} decide_ratio_last_vs_first_year=${(y3 / y1).toFixed(2)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
