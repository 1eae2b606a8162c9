/**
 * bench/compute: replays one month of a team's compute (seeded, synthetic) through
 * rotguard's governance and reports CPU-hours, GPU-hours and money with and without the
 * build cache and the idle watchdog. The decisions are rotguard's own code: the idle
 * watchdog (compute/watchdog.ts) fed every 30-s GPU sample of every GPU job, usage and
 * prices (compute/cost.ts), right-sizing (compute/right-size.ts) and budget admission
 * (compute/budget.ts, with reservations and settlement in time order). What is modelled
 * is the month itself:
 *
 *  - 120 build requests of built-in recipes over 45 distinct recipes (the rest are
 *    identical rebuilds: CI re-runs, colleagues rebuilding), 4 CPUs, 5–60 min each; 30 %
 *    of requests ask for a GPU they cannot use;
 *  - 12 bulk-scoring arrays of 8 tasks × 2 CPUs × 10–30 min;
 *  - 40 GPU training jobs (external commands: 1, 2 or 4 GPUs, 8 CPUs, 24-h limit) working
 *    1–10 h with 5–20-min dips (evaluation, checkpoints); after the work, 35 % sit idle
 *    holding their memory until the time limit (a notebook left open, a hung loader), and
 *    10 % lose their GPU process but not the job (a wrapper waiting on a dead child).
 *
 *   npm run bench:compute [-- --seed 16 --budget 3000]
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { Random } from '../../src/core/random.js';
import { admissionFor } from '../../src/compute/budget.js';
import { usageOf, type Prices } from '../../src/compute/cost.js';
import { rightSize } from '../../src/compute/right-size.js';
import { DEFAULT_SETTINGS } from '../../src/compute/settings.js';
import { Watchdog, type GpuSample } from '../../src/compute/watchdog.js';

const { values } = parseArgs({ options: { seed: { type: 'string', default: '16' }, budget: { type: 'string', default: '2000' }, out: { type: 'string' } } });
const seed = Number(values.seed);
const budget = Number(values.budget);
const rng = new Random(seed);
const prices: Prices = DEFAULT_SETTINGS.prices;
const T = DEFAULT_SETTINGS.watchdog;
const MONTH = 30 * 86400;
const between = (a: number, b: number) => a + (b - a) * rng.uniform();

interface GpuPhase {
  seconds: number;
  state: 'busy' | 'dip' | 'idle' | 'gone';
}
interface TraceJob {
  kind: 'build' | 'score' | 'gpu';
  submitAt: number;
  cpus: number;
  gpusRequested: number;
  tasks: number;
  limit: number;
  /** Seconds of real work per task. */
  work: number;
  /** Builds: the recipe (identical recipe = identical build hash). */
  recipe?: number;
  /** GPU jobs: what the GPUs do, phase by phase, from the job's start. */
  phases?: GpuPhase[];
  tail?: 'ends' | 'idle' | 'gone';
}

// ---------------------------------------------------------------- the month
const jobs: TraceJob[] = [];
const recipeWork = Array.from({ length: 45 }, () => between(5, 60) * 60);
for (let i = 0; i < 120; i++) {
  // The first 45 requests are the distinct recipes (in random order over the month); the rest repeat one.
  const recipe = i < 45 ? i : rng.below(45);
  jobs.push({
    kind: 'build',
    submitAt: between(0, MONTH - 86400),
    cpus: 4,
    gpusRequested: rng.uniform() < 0.3 ? 1 : 0,
    tasks: 1,
    limit: 2 * 3600,
    work: recipeWork[recipe]!,
    recipe,
  });
}
for (let i = 0; i < 12; i++)
  jobs.push({ kind: 'score', submitAt: between(0, MONTH - 86400), cpus: 2, gpusRequested: 0, tasks: 8, limit: 3600, work: between(10, 30) * 60 });
for (let i = 0; i < 40; i++) {
  const work = between(1, 10) * 3600;
  const phases: GpuPhase[] = [];
  let t = 0;
  while (t < work) {
    const busy = Math.min(work - t, between(20, 90) * 60);
    phases.push({ seconds: busy, state: 'busy' });
    t += busy;
    if (t < work && rng.uniform() < 0.5) {
      const dip = between(5, 20) * 60;
      phases.push({ seconds: dip, state: 'dip' });
      t += dip;
    }
  }
  const r = rng.uniform();
  const tail = r < 0.35 ? 'idle' : r < 0.45 ? 'gone' : 'ends';
  const gpus = [1, 1, 2, 4][rng.below(4)]!;
  jobs.push({ kind: 'gpu', submitAt: between(0, MONTH - 2 * 86400), cpus: 8, gpusRequested: gpus, tasks: 1, limit: 24 * 3600, work: t, phases, tail });
}
jobs.sort((a, b) => a.submitAt - b.submitAt);

