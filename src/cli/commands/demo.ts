import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { defaultScenario, readScenarioFile, resolveScenario } from '../../demo/scenario.js';
import { demoYear } from '../../usecases/demo.js';
import { localActor } from '../../usecases/context.js';
import { emit, integerOption, parseCommand, str, type CommandIO } from '../options.js';
import { ProgressBar } from '../progress.js';

export const demoHelp = `Usage:
  rotguard demo [--dir DIR | --tmp] [--scenario FILE] [--policy FILE] [scenario flags] [--json]

Replays a year of a solubility programme on a fresh workspace, week by week, with every
real layer: ingest the labs' reports, build and validate model v1, gate it, promote it by
a second person, predict each week's new compounds, monitor, decide by a policy agreed in
advance, and retrain or freeze as it says. Then audits the workspace and writes
DIR/audit-report.html (self-contained) and DIR/audit-report.json.

  --dir DIR                 demo folder (default ./rotguard-demo; must be empty or absent)
  --tmp                     use a new folder under the system temp directory instead
  --scenario FILE           YAML/JSON scenario (any of the fields below, nested as in the file)
  --policy FILE             policy YAML to govern the year instead of the built-in one

Scenario flags (override the file; defaults in parentheses):
  --seed N                  random seed (7)
  --start YYYY-MM-DD        Monday of week 1 (52 weeks before today)
  --weeks N                 programme weeks (52)
  --history-weeks N         weeks of data before week 1 that train v1 (26)
  --compounds-per-week N    new compounds per week (24)
  --label-delay MIN-MAX     weeks between measurement and report (2-6)
  --site2-share X           share of compounds measured at site 2 (0.3)
  --site2-offset X          site 2's standing offset, log units (0.3)
  --new-series-week N       week the new chemical series arrives (20)
  --new-series-share X      its share of compounds from then on (0.5)
  --new-series-effect X     its solubility offset the old data can't teach, log units (-1.0)
  --protocol-change-week N  week site 1 changes its protocol (38)
  --protocol-shift X        the assay step shift it causes, log units (0.6)
  --references N            reference compounds measured in every batch (6)
  --noise X                 assay noise SD, log units (0.2)
  --split random|scaffold|time  how builds are validated (random; scaffold and time are
                            harsher on this programme's few scaffolds: see README)
  --trees N                 random-forest trees per build (60)
  --workers N               featurization workers (1)

The workspace stays in DIR/.rotguard (always the embedded store, even when
ROTGUARD_DATABASE_URL is set): cd DIR and run "rotguard models list", "rotguard audit",
"rotguard trace PREDICTION_ID" on it.
`;

const NUMBER_FLAGS: Array<[flag: string, path: string[]]> = [
  ['seed', ['seed']],
  ['weeks', ['weeks']],
  ['history-weeks', ['historyWeeks']],
  ['compounds-per-week', ['compoundsPerWeek']],
  ['site2-share', ['secondSite', 'share']],
  ['site2-offset', ['secondSite', 'offset']],
  ['new-series-week', ['newSeries', 'week']],
  ['new-series-share', ['newSeries', 'share']],
  ['new-series-effect', ['newSeries', 'effect']],
  ['protocol-change-week', ['protocolChange', 'week']],
  ['protocol-shift', ['protocolChange', 'shift']],
  ['references', ['references', 'count']],
  ['noise', ['noiseSd']],
];

