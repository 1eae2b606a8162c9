/**
 * The lineage graph of one model version as an inline SVG: columns left → right by node
 * kind (source → protocol → snapshot → features/recipe → build → version → predictions),
 * boxes with a label and a detail line, curved arrows between them. Columns with many
 * nodes (up to ~20 sources) stack vertically with smaller boxes.
 */
import { esc, r1, truncEnd, truncMiddle } from './html-util.js';
import type { LineageNode, ModelAudit } from './report-types.js';

const COLUMNS: Array<{ kinds: string[]; title: string }> = [
  { kinds: ['source'], title: 'Sources' },
  { kinds: ['protocol'], title: 'Protocols' },
  { kinds: ['snapshot'], title: 'Snapshot' },
  { kinds: ['features', 'recipe'], title: 'Features & recipe' },
  { kinds: ['build'], title: 'Build' },
  { kinds: ['version'], title: 'Model version' },
  { kinds: ['predictions'], title: 'Predictions' },
];

const KIND_STYLE: Record<string, { fill: string; stroke: string }> = {
  source: { fill: '#f3f5f8', stroke: '#667487' },
  protocol: { fill: '#e6f3f1', stroke: '#2c7a73' },
  snapshot: { fill: '#e7eef9', stroke: '#2a62b8' },
  features: { fill: '#efebf8', stroke: '#6a4fb0' },
  recipe: { fill: '#efebf8', stroke: '#6a4fb0' },
  build: { fill: '#fbf1e1', stroke: '#a8650a' },
  version: { fill: '#dff1e6', stroke: '#23744a' },
  predictions: { fill: '#f3f5f8', stroke: '#4d5967' },
};

function columnOf(kind: string): number {
  const i = COLUMNS.findIndex((c) => c.kinds.includes(kind));
  return i < 0 ? 3 : i;
}

