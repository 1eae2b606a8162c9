/** Parsing of one measurement's value, qualifier and dates, row by row. */
import { nowMs } from '../core/clock.js';

export type Qualifier = '=' | '<' | '>';

export type Parsed<T> = { ok: true; value: T } | { ok: false; code: string; reason: string };

const QUALIFIERS: Record<string, Qualifier> = { '': '=', '=': '=', '<': '<', '<=': '<', '≤': '<', '>': '>', '>=': '>', '≥': '>' };

/** "12.5", "<0.1", "> 100" with an optional separate qualifier column. */
export function parseValue(raw: string, qualifierRaw: string | undefined): Parsed<{ value: number; qualifier: Qualifier }> {
  const text = raw.trim();
  if (!text) return { ok: false, code: 'no_value', reason: 'the value is empty (not measured)' };
  const m = /^(<=|>=|<|>|≤|≥|=)?\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)$/.exec(text);
  if (!m) return { ok: false, code: 'bad_value', reason: `"${text}" is not a number` };
  let qualifier = QUALIFIERS[m[1] ?? '']!;
  if (qualifierRaw !== undefined && qualifierRaw.trim() !== '') {
    const q = QUALIFIERS[qualifierRaw.trim()];
    if (!q) return { ok: false, code: 'bad_qualifier', reason: `qualifier "${qualifierRaw}" is not one of <, >, =` };
    if (m[1] && q !== qualifier) return { ok: false, code: 'bad_qualifier', reason: `value "${text}" and qualifier "${qualifierRaw}" disagree` };
    qualifier = q;
  }
  const value = Number(m[2]);
  if (!Number.isFinite(value)) return { ok: false, code: 'bad_value', reason: `"${text}" is not a finite number` };
  return { ok: true, value: { value, qualifier } };
}

/**
 * An ISO date (YYYY-MM-DD) or date-time. Calendar-impossible dates (2024-02-30) and
 * dates more than a day in the future are refused. Date-only values stay date-only.
 */
export function parseDate(raw: string, now = nowMs()): Parsed<string> {
  const text = raw.trim();
  if (!text) return { ok: false, code: 'missing_date', reason: 'the date is empty' };
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(text);
  if (!m) return { ok: false, code: 'bad_date', reason: `"${text}" is not an ISO date (YYYY-MM-DD)` };
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(y, mo - 1, d));
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d) {
    return { ok: false, code: 'impossible_date', reason: `"${text}" is not a calendar date` };
  }
  const dateOnly = m[4] === undefined;
  const t = dateOnly ? probe.getTime() : Date.parse(m[7] ? text.replace(' ', 'T') : `${text.replace(' ', 'T')}Z`);
  if (Number.isNaN(t)) return { ok: false, code: 'bad_date', reason: `"${text}" is not a valid date-time` };
  if (t > now + 86_400_000) return { ok: false, code: 'future_date', reason: `"${text}" is in the future` };
  if (y < 1900) return { ok: false, code: 'impossible_date', reason: `"${text}" is before 1900` };
  return { ok: true, value: dateOnly ? text : new Date(t).toISOString() };
}
