import { maskTokens } from '../../core/api-token.js';
import { d } from '../../core/decode.js';
import { categoryOf, isErrorCode, type ErrorCode } from '../../core/error-codes.js';
import { RotguardError } from '../../core/errors.js';

/** The API's error body: { error: { code, message, field? } }. */
const errorBody = d.object({ error: d.object({ code: d.string, message: d.string, field: d.optional(d.string) }) });

/**
 * A server that failed on its side (HTTP 500 "internal"): a bug there, not the user's
 * mistake, so the CLI exits 2 as it does for its own internal errors. The message carries
 * the server's request id, under which the server's log has the stack.
 */
export class ServerInternalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServerInternalError';
    // The client's own stack says nothing about a bug on the server.
    this.stack = `${this.name}: ${message}`;
  }
}

interface RequestInfo {
  method: string;
  path: string;
  server: string;
  team: string | null;
}

/**
 * Turns a failed answer back into the error the same action raises locally: the code
 * the server sent (from the shared catalogue), its message and field. 401 and 403 say
 * what to do next; nothing in them ever contains the token.
 */
export function apiError(status: number, body: unknown, req: RequestInfo): Error {
  let parsed: { code: string; message: string; field?: string } | null = null;
  try {
    parsed = errorBody(body).error;
  } catch {
    parsed = null;
  }
  const message = maskTokens(parsed?.message ?? `HTTP ${status} from ${req.method} ${req.path}`);
  if (parsed && isErrorCode(parsed.code)) {
    return new RotguardError(parsed.code, message + hint(parsed.code, req), parsed.field ? { field: parsed.field } : {});
  }
  if (status >= 500) return new ServerInternalError(`the server at ${req.server} failed on ${req.method} ${req.path}: ${message}`);
  // A code this client does not know (a newer server): keep the server's words, classify by status.
  const code: ErrorCode = status === 401 ? 'unauthenticated' : status === 403 ? 'forbidden' : status === 404 ? 'unknown_route' : 'usage';
  const unknown = parsed ? ` [${parsed.code}]` : '';
  return new RotguardError(code, `${message}${unknown}${hint(code, req)}`, parsed?.field ? { field: parsed.field } : {});
}

function hint(code: ErrorCode, req: RequestInfo): string {
  const category = categoryOf(code);
  if (category === 'unauthenticated') {
    return `. Check ROTGUARD_TOKEN: it must be a live token of ${req.server} (an admin there issues a new one with "rotguard tokens new NAME")`;
  }
  if (code === 'no_acting_team') return '. Set ROTGUARD_TEAM to the team you act for';
  if (code === 'forbidden') {
    return `. Ask an admin of ${req.server} for the role ("rotguard users grant NAME --team TEAM --role ROLE")${req.team ? '' : ', or set ROTGUARD_TEAM if you act for another of your teams'}`;
  }
  return '';
}
