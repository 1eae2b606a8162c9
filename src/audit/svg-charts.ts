/**
 * Inline SVG charts for the audit report: the reliability plot, the monitoring overview
 * strip (volume, decisions, registry events per window) and the drift small multiples.
 * Pure string builders; every data string is escaped. Nulls are gaps, never zeros.
 */
import { esc, finite, fmtFixed, fmtInt, fmtNum, fmtPct, r1, timeOf, truncEnd } from './html-util.js';
import { THEME, actionColor, transitionColor } from './html-theme.js';
import type { DecisionEntry, ModelAudit, TimelinePoint, TransitionEntry } from './report-types.js';

type Validation = NonNullable<ModelAudit['validation']>;

// ---------------------------------------------------------------------------------------
// Scales and ticks

interface Scale {
  lo: number;
  hi: number;
  ticks: number[];
  step: number;
}

function niceStep(range: number, count: number): number {
  const raw = range / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

function niceScale(lo: number, hi: number, count = 4): Scale {
  // A range within rounding of its magnitude (0.9999999999999998 to 1) is one value: a step
  // that small cannot move the tick loop below off its start (v + step === v).
  if (!(hi - lo > 1e-9 * Math.max(Math.abs(lo), Math.abs(hi)))) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 0.1;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(hi - lo, count);
  const nlo = Math.floor(lo / step + 1e-9) * step;
  const nhi = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = nlo; v <= nhi + step * 1e-6; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return { lo: nlo, hi: nhi, ticks, step };
}

function decimalsFor(step: number): number {
  return Math.max(0, Math.min(4, -Math.floor(Math.log10(step) + 1e-9)));
}

/** Evenly spaced window positions; one window sits in the middle. */
function xPositions(n: number, x0: number, x1: number): number[] {
  if (n <= 0) return [];
  if (n === 1) return [(x0 + x1) / 2];
  return Array.from({ length: n }, (_, i) => x0 + (i * (x1 - x0)) / (n - 1));
}

/** Indices to label on a window axis: at most `max`, always the first, the last when it fits. */
function sparseTicks(n: number, max: number): number[] {
  if (n <= 0) return [];
  const m = Math.max(1, Math.floor(max));
  if (n <= m) return Array.from({ length: n }, (_, i) => i);
  const step = Math.ceil((n - 1) / (m - 1));
  const idx: number[] = [];
  for (let i = 0; i < n; i += step) idx.push(i);
  const last = idx[idx.length - 1]!;
  if (last !== n - 1) {
    if (n - 1 - last >= step * 0.6) idx.push(n - 1);
    else idx[idx.length - 1] = n - 1;
  }
  return idx;
}

function windowAxisTitle(windowKind: string): string {
  const k = String(windowKind ?? '').toLowerCase();
  if (k.startsWith('week')) return 'Monitoring window (ISO week)';
  if (k.startsWith('request') || k.startsWith('batch')) return 'Monitoring window (request batch)';
  return `Monitoring window${k ? ` (${esc(windowKind)})` : ''}`;
}

// ---------------------------------------------------------------------------------------
// Reliability plot

/** Expected vs observed coverage with the diagonal, and the conformal coverage at its nominal levels. */
export function reliabilitySvg(v: Validation, uid: string): string {
  const W = 380,
    H = 340;
  const L = 56,
    R = 14,
    T = 14,
    B = 50;
  const pw = W - L - R,
    ph = H - T - B;
  const sx = (x: number) => L + Math.max(0, Math.min(1, x)) * pw;
  const sy = (y: number) => T + ph - Math.max(0, Math.min(1, y)) * ph;
  const rel = (v.reliability ?? [])
    .map((p) => ({ e: finite(p?.expected), o: finite(p?.observed) }))
    .filter((p): p is { e: number; o: number } => p.e !== null && p.o !== null)
    .sort((a, b) => a.e - b.e);
  const conf = (v.conformal ?? [])
    .map((c) => ({ l: finite(c?.level), c: finite(c?.coverage), w: finite(c?.meanWidth) }))
    .filter((c): c is { l: number; c: number; w: number | null } => c.l !== null && c.c !== null);
  const out: string[] = [];
  out.push(
    `<svg class="chart reliability" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-labelledby="${uid}-t" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="${uid}-t">Reliability plot: expected versus observed coverage of the prediction intervals</title>`,
    `<rect x="${L}" y="${T}" width="${pw}" height="${ph}" fill="#fff" stroke="${THEME.border}"/>`,
  );
  for (let i = 0; i <= 5; i++) {
    const t = i / 5;
    out.push(
      `<line x1="${r1(sx(t))}" y1="${T}" x2="${r1(sx(t))}" y2="${T + ph}" class="grid"/>`,
      `<line x1="${L}" y1="${r1(sy(t))}" x2="${L + pw}" y2="${r1(sy(t))}" class="grid"/>`,
      `<text x="${r1(sx(t))}" y="${T + ph + 15}" text-anchor="middle" class="tick">${fmtPct(t)}</text>`,
      `<text x="${L - 6}" y="${r1(sy(t) + 4)}" text-anchor="end" class="tick">${fmtPct(t)}</text>`,
    );
  }
  out.push(
    `<line x1="${sx(0)}" y1="${sy(0)}" x2="${sx(1)}" y2="${sy(1)}" stroke="${THEME.faint}" stroke-dasharray="5 4" stroke-width="1.2"><title>Perfect calibration</title></line>`,
    `<text x="${L + pw / 2}" y="${H - 10}" text-anchor="middle" class="axis-title">Expected (nominal) coverage</text>`,
    `<text transform="translate(14 ${T + ph / 2}) rotate(-90)" text-anchor="middle" class="axis-title">Observed coverage on test set</text>`,
  );
  if (rel.length) {
    const pts = rel.map((p) => `${r1(sx(p.e))},${r1(sy(p.o))}`).join(' ');
    out.push(`<polyline points="${pts}" fill="none" stroke="${THEME.series}" stroke-width="2"/>`);
    for (const p of rel)
      out.push(
        `<circle cx="${r1(sx(p.e))}" cy="${r1(sy(p.o))}" r="3" fill="${THEME.series}"><title>Gaussian intervals: expected ${fmtPct(p.e, 1)}, observed ${fmtPct(p.o, 1)}</title></circle>`,
      );
  }
  for (const c of conf) {
    const x = sx(c.l),
      y = sy(c.c),
      s = 5.5;
    out.push(
      `<path d="M${r1(x)},${r1(y - s)} L${r1(x + s)},${r1(y)} L${r1(x)},${r1(y + s)} L${r1(x - s)},${r1(y)} z" fill="#c76a12" stroke="#fff" stroke-width="1"><title>Conformal ${fmtPct(c.l, 1)} interval: observed coverage ${fmtPct(c.c, 1)}${c.w !== null ? `, mean width ${fmtNum(c.w)}` : ''}</title></path>`,
    );
  }
  if (!rel.length && !conf.length) out.push(`<text x="${L + pw / 2}" y="${T + ph / 2}" text-anchor="middle" class="empty-note">No calibration data</text>`);
  out.push('</svg>');
  return out.join('');
}

// ---------------------------------------------------------------------------------------
// Monitoring timelines

export interface DriftMetric {
  key: keyof TimelinePoint & string;
  title: string;
  unit: string;
  /** 'pvalue': a calibrated test's p, drawn as evidence −log₁₀ p (up = stronger), labelled as p. */
  kind: 'share' | 'coverage' | 'ratio' | 'psi' | 'signed' | 'pvalue';
}

/** Where a value sits on the chart's y axis: p-values as −log₁₀ p (p below 1e-10 draws at 10). */
function plotted(metric: DriftMetric, v: number): number {
  return metric.kind === 'pvalue' ? -Math.log10(Math.max(v, 1e-10)) : v;
}

export const DRIFT_METRICS: DriftMetric[] = [
  { key: 'maxPsi', title: 'Max descriptor PSI', unit: 'PSI', kind: 'psi' },
  { key: 'unseenScaffoldShare', title: 'Unseen-scaffold share', unit: '% of inputs', kind: 'share' },
  { key: 'lowSimilarityShare', title: 'Low-similarity share', unit: '% of inputs', kind: 'share' },
  { key: 'predictionShiftSd', title: 'Prediction shift', unit: 'SD of reference', kind: 'signed' },
  { key: 'widthRatio', title: 'Interval-width ratio', unit: '× reference', kind: 'ratio' },
  { key: 'maeRatio', title: 'MAE ratio (labelled)', unit: '× validation MAE', kind: 'ratio' },
  { key: 'coverage', title: 'Interval coverage (labelled)', unit: '% covered', kind: 'coverage' },
  { key: 'medianReferenceShift', title: 'Median reference-compound shift', unit: 'label units', kind: 'signed' },
  // The calibrated tests the default policy reads (p against the model's own baseline; up = stronger evidence).
  { key: 'lowSimilarityP', title: 'Far compounds vs baseline (binomial p)', unit: 'p, log scale', kind: 'pvalue' },
  { key: 'novelClusterP', title: 'Novel cluster (permutation p)', unit: 'p, log scale', kind: 'pvalue' },
  { key: 'newScaffoldPairsP', title: 'New-scaffold pairs (permutation p)', unit: 'p, log scale', kind: 'pvalue' },
  { key: 'trainingNovelPairsP', title: 'Novel pairs, training pool (permutation p)', unit: 'p, log scale', kind: 'pvalue' },
  { key: 'chemistryShiftP', title: 'Chemistry MMD (permutation p)', unit: 'p, log scale', kind: 'pvalue' },
  { key: 'shiftPValue', title: 'Assay shift, paired references (p)', unit: 'p, log scale', kind: 'pvalue' },
];

type Timeline = { model: string; asOf: string; windowKind: string; points: TimelinePoint[] };

/** Per-window context shared by the strip and the small multiples. */
export interface TimelineContext {
  n: number;
  labels: string[];
  /** Contiguous runs of one model version: [first index, last index]. */
  runs: Array<{ version: string; from: number; to: number }>;
  /** Decision per window index (latest for that window), if any. */
  decisions: Array<DecisionEntry | null>;
  /** Registry transitions placed on a window index. */
  transitions: Array<{ index: number; t: TransitionEntry }>;
  windowKind: string;
}

export function timelineContext(tl: Timeline, decisions: DecisionEntry[], transitions: TransitionEntry[]): TimelineContext {
  const pts = tl.points ?? [];
  const n = pts.length;
  const labels = pts.map((p) => String(p?.window ?? ''));
  const runs: TimelineContext['runs'] = [];
  pts.forEach((p, i) => {
    const last = runs[runs.length - 1];
    if (last && last.version === p.version) last.to = i;
    else runs.push({ version: String(p.version ?? ''), from: i, to: i });
  });
  const byWindow = new Map<string, DecisionEntry>();
  const mine = decisions.filter((d) => d && d.model === tl.model).sort((a, b) => String(a.at).localeCompare(String(b.at)));
  for (const d of mine) byWindow.set(String(d.window), d);
  const dec = labels.map((w) => byWindow.get(w) ?? null);

  // A transition goes on the first window whose end is at or after it, if it falls inside
  // the monitored span (a week window starts 7 days before its end).
  const ends = pts.map((p) => timeOf(p.end));
  const placed: TimelineContext['transitions'] = [];
  const firstEnd = ends.find((e) => e !== null) ?? null;
  const lastEnd = [...ends].reverse().find((e) => e !== null) ?? null;
  const span = String(tl.windowKind).toLowerCase().startsWith('week') ? 7 * 86400000 : 0;
  for (const t of [...transitions].filter((t) => t && t.model === tl.model).sort((a, b) => a.seq - b.seq)) {
    const at = timeOf(t.at);
    if (at === null || firstEnd === null || lastEnd === null) continue;
    if (at < firstEnd - span || at > lastEnd) continue;
    const index = ends.findIndex((e) => e !== null && e >= at);
    if (index >= 0) placed.push({ index, t });
  }
  return { n, labels, runs, decisions: dec, transitions: placed, windowKind: tl.windowKind };
}

function bandEdges(xs: number[], from: number, to: number, x0: number, x1: number): [number, number] {
  const n = xs.length;
  if (n === 1) return [x0, x1];
  const half = (xs[1]! - xs[0]!) / 2;
  return [Math.max(x0, xs[from]! - half), Math.min(x1, xs[to]! + half)];
}

/** Version bands (every other run shaded) and dashed boundaries where the version changes. */
function versionBands(ctx: TimelineContext, xs: number[], x0: number, x1: number, y0: number, y1: number): string {
  const out: string[] = [];
  ctx.runs.forEach((run, k) => {
    const [a, b] = bandEdges(xs, run.from, run.to, x0, x1);
    if (k % 2 === 1) out.push(`<rect x="${r1(a)}" y="${r1(y0)}" width="${r1(Math.max(0, b - a))}" height="${r1(y1 - y0)}" fill="#eef2f7"/>`);
    if (k > 0) out.push(`<line x1="${r1(a)}" y1="${r1(y0)}" x2="${r1(a)}" y2="${r1(y1)}" stroke="#7b8794" stroke-width="1" stroke-dasharray="2 3"/>`);
  });
  return out.join('');
}

/**
 * Decision markers: every window where the policy did not simply continue gets a faint
 * band in the action's colour, and each run of one action starts with a solid line;
 * registry transitions are dashed lines.
 */
function eventMarkers(ctx: TimelineContext, xs: number[], x0: number, x1: number, y0: number, y1: number): string {
  const out: string[] = [];
  const half = ctx.n > 1 ? (xs[1]! - xs[0]!) / 2 : (x1 - x0) / 2;
  ctx.decisions.forEach((d, i) => {
    if (!d || d.action === 'continue') return;
    const a = Math.max(x0, xs[i]! - half),
      b = Math.min(x1, xs[i]! + half);
    const color = actionColor(d.action);
    out.push(
      `<rect x="${r1(a)}" y="${r1(y0)}" width="${r1(Math.max(0.5, b - a))}" height="${r1(y1 - y0)}" fill="${color}" fill-opacity="0.12"><title>${esc(d.window)}: ${esc(d.action)}</title></rect>`,
    );
    const prev = i > 0 ? ctx.decisions[i - 1] : null;
    if (!prev || prev.action !== d.action)
      out.push(`<line x1="${r1(a)}" y1="${r1(y0)}" x2="${r1(a)}" y2="${r1(y1)}" stroke="${color}" stroke-width="1.5" stroke-opacity="0.85"/>`);
  });
  for (const { index, t } of ctx.transitions) {
    out.push(
      `<line x1="${r1(xs[index]!)}" y1="${r1(y0)}" x2="${r1(xs[index]!)}" y2="${r1(y1)}" stroke="${transitionColor(t.kind)}" stroke-width="1.4" stroke-dasharray="4 3"><title>${esc(t.kind)}${t.version ? ` ${esc(t.version)}` : ''}</title></line>`,
    );
  }
  return out.join('');
}

/** Window labels under an axis; the first and last are kept inside [minX, maxX]. */
function windowAxis(ctx: TimelineContext, xs: number[], y: number, maxTicks: number, minX: number, maxX: number): string {
  const out: string[] = [];
  for (const i of sparseTicks(ctx.n, maxTicks)) {
    const x = xs[i]!;
    const label = truncEnd(ctx.labels[i]!, 12);
    const w = [...label].length * 10.5 * 0.6;
    let anchor = 'middle',
      tx = x;
    if (x - w / 2 < minX) {
      anchor = 'start';
      tx = Math.max(minX, x - 4);
    } else if (x + w / 2 > maxX) {
      anchor = 'end';
      tx = Math.min(maxX, x + 4);
    }
    out.push(`<line x1="${r1(x)}" y1="${r1(y)}" x2="${r1(x)}" y2="${r1(y + 4)}" stroke="${THEME.faint}"/>`);
    out.push(`<text x="${r1(tx)}" y="${r1(y + 15)}" text-anchor="${anchor}" class="tick">${esc(label)}</text>`);
  }
  return out.join('');
}

/**
 * One row per monitored model: version bands, predictions per window, the decision in
 * each window (cells coloured by action) and registry transitions with labels.
 */
export function overviewStripSvg(tl: Timeline, ctx: TimelineContext, uid: string): string {
  const W = 1120,
    gutter = 92,
    x0 = gutter + 10,
    x1 = W - 10;
  const xs = xPositions(ctx.n, x0 + 4, x1 - 4);
  const spacing = ctx.n > 1 ? xs[1]! - xs[0]! : x1 - x0;
  const laneVersion = { y: 2, h: 18 };
  const laneVol = { y: 24, h: 52 };
  const laneDec = { y: 84, h: 16 };
  const laneReg = { y: 116 };

  // Registry labels: greedy rows so none overlap.
  const labelRows: number[] = [];
  const labelsOut: string[] = [];
  const charW = 6.3;
  for (const { index, t } of ctx.transitions) {
    const text = `${String(t.kind).replace(/_/g, ' ')}${t.version ? ` ${t.version}` : ''}`;
    const shown = truncEnd(text, 34);
    const w = [...shown].length * charW;
    const x = xs[index]!;
    const anchorEnd = x + w > x1;
    const a = anchorEnd ? x - w : x - 3;
    let row = labelRows.findIndex((endX) => a > endX + 8);
    if (row < 0) {
      row = labelRows.length;
      labelRows.push(-Infinity);
    }
    labelRows[row] = a + w;
    labelsOut.push(
      `<text x="${r1(anchorEnd ? x + 3 : x - 3)}" y="${r1(laneReg.y + 20 + row * 14)}" text-anchor="${anchorEnd ? 'end' : 'start'}" class="reg-label" style="fill:${transitionColor(t.kind)}">${esc(shown)}</text>`,
    );
  }
  const regRows = Math.max(1, labelRows.length);
  const regBottom = laneReg.y + 20 + (regRows - 1) * 14 + 6;
  const axisY = regBottom + 6;
  const H = axisY + 36;

  const out: string[] = [];
  out.push(
    `<svg class="chart strip" viewBox="0 0 ${W} ${r1(H)}" width="${W}" height="${r1(H)}" role="img" aria-labelledby="${uid}-t" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="${uid}-t">Monitoring overview for ${esc(tl.model)}: predictions, decisions and registry events per window</title>`,
    versionBands(ctx, xs, x0, x1, laneVersion.y, axisY),
  );
  // Version labels in the top lane.
  for (const run of ctx.runs) {
    const [a, b] = bandEdges(xs, run.from, run.to, x0, x1);
    const maxChars = Math.floor((b - a - 8) / 6.6);
    if (maxChars >= 3)
      out.push(`<text x="${r1((a + b) / 2)}" y="${laneVersion.y + 13}" text-anchor="middle" class="band-label">${esc(truncEnd(run.version, maxChars))}</text>`);
  }
  // Lane labels.
  out.push(
    `<text x="${gutter}" y="${laneVersion.y + 13}" text-anchor="end" class="lane-label">Version</text>`,
    `<text x="${gutter}" y="${laneVol.y + laneVol.h / 2 + 4}" text-anchor="end" class="lane-label">Predictions</text>`,
    `<text x="${gutter}" y="${laneDec.y + 12}" text-anchor="end" class="lane-label">Decision</text>`,
    `<text x="${gutter}" y="${laneReg.y + 4}" text-anchor="end" class="lane-label">Registry</text>`,
  );
  // Volume bars.
  const vols = (tl.points ?? []).map((p) => finite(p.predictions));
  const vmax = Math.max(0, ...vols.map((v) => v ?? 0));
  const barW = Math.max(1.5, Math.min(22, spacing * 0.7));
  out.push(`<line x1="${x0}" y1="${laneVol.y + laneVol.h}" x2="${x1}" y2="${laneVol.y + laneVol.h}" stroke="${THEME.border}"/>`);
  vols.forEach((v, i) => {
    if (v === null || v <= 0 || vmax <= 0) return;
    const h = Math.max(1, (v / vmax) * laneVol.h);
    out.push(
      `<rect x="${r1(xs[i]! - barW / 2)}" y="${r1(laneVol.y + laneVol.h - h)}" width="${r1(barW)}" height="${r1(h)}" fill="#9fb3c8"><title>${esc(ctx.labels[i])}: ${fmtInt(v)} predictions</title></rect>`,
    );
  });
  if (vmax > 0) out.push(`<text x="${gutter}" y="${laneVol.y + laneVol.h / 2 + 18}" text-anchor="end" class="tick">max ${fmtInt(vmax)}</text>`);
  // Decision cells.
  const cellW = Math.max(1.5, Math.min(22, spacing * 0.86));
  ctx.decisions.forEach((d, i) => {
    const fill = d ? (d.action === 'continue' ? '#d9dfe6' : actionColor(d.action)) : 'none';
    const stroke = d ? 'none' : THEME.border;
    out.push(
      `<rect x="${r1(xs[i]! - cellW / 2)}" y="${laneDec.y}" width="${r1(cellW)}" height="${laneDec.h}" fill="${fill}" stroke="${stroke}" stroke-dasharray="${d ? '' : '2 2'}"><title>${esc(ctx.labels[i])}: ${d ? esc(d.action) + (d.retrainDeferred ? ' (retrain deferred)' : '') : 'no decision recorded'}</title></rect>`,
    );
    if (d?.retrainDeferred) out.push(`<circle cx="${r1(xs[i]!)}" cy="${laneDec.y + laneDec.h / 2}" r="2.2" fill="#fff"/>`);
  });
  // Registry diamonds and labels.
  // Diamonds on the same window sit side by side, centred on it.
  const perIndex = new Map<number, number>();
  for (const { index } of ctx.transitions) perIndex.set(index, (perIndex.get(index) ?? 0) + 1);
  const seen = new Map<number, number>();
  for (const { index, t } of ctx.transitions) {
    const k = perIndex.get(index)!,
      j = seen.get(index) ?? 0;
    seen.set(index, j + 1);
    const x = xs[index]! + (j - (k - 1) / 2) * 9,
      y = laneReg.y,
      s = 5;
    out.push(
      `<path d="M${r1(x)},${y - s} L${r1(x + s)},${y} L${r1(x)},${y + s} L${r1(x - s)},${y} z" fill="${transitionColor(t.kind)}"><title>${esc(t.at)} ${esc(t.kind)}${t.version ? ` ${esc(t.version)}` : ''} by ${esc(t.actor)}: ${esc(t.reason)}</title></path>`,
    );
  }
  out.push(...labelsOut);
  if (!ctx.transitions.length) out.push(`<text x="${x0 + 2}" y="${laneReg.y + 4}" class="empty-note">none in this period</text>`);
  out.push(`<line x1="${x0}" y1="${r1(axisY)}" x2="${x1}" y2="${r1(axisY)}" stroke="${THEME.border}"/>`);
  out.push(windowAxis(ctx, xs, axisY, (x1 - x0) / 78, x0 - 6, W));
  out.push(`<text x="${r1((x0 + x1) / 2)}" y="${r1(H - 3)}" text-anchor="middle" class="axis-title">${windowAxisTitle(ctx.windowKind)}</text>`);
  out.push('</svg>');
  return out.join('');
}

function yDomain(metric: DriftMetric, values: number[]): Scale {
  let lo = Math.min(...values),
    hi = Math.max(...values);
  switch (metric.kind) {
    case 'share':
      lo = 0;
      hi = Math.min(1, Math.max(hi * 1.1, 0.1));
      break;
    case 'coverage':
      lo = Math.min(lo, 0.5);
      hi = 1;
      break;
    case 'psi':
      lo = 0;
      hi = Math.max(hi * 1.1, 0.3);
      break;
    case 'pvalue':
      lo = 0;
      hi = Math.max(hi * 1.1, 3.5);
      break;
    case 'ratio':
      lo = Math.min(lo, 1);
      hi = Math.max(hi, 1);
      {
        const pad = (hi - lo) * 0.1 || 0.1;
        lo = Math.max(0, lo - pad);
        hi += pad;
      }
      break;
    case 'signed':
      lo = Math.min(lo, 0);
      hi = Math.max(hi, 0);
      {
        const pad = (hi - lo) * 0.1 || 0.1;
        lo -= pad;
        hi += pad;
      }
      break;
  }
  const s = niceScale(lo, hi, 4);
  if (metric.kind === 'share' || metric.kind === 'coverage') {
    s.lo = Math.max(0, s.lo);
    s.hi = Math.min(1, s.hi);
    s.ticks = s.ticks.filter((t) => t >= s.lo - 1e-9 && t <= s.hi + 1e-9);
  }
  return s;
}

function fmtMetric(metric: DriftMetric, v: number | null, step?: number): string {
  if (v === null) return '—';
  if (metric.kind === 'pvalue') {
    const p = 10 ** -v;
    return p >= 0.01 ? String(Number(p.toPrecision(2))) : p.toExponential(0).replace('e-', 'e−');
  }
  if (metric.kind === 'share' || metric.kind === 'coverage') return fmtPct(v, step !== undefined && step < 0.01 ? 1 : 0);
  if (step !== undefined) return fmtFixed(v, decimalsFor(step)).replace(/^-/, '−');
  if (metric.kind === 'ratio') return `${fmtFixed(v, 2)}×`;
  return String(Number(v.toPrecision(3))).replace(/^-/, '−');
}

function referenceLines(metric: DriftMetric): Array<{ v: number; label: string }> {
  if (metric.kind === 'ratio') return [{ v: 1, label: '1×' }];
  if (metric.kind === 'signed') return [{ v: 0, label: '' }];
  if (metric.kind === 'psi') return [{ v: 0.25, label: '0.25' }];
  return [];
}

/** A policy threshold drawn on a drift chart: the value a rule compares the metric with. */
export interface ChartThreshold {
  value: number;
  /** The rule and its action, e.g. "performance_decay → retrain". */
  label: string;
  action: string;
}

/**
 * One small-multiple line chart of a drift metric over the windows. `thresholds` (the
 * policy's, agreed in advance) are drawn as lines in the rule's action colour; the y range
 * stretches to include them, so a reader sees how far the metric is from firing.
 */
export function driftChartSvg(tl: Timeline, ctx: TimelineContext, metric: DriftMetric, uid: string, thresholds: readonly ChartThreshold[] = []): string {
  const W = 552,
    H = 196;
  const L = 50,
    R = 12,
    T = 30,
    B = 42;
  const x0 = L,
    x1 = W - R,
    y0 = T,
    y1 = H - B;
  const xs = xPositions(ctx.n, x0 + 6, x1 - 6);
  const vals = (tl.points ?? []).map((p) => {
    const v = finite(p?.[metric.key]);
    return v === null ? null : plotted(metric, v);
  });
  const present = vals.filter((v): v is number => v !== null);
  const out: string[] = [];
  const latestIdx = (() => {
    for (let i = vals.length - 1; i >= 0; i--) if (vals[i] !== null) return i;
    return -1;
  })();
  out.push(
    `<svg class="chart drift" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-labelledby="${uid}-t" xmlns="http://www.w3.org/2000/svg" data-metric="${esc(metric.key)}">`,
    `<title id="${uid}-t">${esc(metric.title)} (${esc(metric.unit)}) per window for ${esc(tl.model)}</title>`,
    `<text x="0" y="14" class="chart-title">${esc(metric.title)}</text>`,
    latestIdx >= 0
      ? `<text x="${W - R}" y="14" text-anchor="end" class="chart-note">latest ${esc(fmtMetric(metric, vals[latestIdx]!))} (${esc(ctx.labels[latestIdx])})</text>`
      : '',
    `<rect x="${x0}" y="${y0}" width="${x1 - x0}" height="${y1 - y0}" fill="#fff" stroke="${THEME.border}"/>`,
    versionBands(ctx, xs, x0, x1, y0, y1),
  );
  if (!present.length) {
    out.push(eventMarkers(ctx, xs, x0, x1, y0, y1));
    out.push(`<text x="${(x0 + x1) / 2}" y="${(y0 + y1) / 2 + 4}" text-anchor="middle" class="empty-note">Not measured in any window</text>`);
  } else {
    const sc = yDomain(metric, [...present, ...thresholds.map((t) => plotted(metric, t.value))]);
    const sy = (v: number) => y1 - ((v - sc.lo) / (sc.hi - sc.lo)) * (y1 - y0);
    for (const t of sc.ticks) {
      const y = sy(t);
      out.push(
        `<line x1="${x0}" y1="${r1(y)}" x2="${x1}" y2="${r1(y)}" class="grid"/>`,
        `<text x="${x0 - 5}" y="${r1(y + 3.5)}" text-anchor="end" class="tick">${esc(fmtMetric(metric, t, sc.step))}</text>`,
      );
    }
    for (const ref of referenceLines(metric)) {
      if (ref.v < sc.lo || ref.v > sc.hi) continue;
      const y = sy(ref.v);
      out.push(`<line x1="${x0}" y1="${r1(y)}" x2="${x1}" y2="${r1(y)}" stroke="#6b7785" stroke-width="1" stroke-dasharray="6 3"/>`);
    }
    for (const t of thresholds) {
      const at = plotted(metric, t.value);
      if (at < sc.lo || at > sc.hi) continue;
      const y = sy(at);
      const color = actionColor(t.action);
      out.push(
        `<line x1="${x0}" y1="${r1(y)}" x2="${x1}" y2="${r1(y)}" stroke="${color}" stroke-width="1.4" stroke-dasharray="8 3" class="threshold" data-threshold="${esc(t.value)}"><title>${esc(t.label)}: ${esc(fmtMetric(metric, at))}</title></line>`,
        `<text x="${x1 - 4}" y="${r1(y - 4)}" text-anchor="end" class="chart-note" fill="${color}">${esc(truncEnd(t.label, 40))} ${esc(fmtMetric(metric, at))}</text>`,
      );
    }
    out.push(eventMarkers(ctx, xs, x0, x1, y0, y1));
    // Segments of consecutive non-null values; nulls break the line.
    let seg: string[] = [];
    const segs: string[][] = [];
    vals.forEach((v, i) => {
      if (v === null) {
        if (seg.length) segs.push(seg);
        seg = [];
      } else seg.push(`${r1(xs[i]!)},${r1(sy(v))}`);
    });
    if (seg.length) segs.push(seg);
    for (const s of segs)
      if (s.length > 1) out.push(`<polyline points="${s.join(' ')}" fill="none" stroke="${THEME.series}" stroke-width="1.8" stroke-linejoin="round"/>`);
    const dots = ctx.n <= 60;
    vals.forEach((v, i) => {
      if (v === null) return;
      const isolated = (i === 0 || vals[i - 1] === null) && (i === vals.length - 1 || vals[i + 1] === null);
      if (!dots && !isolated) return;
      out.push(
        `<circle cx="${r1(xs[i]!)}" cy="${r1(sy(v))}" r="${isolated ? 2.8 : 1.9}" fill="${THEME.series}"><title>${esc(ctx.labels[i])}: ${esc(fmtMetric(metric, v))}</title></circle>`,
      );
    });
    // Missing windows: a small hollow tick on the baseline, so a gap reads as "not measured".
    vals.forEach((v, i) => {
      if (v !== null) return;
      out.push(
        `<line x1="${r1(xs[i]!)}" y1="${r1(y1 - 4)}" x2="${r1(xs[i]!)}" y2="${r1(y1)}" stroke="#b3bcc6" stroke-width="1.2"><title>${esc(ctx.labels[i])}: not measured</title></line>`,
      );
    });
  }
  out.push(windowAxis(ctx, xs, y1, (x1 - x0) / 74, 22, W));
  out.push(`<text transform="translate(11 ${(y0 + y1) / 2}) rotate(-90)" text-anchor="middle" class="axis-title">${esc(metric.unit)}</text>`);
  out.push(`<text x="${(x0 + x1) / 2}" y="${H - 4}" text-anchor="middle" class="axis-title">${windowAxisTitle(ctx.windowKind)}</text>`);
  out.push('</svg>');
  return out.join('');
}
