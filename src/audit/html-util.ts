/**
 * Small, dependency-free helpers for the audit report's HTML and SVG: escaping, number
 * and date formatting. Every string that comes from report data goes through `esc`.
 */

/** Escape text for HTML element content and attribute values (double- or single-quoted). */
export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A finite number, or null (NaN, ±Infinity, non-numbers and null all read as null). */
export function finite(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

/** Integer with thin grouping: 12,345. */
export function fmtInt(x: number | null | undefined): string {
  const v = finite(x);
  if (v === null) return '—';
  const sign = v < 0 ? '-' : '';
  const digits = String(Math.round(Math.abs(v)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A number with a fixed number of decimals; '—' for null. */
export function fmtFixed(x: number | null | undefined, decimals: number): string {
  const v = finite(x);
  if (v === null) return '—';
  const s = v.toFixed(decimals);
  return s === `-${(0).toFixed(decimals)}` ? (0).toFixed(decimals) : s;
}

/** A number with about `sig` significant digits, no exponent for everyday magnitudes. */
export function fmtNum(x: number | null | undefined, sig = 3): string {
  const v = finite(x);
  if (v === null) return '—';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) return v.toExponential(sig - 1);
  if (Number.isInteger(v) && a < 1e6) return fmtInt(v);
  const decimals = Math.max(0, Math.min(6, sig - 1 - Math.floor(Math.log10(a))));
  return fmtFixed(v, decimals);
}

/** About `sig` significant digits without trailing zeros (0.306, 1.2, 12,345). */
export function fmtTrim(x: number | null | undefined, sig = 4): string {
  const v = finite(x);
  if (v === null) return '—';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return fmtInt(v);
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) return v.toExponential(sig - 1).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(sig)));
}

/** A share (0..1) as a percentage. */
export function fmtPct(x: number | null | undefined, decimals = 0): string {
  const v = finite(x);
  return v === null ? '—' : `${fmtFixed(v * 100, decimals)}%`;
}

function parseDate(iso: string): Date | null {
  if (typeof iso !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(iso)) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** 2024-03-04 (UTC) for an ISO timestamp; the raw text when it does not parse. */
export function fmtDate(iso: string): string {
  const d = parseDate(iso);
  return d ? d.toISOString().slice(0, 10) : String(iso ?? '');
}

/** 2024-03-04 09:30 UTC for an ISO timestamp; the raw text when it does not parse. */
export function fmtDateTime(iso: string): string {
  const d = parseDate(iso);
  return d ? `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC` : String(iso ?? '');
}

/** Milliseconds since the epoch, or null. */
export function timeOf(iso: string): number | null {
  const d = parseDate(iso);
  return d ? d.getTime() : null;
}

/** A safe fragment for an element id: letters, digits and dashes only. */
export function slug(s: string): string {
  const t = String(s ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return t.slice(0, 48) || 'x';
}

/** Shorten to at most `max` characters with an ellipsis at the end. */
export function truncEnd(s: string, max: number): string {
  const chars = [...String(s ?? '')];
  if (chars.length <= max) return chars.join('');
  return chars.slice(0, Math.max(1, max - 1)).join('') + '…';
}

/** Shorten to at most `max` characters with an ellipsis in the middle (keeps file extensions and versions). */
export function truncMiddle(s: string, max: number): string {
  const chars = [...String(s ?? '')];
  if (chars.length <= max) return chars.join('');
  const keep = Math.max(2, max - 1);
  const head = Math.ceil(keep * 0.6);
  const tail = keep - head;
  return chars.slice(0, head).join('') + '…' + (tail > 0 ? chars.slice(chars.length - tail).join('') : '');
}

/** Round to 0.1 px for compact SVG coordinates. */
export function r1(x: number): string {
  const v = Math.round(x * 10) / 10;
  return Object.is(v, -0) ? '0' : String(v);
}

/** "1 week" / "12 weeks". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${fmtInt(n)} ${n === 1 ? one : many}`;
}
