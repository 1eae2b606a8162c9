import { join } from 'node:path';
import { describeTrace } from '../../audit/trace.js';
import { UsageError } from '../../core/errors.js';
import { emit, integerOption, parseCommand, str, type CommandIO } from '../options.js';
import { withBackend } from '../backend-choice.js';

export const auditHelp = `Usage:
  rotguard audit [--version MODEL@N] [--out DIR] [--max-monitor-age-days N] [--json]
  rotguard audit verify [--expect-head HASH] [--json]

audit checks every registered model version against the controls: assay sources,
compound set, featurization code, descriptor dictionary, split rule, artifact and
evaluation set versioned; release gate passed and approved by a second person; every
prediction traceable; every retrain tied to a triggered decision; monitoring running and
recent (default: within 8 days). It prints pass/fail per control with the reason and
writes audit-report.html (self-contained, opens offline) and audit-report.json to --out
(default: the folder above the workspace). Exit 0 when every control passes or is n/a,
3 when any fails. --version audits one model version only (its controls, its model's
monitoring and decisions, the sources, gate and aliases it depends on); the event log is
still verified whole.

audit verify checks the hash-chained event log: any edited, deleted or reordered event.
`;

export const traceHelp = `Usage:
  rotguard trace PREDICTION_ID [--json]

Walks one prediction back: model version → build (recipe, environment) → dataset
snapshot → the measurements it was learned from → their assay protocol versions and
source files, plus the nearest training compound's own measurements.
`;

export async function auditRunCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommand(args, { out: { type: 'string' }, 'max-monitor-age-days': { type: 'string' }, version: { type: 'string' } });
  if (values.help) return (io.out(auditHelp), 0);
  if (positionals.length) throw new UsageError(`unknown audit subcommand "${positionals[0]}"; see rotguard audit --help`);
  const maxAge = integerOption('--max-monitor-age-days', str(values['max-monitor-age-days']), 8, 1, 3650);
  // Read-only: an auditor's copy of a workspace is audited without being changed. Reports go
  // beside the workspace by default; through a server, to the current folder.
  const r = await withBackend(
    io,
    str(values.workspace),
    (b) =>
      b.writeAuditReport({ outDir: str(values.out) ?? (b.workspace ? join(b.workspace, '..') : '.'), maxMonitorAgeDays: maxAge, version: str(values.version) }),
    { readOnly: true },
  );
  const failed = r.report.summary.controlsFailed;
  const lines: string[] = [];
  if (!r.report.eventLog.ok) lines.push(`EVENT LOG FAILED VERIFICATION: ${r.report.eventLog.problems.slice(0, 3).join('; ')}`);
  for (const m of r.report.models) {
    const fails = m.controls.filter((c) => c.status === 'fail').length;
    lines.push(
      `${m.version}${m.aliases.length ? ` (${m.aliases.join(', ')})` : ''}${m.frozen ? ' [frozen]' : ''}: ${fails ? `${fails} control(s) FAILED` : 'all controls pass'}`,
    );
    for (const c of m.controls) lines.push(`  ${c.status === 'pass' ? 'pass' : c.status === 'fail' ? 'FAIL' : 'n/a '}  ${c.title.padEnd(38)} ${c.reason}`);
    const k = m.compute;
    if (k)
      lines.push(
        `  compute: ${k.jobs} job(s), ${k.cpuHours.toFixed(3)} CPU-h, ${k.gpuHours.toFixed(3)} GPU-h, ${k.cost.toFixed(4)} ${k.currency}; ${k.cacheHits} cache hit(s) saved ${k.savedCost.toFixed(4)} ${k.currency}`,
      );
  }
  for (const s of r.report.compute?.spend ?? []) {
    lines.push(
      `spend ${s.team} ${s.month}: ${s.cost.toFixed(4)} ${r.report.compute!.currency}${s.budget !== null ? ` of ${s.budget} budget` : ''} (${s.cpuHours.toFixed(3)} CPU-h, ${s.gpuHours.toFixed(3)} GPU-h, ${s.jobs} jobs; cache saved ${s.savedCost.toFixed(4)})`,
    );
  }
  lines.push(
    '',
    `${r.report.summary.controlsPassed} passed, ${failed} failed; event log ${r.report.eventLog.events} events, head ${r.report.eventLog.headHash?.slice(0, 16) ?? '(empty)'} ${r.report.eventLog.ok ? 'intact' : 'TAMPERED'}`,
  );
  if (r.report.eventLog.verified) lines.push(r.report.eventLog.verified);
  lines.push(`report: ${r.html}`, `        ${r.json}`);
  emit(io, Boolean(values.json), { ...r.report, files: { html: r.html, json: r.json } }, lines.join('\n'));
  return failed || !r.report.eventLog.ok ? 3 : 0;
}

export async function traceCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommand(args);
  if (values.help) return (io.out(traceHelp), 0);
  const [id] = positionals;
  if (!id) throw new UsageError(`trace needs a PREDICTION_ID\n\n${traceHelp}`);
  return withBackend(
    io,
    str(values.workspace),
    async (b) => {
      const t = await b.trace(id);
      emit(io, Boolean(values.json), t, describeTrace(t));
      return t.broken.length ? 3 : 0;
    },
    { readOnly: true },
  );
}
