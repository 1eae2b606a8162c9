import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { readPolicyFile } from '../../policy/policy-file.js';
import { readRecipeFile } from '../../training/recipe.js';
import { backtest } from '../../usecases/backtest.js';
import { localActor } from '../../usecases/context.js';
import { emit, integerOption, parseCommand, str, type CommandIO } from '../options.js';
import { ProgressBar } from '../progress.js';
import { withStore } from '../workspace.js';

export const backtestHelp = `Usage: rotguard backtest --recipe RECIPE.yaml --policy POLICY.yaml --start DATE [--end DATE]
                         [--out DIR | --tmp] [--workers N] [--json] [--workspace SOURCE]

Replays the history of the recipe's endpoint, already ingested in this workspace
(measurements with measured and reported dates), week by week from --start into a new
workspace in --out (default ./rotguard-backtest, must be empty): model v1 trains on what
was reported before --start; each Monday the compounds first measured that week are
predicted by the champion; each Sunday that week's labels arrive; then monitoring, the
policy's decision and a retrain (built, gated, promoted by a second person) or a freeze,
as the live system would. Nothing decided at a time T can see a label reported after T.
The source workspace is only read.

At the end it writes the audit report (audit-report.html/json in --out) and prints when
each rule fired, each week's error in hindsight (against every label known at the end),
and whether each retrain, freeze and watch was right in hindsight.
`;

export async function backtestCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    recipe: { type: 'string' },
    policy: { type: 'string' },
    start: { type: 'string' },
    end: { type: 'string' },
    out: { type: 'string' },
    tmp: { type: 'boolean' },
    workers: { type: 'string' },
  });
  if (values.help) return (io.out(backtestHelp), 0);
  if (positionals.length) throw new UsageError(`backtest takes no positional arguments (got "${positionals[0]}")\n\n${backtestHelp}`);
  if (!values.recipe || !values.policy || !values.start) throw new UsageError(`backtest needs --recipe, --policy and --start\n\n${backtestHelp}`);
  const recipe = readRecipeFile(str(values.recipe)!);
  const policy = readPolicyFile(str(values.policy)!);
  const workers = integerOption('--workers', str(values.workers), 1, 1, 64);
  let dir: string;
  if (values.tmp) dir = mkdtempSync(join(tmpdir(), 'rotguard-backtest-'));
  else {
    dir = resolve(str(values.out) ?? 'rotguard-backtest');
    if (existsSync(dir) && readdirSync(dir).length)
      throw new UsageError(`${dir} already exists and is not empty; a backtest needs a fresh folder (--out NEW_DIR or --tmp)`);
  }
  return withStore(str(values.workspace), async (source) => {
    const bar = new ProgressBar('backtest');
    const r = await backtest({
      source,
      dir,
      recipe,
      policy,
      start: str(values.start)!,
      end: str(values.end),
      actor: localActor(),
      workers,
      onProgress: (p) => {
        bar.update(p.weeks ? p.week / p.weeks : 0, `week ${p.week}/${p.weeks} ${p.stage}`);
        if (p.note) {
          bar.done();
          io.err(`  week ${String(p.week).padStart(3)}: ${p.note}\n`);
        }
      },
    }).finally(() => bar.done());
    const f = (x: number | null, d = 3) => (x === null ? '–' : x.toFixed(d));
    emit(
      io,
      Boolean(values.json),
      { ...r, report: { html: r.report.html, json: r.report.json, summary: r.report.report.summary, eventLogOk: r.report.report.eventLog.ok } },
      [
        `backtest of ${recipe.model} on ${recipe.endpoint}: ${r.weeks.length} weeks from ${r.start.slice(0, 10)} in ${r.seconds.toFixed(0)} s (workspace ${r.workspace})`,
        r.skipped.noDates ? `  ${r.skipped.noDates} measurements without both dates were left out` : '',
        '',
        'week  monday      served by        n  labels  action    hindsight MAE (× validation)',
        ...r.weeks.map(
          (w) =>
            `${String(w.week).padStart(4)}  ${w.monday}  ${(w.servedBy ?? '–').padEnd(14)} ${String(w.predicted).padStart(3)}  ${String(w.labelsArrived).padStart(6)}  ${(w.action ?? '–').padEnd(8)}  ${f(w.hindsightMae)} (${f(w.hindsightMaeRatio, 2)})${w.retrained ? `  → ${w.retrained}${w.promoted ? ' promoted' : ' refused'}` : ''}${w.froze ? '  → frozen' : ''}`,
        ),
        '',
        ...(r.firings.length
          ? r.firings.map((x) => `${x.rule} (${x.action}) fired in week${x.weeks.length > 1 ? 's' : ''} ${x.weeks.join(', ')}`)
          : ['no rule fired']),
        ...r.judgements.map((j) => `week ${j.week} ${j.action}: ${j.verdict.toUpperCase()} in hindsight — ${j.why}`),
        '',
        `audit: ${r.report.report.summary.controlsPassed} controls passed, ${r.report.report.summary.controlsFailed} failed; report ${r.report.html}`,
      ]
        .filter((l) => l !== '' || true)
        .join('\n'),
    );
    return 0;
  });
}