// ---------------------------------------------------------------- one configuration
interface Outcome {
  cpuHours: number;
  gpuHours: number;
  cost: number;
  cacheHits: number;
  savedCost: number;
  idleCancels: number;
  warnings: number;
  falseCancels: number;
  preemptible: number;
  refused: number;
  rightSizedGpuHours: number;
}

/** How long a GPU job runs under the watchdog (or without it: to its end or its time limit). */
function gpuRunSeconds(j: TraceJob, watchdog: boolean): { seconds: number; cancelled: boolean; warnings: number; cancelledWhileWorking: boolean } {
  const natural = j.tail === 'ends' ? j.work : j.limit;
  if (!watchdog) return { seconds: natural, cancelled: false, warnings: 0, cancelledWhileWorking: false };
  const dog = new Watchdog(T);
  let warnings = 0;
  for (let at = 0; at <= natural; at += T.sampleSeconds) {
    const s = sampleAt(j, at);
    const a = dog.observe(s);
    if (a?.action === 'warn') warnings++;
    if (a?.action === 'cancel') return { seconds: at, cancelled: true, warnings, cancelledWhileWorking: at < j.work };
  }
  return { seconds: natural, cancelled: false, warnings, cancelledWhileWorking: false };
}

function sampleAt(j: TraceJob, at: number): GpuSample {
  let t = 0;
  let state: GpuPhase['state'] = j.tail === 'ends' ? 'busy' : j.tail!;
  for (const p of j.phases!) {
    if (at < t + p.seconds) {
      state = p.state;
      break;
    }
    t += p.seconds;
  }
  const gpus = Array.from({ length: j.gpusRequested }, (_, index) => ({
    index,
    utilizationPercent: state === 'busy' ? 60 + ((at / 30 + index * 7) % 40) : 0,
    memoryUsedMiB: state === 'gone' ? 0 : 38_000,
  }));
  return { at, ok: true, gpus, processes: state === 'gone' ? 0 : 1 };
}

function replay(cache: boolean, watchdog: boolean, budget: number | null): Outcome {
  const o: Outcome = {
    cpuHours: 0,
    gpuHours: 0,
    cost: 0,
    cacheHits: 0,
    savedCost: 0,
    idleCancels: 0,
    warnings: 0,
    falseCancels: 0,
    preemptible: 0,
    refused: 0,
    rightSizedGpuHours: 0,
  };
  const built = new Map<number, number>();
  // Open reservations and settled charges over time, for admission.
  const running: Array<{ endAt: number; reserved: number; charge: number }> = [];
  let charged = 0;
  for (const j of jobs) {
    for (let k = running.length - 1; k >= 0; k--)
      if (running[k]!.endAt <= j.submitAt) {
        charged += running[k]!.charge;
        running.splice(k, 1);
      }
    if (j.kind === 'build' && cache && built.has(j.recipe!)) {
      o.cacheHits++;
      o.savedCost += built.get(j.recipe!)!;
      continue;
    }
    const gpus = j.kind === 'build' ? rightSize('random-forest', j.gpusRequested).gpus : j.gpusRequested;
    if (j.kind === 'build' && j.gpusRequested > gpus) o.rightSizedGpuHours += (j.gpusRequested * j.work) / 3600;
    const reserved = usageOf({ cpus: j.cpus, gpus, tasks: j.tasks }, j.limit, prices).cost;
    const committed = charged + running.reduce((s, r) => s + r.reserved, 0);
    const admission = admissionFor({ team: 'chem', month: '2026-11', amount: budget, currency: prices.currency, committed }, reserved);
    // (budget null: no budget, every job admitted to the standard lane: the pure cost comparison)
    if (!admission.admitted) {
      o.refused++;
      continue;
    }
    if (admission.lane === 'preemptible') o.preemptible++;
    let seconds = j.work;
    if (j.kind === 'gpu') {
      const r = gpuRunSeconds(j, watchdog);
      seconds = r.seconds;
      o.warnings += r.warnings;
      if (r.cancelled) o.idleCancels++;
      if (r.cancelledWhileWorking) o.falseCancels++;
    }
    const use = usageOf({ cpus: j.cpus, gpus, tasks: j.tasks }, seconds, prices);
    o.cpuHours += use.cpuHours;
    o.gpuHours += use.gpuHours;
    o.cost += use.cost;
    if (j.kind === 'build') built.set(j.recipe!, use.cost);
    running.push({ endAt: j.submitAt + seconds, reserved, charge: use.cost });
  }
  return o;
}

