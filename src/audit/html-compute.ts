import { esc, fmtInt } from './html-util.js';
import type { AuditReport, ModelAudit } from './report-types.js';

/** The compute lines of the audit page: a version's cost, and spend per team and month. */
const hours = (x: number) => x.toFixed(x < 1 ? 3 : 1);
const cash = (x: number, c: string) => `${x.toFixed(x !== 0 && Math.abs(x) < 0.01 ? 4 : 2)} ${c}`;

export function versionComputeHtml(m: ModelAudit): string {
  const c = m.compute;
  if (!c) return '';
  return (
    `<div><dt>Compute</dt><dd>${fmtInt(c.jobs)} job${c.jobs === 1 ? '' : 's'}: ${esc(hours(c.cpuHours))} CPU-h, ${esc(hours(c.gpuHours))} GPU-h, ${esc(cash(c.cost, c.currency))}` +
    (c.cacheHits ? `; ${fmtInt(c.cacheHits)} identical rebuild${c.cacheHits === 1 ? '' : 's'} from cache saved ${esc(cash(c.savedCost, c.currency))}` : '') +
    `</dd></div>`
  );
}

export function computeSpendSection(report: AuditReport): string {
  const spend = report.compute?.spend ?? [];
  if (!spend.length) return '';
  const cur = report.compute!.currency;
  const rows = spend
    .map(
      (s) =>
        `<tr><td>${esc(s.team)}</td><td>${esc(s.month)}</td><td class="num">${fmtInt(s.jobs)}</td><td class="num">${esc(hours(s.cpuHours))}</td><td class="num">${esc(hours(s.gpuHours))}</td><td class="num">${esc(cash(s.cost, cur))}</td><td class="num">${s.budget === null ? '—' : esc(`${cash(s.budget, cur)} (${((s.cost / (s.budget || Number.NaN)) * 100).toFixed(0)} %)`)}</td><td class="num">${esc(cash(s.savedCost, cur))}</td></tr>`,
    )
    .join('');
  return `<section id="compute"><h2>Compute spend per team</h2>
<div class="table-wrap"><table class="data compact"><thead><tr><th>Team</th><th>Month</th><th>Jobs</th><th>CPU-h</th><th>GPU-h</th><th>Charged</th><th>Budget</th><th>Saved by cache</th></tr></thead><tbody>${rows}</tbody></table></div></section>`;
}
