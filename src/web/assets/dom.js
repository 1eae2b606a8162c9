// A tiny element builder: text always goes in as text (never parsed as HTML), so a model
// name or a reason cannot inject markup. Only SVG drawn and escaped by the server's chart
// code (src/audit/svg-charts.ts) is inserted as markup, through trustedSvg.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'className') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** An SVG chart from the server (escaped there), inside a figure. */
export function trustedSvg(svg, className = 'chart-box') {
  const box = h('div', { className });
  box.innerHTML = svg;
  return box;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

export function fmt(x, digits = 3) {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (typeof x !== 'number') return String(x);
  if (Number.isInteger(x)) return String(x);
  return String(Number(x.toPrecision(digits)));
}

export function pct(x) {
  return x === null || x === undefined ? '—' : `${Math.round(x * 100)} %`;
}

export function when(iso) {
  return iso ? iso.replace('T', ' ').slice(0, 16) : '—';
}

const STATUS_TEXT = { live: 'live', watching: 'watching', frozen: 'frozen', unreleased: 'unreleased' };

export function statusPill(status) {
  return h('span', { className: `pill status-${status}` }, STATUS_TEXT[status] ?? status);
}

export function actionPill(action) {
  return h('span', { className: `pill action-${action}` }, action);
}

export function passPill(passed, yes = 'pass', no = 'fail') {
  return h('span', { className: `pill ${passed ? 'pass' : 'fail'}` }, passed ? yes : no);
}

export function table(caption, headers, rows, attrs = {}) {
  return h(
    'table',
    attrs,
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows),
  );
}

export function errorBox(e) {
  return h('p', { className: 'error', role: 'alert' }, `${e.code ? `${e.code}: ` : ''}${e.message}`);
}

/** A small line of the error trend (realised MAE ratio per window), drawn here from numbers the API gave. */
export function sparkline(values, label) {
  const ns = 'http://www.w3.org/2000/svg';
  const W = 120,
    H = 28;
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('width', W);
  svg.setAttribute('height', H);
  svg.setAttribute('role', 'img');
  svg.setAttribute('class', 'spark');
  const title = document.createElementNS(ns, 'title');
  title.textContent = label;
  svg.append(title);
  const present = values.filter((v) => v !== null && v !== undefined);
  if (!present.length) return h('span', { className: 'muted' }, 'no labels yet');
  const hi = Math.max(2, ...present);
  const x = (i) => (values.length === 1 ? W / 2 : 2 + (i * (W - 4)) / (values.length - 1));
  const y = (v) => H - 2 - (v / hi) * (H - 4);
  const ref = document.createElementNS(ns, 'line');
  for (const [k, v] of Object.entries({ x1: 0, x2: W, y1: y(1), y2: y(1), stroke: '#8a96a3', 'stroke-dasharray': '3 2' })) ref.setAttribute(k, v);
  svg.append(ref);
  const pts = values.map((v, i) => (v === null || v === undefined ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`)).filter(Boolean);
  const line = document.createElementNS(ns, 'polyline');
  for (const [k, v] of Object.entries({ points: pts.join(' '), fill: 'none', stroke: present.at(-1) > 1.3 ? '#c0262d' : '#1f4e79', 'stroke-width': 1.6 })) line.setAttribute(k, v);
  svg.append(line);
  return svg;
}