interface Placed {
  node: LineageNode;
  col: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** `uid` must be unique within the page (marker ids). */
export function lineageSvg(lineage: ModelAudit['lineage'], uid: string): string {
  const nodes = (lineage?.nodes ?? []).filter((n) => n && typeof n.id === 'string');
  if (!nodes.length) return '';
  const byId = new Map<string, LineageNode>();
  for (const n of nodes) if (!byId.has(n.id)) byId.set(n.id, n);
  const edges = (lineage?.edges ?? []).filter((e) => e && byId.has(e.from) && byId.has(e.to) && e.from !== e.to);

  // Columns actually used, in order.
  const rawCols = new Map<number, LineageNode[]>();
  for (const n of byId.values()) {
    const c = columnOf(n.kind);
    if (!rawCols.has(c)) rawCols.set(c, []);
    rawCols.get(c)!.push(n);
  }
  const used = [...rawCols.keys()].sort((a, b) => a - b);

  // Order each column by the mean position of its predecessors (one left → right sweep)
  // so arrows cross as little as a simple layout allows.
  const order = new Map<string, number>();
  const preds = new Map<string, string[]>();
  for (const e of edges) {
    if (!preds.has(e.to)) preds.set(e.to, []);
    preds.get(e.to)!.push(e.from);
  }
  const columns: LineageNode[][] = [];
  for (const c of used) {
    const list = rawCols.get(c)!.map((n, i) => ({ n, i }));
    list.sort((a, b) => {
      const ka = bary(a.n.id),
        kb = bary(b.n.id);
      if (ka !== kb) return ka - kb;
      if (a.n.kind !== b.n.kind) return a.n.kind === 'features' ? -1 : b.n.kind === 'features' ? 1 : 0;
      return a.i - b.i;
    });
    list.forEach((x, i) => order.set(x.n.id, i));
    columns.push(list.map((x) => x.n));
  }
  function bary(id: string): number {
    const ps = (preds.get(id) ?? []).map((p) => order.get(p)).filter((v): v is number => v !== undefined);
    return ps.length ? ps.reduce((a, b) => a + b, 0) / ps.length : Number.POSITIVE_INFINITY;
  }

  const maxPerCol = Math.max(...columns.map((c) => c.length));
  const compact = maxPerCol > 8;
  const boxH = compact ? 34 : 42;
  const gapY = compact ? 6 : 14;
  // Column widths from their longest label / detail (estimated conservatively for wide
  // fonts), then squeezed to fit MAX_WIDTH: gaps first, then the widest columns.
  const LABEL_CH = 11.5 * 0.64,
    DETAIL_CH = 10 * 0.61,
    INNER = 16;
  const need = (n: LineageNode) => Math.max([...String(n.label ?? '')].length * LABEL_CH, [...String(n.detail ?? '')].length * DETAIL_CH) + INNER;
  const colW = columns.map((col) => Math.max(96, Math.min(220, Math.max(...col.map(need)))));
  const padX = 4;
  const MAX_WIDTH = 1120;
  let gapX = used.length > 5 ? 30 : 56;
  const sumW = () => colW.reduce((a, b) => a + b, 0);
  const total = () => padX * 2 + sumW() + (used.length - 1) * gapX;
  if (total() > MAX_WIDTH) gapX = Math.max(20, (MAX_WIDTH - padX * 2 - sumW()) / Math.max(1, used.length - 1));
  while (total() > MAX_WIDTH + 0.5) {
    const widest = Math.max(...colW);
    const next = Math.max(...colW.filter((w) => w < widest - 0.5), 80);
    const excess = total() - MAX_WIDTH;
    const count = colW.filter((w) => w >= widest - 0.5).length;
    const cut = Math.min(widest - next, excess / count);
    if (cut <= 0.01) break;
    for (let i = 0; i < colW.length; i++) if (colW[i]! >= widest - 0.5) colW[i] = widest - cut;
  }
  const colX: number[] = [];
  colW.forEach((_, i) => colX.push(i === 0 ? padX : colX[i - 1]! + colW[i - 1]! + gapX));
  const headerH = 26;
  const colH = (n: number) => n * boxH + (n - 1) * gapY;
  const innerH = colH(maxPerCol);
  const width = total();
  const height = headerH + innerH + 12;

  const placed = new Map<string, Placed>();
  columns.forEach((col, ci) => {
    const y0 = headerH + (innerH - colH(col.length)) / 2;
    col.forEach((n, i) => placed.set(n.id, { node: n, col: ci, x: colX[ci]!, y: y0 + i * (boxH + gapY), w: colW[ci]!, h: boxH }));
  });

  const out: string[] = [];
  out.push(
    `<svg class="chart lineage" viewBox="0 0 ${r1(width)} ${r1(height)}" width="${r1(width)}" height="${r1(height)}" role="img" aria-labelledby="${uid}-t" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="${uid}-t">Lineage graph: ${esc(nodes.length)} nodes, ${esc(edges.length)} links, from data sources to predictions</title>`,
    `<defs><marker id="${uid}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,1 L9,5 L0,9 z" fill="#7b8794"/></marker></defs>`,
  );
  // Column headers.
  columns.forEach((_, ci) => {
    const x = colX[ci]! + colW[ci]! / 2;
    out.push(`<text x="${r1(x)}" y="14" text-anchor="middle" class="lin-col">${esc(COLUMNS[used[ci]!]!.title)}</text>`);
  });
  // Edges first, under the boxes.
  const showEdgeLabels = edges.length <= 12;
  for (const e of edges) {
    const a = placed.get(e.from)!,
      b = placed.get(e.to)!;
    let d: string;
    let mx: number, my: number;
    if (b.col > a.col) {
      const x1 = a.x + a.w,
        y1 = a.y + a.h / 2,
        x2 = b.x - 1,
        y2 = b.y + b.h / 2;
      const dx = Math.max(18, (x2 - x1) * 0.5);
      d = `M${r1(x1)},${r1(y1)} C${r1(x1 + dx)},${r1(y1)} ${r1(x2 - dx)},${r1(y2)} ${r1(x2)},${r1(y2)}`;
      mx = (x1 + x2) / 2;
      my = (y1 + y2) / 2;
    } else if (b.col === a.col) {
      // Same column (e.g. features → recipe): a loop on the right side.
      const x1 = a.x + a.w,
        y1 = a.y + a.h / 2,
        x2 = b.x + b.w + 1,
        y2 = b.y + b.h / 2;
      d = `M${r1(x1)},${r1(y1)} C${r1(x1 + 24)},${r1(y1)} ${r1(x2 + 24)},${r1(y2)} ${r1(x2)},${r1(y2)}`;
      mx = x1 + 18;
      my = (y1 + y2) / 2;
    } else {
      // Backwards: leave from the bottom, enter from the top.
      const x1 = a.x + a.w / 2,
        y1 = a.y + a.h,
        x2 = b.x + b.w / 2,
        y2 = b.y - 1;
      d = `M${r1(x1)},${r1(y1)} C${r1(x1)},${r1(y1 + 30)} ${r1(x2)},${r1(y2 - 30)} ${r1(x2)},${r1(y2)}`;
      mx = (x1 + x2) / 2;
      my = (y1 + y2) / 2;
    }
    const label = e.label ? String(e.label) : '';
    out.push(
      `<path d="${d}" class="lin-edge" marker-end="url(#${uid}-arrow)"><title>${esc(a.node.label)} → ${esc(b.node.label)}${label ? ` (${esc(label)})` : ''}</title></path>`,
    );
    if (label && showEdgeLabels)
      out.push(`<text x="${r1(mx)}" y="${r1(my - 4)}" text-anchor="middle" class="lin-edge-label">${esc(truncEnd(label, 14))}</text>`);
  }
  // Boxes.
  for (const p of placed.values()) {
    const st = KIND_STYLE[p.node.kind] ?? KIND_STYLE.source!;
    const strong = p.node.kind === 'version';
    out.push(
      `<g class="lin-node lin-${esc(p.node.kind)}"><title>${esc(p.node.kind)}: ${esc(p.node.label)}${p.node.detail ? ` — ${esc(p.node.detail)}` : ''}</title>`,
      `<rect x="${r1(p.x)}" y="${r1(p.y)}" width="${r1(p.w)}" height="${r1(p.h)}" rx="5" fill="${st.fill}" stroke="${st.stroke}" stroke-width="${strong ? 2 : 1.2}"/>`,
    );
    const cx = p.x + 8;
    const labelChars = Math.floor((p.w - INNER) / LABEL_CH + 1e-6);
    const detailChars = Math.floor((p.w - INNER) / DETAIL_CH + 1e-6);
    if (p.node.detail) {
      out.push(
        `<text x="${r1(cx)}" y="${r1(p.y + (compact ? 14 : 17))}" class="lin-label${strong ? ' strong' : ''}">${esc(truncMiddle(p.node.label, labelChars))}</text>`,
      );
      out.push(`<text x="${r1(cx)}" y="${r1(p.y + (compact ? 27 : 33))}" class="lin-detail">${esc(truncEnd(p.node.detail, detailChars))}</text>`);
    } else {
      out.push(
        `<text x="${r1(cx)}" y="${r1(p.y + p.h / 2 + 4)}" class="lin-label${strong ? ' strong' : ''}">${esc(truncMiddle(p.node.label, labelChars))}</text>`,
      );
    }
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('');
}