// ---------------------------------------------------------------- report
const started = performance.now();
const configs: Array<[string, boolean, boolean]> = [
  ['neither', false, false],
  ['cache only', true, false],
  ['watchdog only', false, true],
  ['cache + watchdog', true, true],
];
const results = configs.map(([name, c, w]) => ({ name, ...replay(c, w, null) }));
const budgeted = configs.map(([name, c, w]) => ({ name, ...replay(c, w, budget) }));
const seconds = (performance.now() - started) / 1000;
const base = results[0]!;
const idleJobs = jobs.filter((j) => j.tail === 'idle').length;
const goneJobs = jobs.filter((j) => j.tail === 'gone').length;
const rebuilds = jobs.filter((j) => j.kind === 'build').length - new Set(jobs.filter((j) => j.kind === 'build').map((j) => j.recipe)).size;
const machine = `${cpus()[0]?.model ?? 'unknown'}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`;
const f = (x: number, d = 1) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const table = [
  '| configuration | CPU-h | GPU-h | cost (USD) | vs neither | cache hits (saved USD) | idle cancels | warnings | cancelled while working |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...results.map(
    (r) =>
      `| ${r.name} | ${f(r.cpuHours)} | ${f(r.gpuHours)} | ${f(r.cost, 2)} | ${r === base ? '—' : `−${f((1 - r.cost / base.cost) * 100)} %`} | ${r.cacheHits} (${f(r.savedCost, 2)}) | ${r.idleCancels} | ${r.warnings} | ${r.falseCancels} |`,
  ),
].join('\n');
const lanes = [
  `| configuration, budget ${budget} USD | jobs run | preemptible lane | refused | spent (USD) |`,
  '|---|---:|---:|---:|---:|',
  ...budgeted.map((r) => `| ${r.name} | ${jobs.length - r.refused - r.cacheHits} | ${r.preemptible} | ${r.refused} | ${f(r.cost, 2)} |`),
].join('\n');
const report = `# bench/compute: one month of a team's jobs, with and without the cache and the idle watchdog

Command: \`npm run bench:compute -- --seed ${seed} --budget ${budget}\` (\`node dist/bench/compute/run.js\`)
Machine: ${machine}. Replay time: ${f(seconds, 2)} s.

The month (seeded, synthetic; see the header of \`bench/compute/run.ts\`): ${jobs.filter((j) => j.kind === 'build').length} build requests
(${rebuilds} identical rebuilds), ${jobs.filter((j) => j.kind === 'score').length} bulk-scoring arrays of 8 tasks, ${jobs.filter((j) => j.kind === 'gpu').length} GPU training jobs
(${idleJobs} left idle after their work until the 24-h limit, ${goneJobs} whose GPU process died while the job stayed).
Prices: ${prices.cpuHour} USD per CPU-hour, ${prices.gpuHour} USD per GPU-hour. Watchdog: sample every ${T.sampleSeconds} s,
grace ${T.graceSeconds / 60} min, warn at ${T.warnIdleSeconds / 60} min idle, cancel at ${T.cancelIdleSeconds / 60} min, ${T.noProcessSeconds / 60} min without a GPU process.

No budget in the first table (every job admitted), so the rows compare like with like:

${table}

The same month under a budget of ${budget} USD (admission with reservations = resources × time limit,
settled at each job's end; preemptible lane from 100 %, refused from 125 %). Preemption itself is not
modelled: a job in the preemptible lane runs to its end here, so spend can pass the budget by what that lane ran:

${lanes}

Right-sizing (on in every row) kept ${f(results[3]!.rightSizedGpuHours)} GPU-hours of GPUs requested for built-in CPU trainers off the cluster
(${f(results[3]!.rightSizedGpuHours * prices.gpuHour, 2)} USD at list price).

How to read it: "cancelled while working" counts GPU jobs the watchdog stopped before their work was done; the
dips in busy jobs (5–20 min) stay below the 30-min warning, so it must be 0. The cache saves what the first
build of each recipe was charged, for every identical rebuild. Without the watchdog, an idle job holds its GPUs to
its time limit; with it, an idle job is cancelled ${T.cancelIdleSeconds / 60} min after its streak starts, and a job without a GPU
process after ${T.noProcessSeconds / 60} min. The budget table shows how the waste feeds back into admission: a team that burns
its budget on idle GPUs is moved to the preemptible lane, then refused. The cache's saving is small in money here
because rotguard's built-in trainers are CPU jobs of minutes (4 CPUs × 5–60 min); external GPU commands are not
cached (rotguard cannot know that a team's script is deterministic), so the cache's weight grows with the cost of
the builds it can recognise, not with GPU spend.
`;
console.log(
  `bench/compute — npm run bench:compute -- --seed ${seed} --budget ${budget}\nmachine: ${machine}\n\n${table}\n\n${lanes}\n\nright-sized GPU-hours avoided: ${f(results[3]!.rightSizedGpuHours)}; replay ${f(seconds, 2)} s`,
);
const out = values.out ?? new URL('../../../bench/compute/RESULTS.md', import.meta.url).pathname;
writeFileSync(out, report);
console.log(`wrote ${out}`);
