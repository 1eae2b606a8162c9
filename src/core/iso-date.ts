/**
 * Whether text is an ISO date (YYYY-MM-DD) or date-time that exists on the calendar.
 * `Date.parse` alone is not enough: it rolls 2025-02-30 over to March 2nd.
 */
export function isIsoDate(text: string, o: { dateOnly?: boolean } = {}): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(text.trim());
  if (!m || (o.dateOnly && m[4] !== undefined)) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(y, mo - 1, d));
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d) return false;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59)) return false;
  return !Number.isNaN(Date.parse(text.trim().replace(' ', 'T')));
}
