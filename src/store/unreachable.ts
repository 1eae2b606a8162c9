/**
 * Whether an error means the database cannot be reached (down, restarting, dropped, out of
 * connections) rather than that a query or the code is wrong: a server answers the first
 * with 503 store_unreachable (try again; a load balancer routes around it), the second
 * with 500. PostgreSQL SQLSTATE classes 08 (connection exception) and 57P (operator
 * intervention: shutdown, crash, starting up), 3D000 (the database is gone), 53300 (too
 * many connections); the socket errors of Node; pg's message for a connection ended
 * mid-query, which carries no code.
 */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);

export function isStoreUnreachable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code.startsWith('08') || code.startsWith('57P') || code === '3D000' || code === '53300' || SOCKET_CODES.has(code)) return true;
  }
  return /^Connection terminated( unexpectedly| due to connection timeout)?$/.test(err.message);
}