export async function demoCommand(args: string[], io: CommandIO): Promise<number> {
  const options: Record<string, { type: 'string' | 'boolean' }> = {
    dir: { type: 'string' },
    tmp: { type: 'boolean' },
    scenario: { type: 'string' },
    policy: { type: 'string' },
    start: { type: 'string' },
    'label-delay': { type: 'string' },
    split: { type: 'string' },
    trees: { type: 'string' },
    workers: { type: 'string' },
  };
  for (const [flag] of NUMBER_FLAGS) options[flag] = { type: 'string' };
  const { values, positionals } = parseCommand(args, options);
  if (values.help) return (io.out(demoHelp), 0);
  if (positionals.length) throw new UsageError(`demo takes no positional arguments (got "${positionals[0]}"); see rotguard demo --help`);
  const json = Boolean(values.json);

  // Scenario: defaults ← file ← flags, validated as one document.
  const defaults = defaultScenario();
  let scenario = defaults;
  if (values.scenario) scenario = resolveScenario(scenario, readScenarioFile(str(values.scenario)!), { file: str(values.scenario) });
  const overrides: Record<string, unknown> = {};
  const set = (path: string[], v: unknown) => {
    let o = overrides;
    for (const k of path.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
    o[path[path.length - 1]!] = v;
  };
  for (const [flag, path] of NUMBER_FLAGS) {
    const raw = str(values[flag]);
    if (raw === undefined) continue;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number, got "${raw}"`);
    set(path, n);
  }
  if (values.start) set(['start'], str(values.start));
  if (values['label-delay']) {
    const m = /^(\d+)-(\d+)$/.exec(str(values['label-delay'])!);
    if (!m) throw new UsageError(`--label-delay must be MIN-MAX in weeks, e.g. 2-6, got "${values['label-delay']}"`);
    set(['labelDelayWeeks'], { min: Number(m[1]), max: Number(m[2]) });
  }
  scenario = resolveScenario(scenario, overrides);
  // Unless a start was chosen, the year ends this week whatever its length, so that the
  // workspace reads as current (the audit's "monitoring recent" is measured from now).
  if (scenario.start === defaults.start && scenario.weeks !== defaults.weeks) {
    const weeksBack = new Date(Date.parse(`${defaults.start}T00:00:00Z`) + (defaults.weeks - scenario.weeks) * 7 * 86_400_000);
    scenario = resolveScenario(scenario, { start: weeksBack.toISOString().slice(0, 10) });
  }
  const trees = integerOption('--trees', str(values.trees), 60, 5, 500);
  const workers = integerOption('--workers', str(values.workers), 1, 1, 64);
  const split = str(values.split) ?? 'random';
  if (split !== 'random' && split !== 'scaffold' && split !== 'time') throw new UsageError(`--split must be random, scaffold or time, got "${split}"`);
  const policyText = values.policy ? readFileSync(str(values.policy)!, 'utf8') : undefined;

  let dir: string;
  if (values.tmp) dir = mkdtempSync(join(tmpdir(), 'rotguard-demo-'));
  else {
    dir = resolve(str(values.dir) ?? 'rotguard-demo');
    if (existsSync(dir) && readdirSync(dir).length) {
      throw new UsageError(`${dir} already exists and is not empty; the demo needs a fresh folder (remove it, or pass --dir NEW_DIR or --tmp)`);
    }
  }

  const bar = new ProgressBar('demo');
  io.err(`rotguard demo: a ${scenario.weeks}-week solubility programme, seed ${scenario.seed}, in ${dir}\n`);
  const { result, story, report } = await demoYear({
    scenario,
    dir,
    policyText,
    trees,
    workers,
    split,
    auditor: localActor(),
    onProgress: (p) => {
      bar.update(p.week / p.weeks, `week ${p.week}/${p.weeks} ${p.stage}`);
      if (p.note) {
        bar.done();
        io.err(`  week ${String(p.week).padStart(2)}: ${p.note}\n`);
      }
    },
  }).finally(() => bar.done());
  const summary = {
    dir,
    workspace: result.workspace,
    seconds: result.seconds,
    scenario,
    story,
    report: {
      html: report.html,
      json: report.json,
      controlsPassed: report.report.summary.controlsPassed,
      controlsFailed: report.report.summary.controlsFailed,
      eventLogOk: report.report.eventLog.ok,
    },
    weeks: result.weeks.map((w) => ({
      week: w.week,
      monday: w.monday,
      action: w.decision.action,
      triggered: w.decision.triggered,
      retrainDeferred: w.decision.retrainDeferred,
      servedBy: w.servedBy,
      servedFrozen: w.servedFrozen,
      retrain: w.retrain,
      froze: w.froze,
    })),
  };
  const samplePrediction = report.samplePrediction;
  emit(
    io,
    json,
    summary,
    [
      '',
      story.headline,
      '',
      ...story.lines.map((l) => `  ${l}`),
      '',
      `Audit: ${report.report.summary.controlsPassed} controls passed, ${report.report.summary.controlsFailed} failed over ${report.report.summary.versions} model versions; event log of ${report.report.eventLog.events} events ${report.report.eventLog.ok ? 'verified intact' : 'FAILED verification'}.`,
      `Report: ${report.html}`,
      `        ${report.json}`,
      `Finished in ${result.seconds.toFixed(0)} s. Explore it:`,
      `  cd ${dir}`,
      '  npx rotguard models list',
      '  npx rotguard audit',
      samplePrediction ? `  npx rotguard trace ${samplePrediction}` : '',
      '  npx rotguard audit verify',
    ]
      .filter((l) => l !== null)
      .join('\n'),
  );
  return 0;
}
