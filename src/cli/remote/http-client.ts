import { maskTokens } from '../../core/api-token.js';
import { ShapeError, type Decoder } from '../../core/decode.js';
import { RotguardError } from '../../core/errors.js';
import { packageVersion } from '../../core/package-info.js';
import { apiError } from './api-errors.js';
import type { RemoteConfig } from './config.js';

/** Query parameters of a GET; undefined ones are left out. */
export type Query = Record<string, string | number | undefined>;

export interface ClientOptions {
  /** Attempts for an idempotent GET that failed on the network or with 502/503/504 (default 3). */
  getAttempts?: number;
  /** First wait between attempts, doubled each time (default 500 ms). */
  retryDelayMs?: number;
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

const RETRYABLE_STATUS = new Set([502, 503, 504]);

/**
 * The HTTP client of client mode. Every request carries the bearer token (never printed:
 * messages name the server, not the headers) and the acting team. Only GETs are retried:
 * a POST that failed on the way may have been applied, so it is reported, not repeated.
 * Errors the server answers with ({ error: { code, message, field } }) come back as the
 * RotguardError the same action raises locally, so exit codes and --json match.
 */
export class ApiClient {
  private readonly getAttempts: number;
  private readonly retryDelayMs: number;

  constructor(
    readonly config: RemoteConfig,
    o: ClientOptions = {},
  ) {
    this.getAttempts = o.getAttempts ?? 3;
    this.retryDelayMs = o.retryDelayMs ?? 500;
  }

  /** The server's origin, for messages. */
  get server(): string {
    return this.config.url;
  }

  async get<T>(path: string, decoder: Decoder<T>, query: Query = {}): Promise<T> {
    return this.decode(await this.json('GET', withQuery(path, query)), decoder, `GET ${path}`);
  }

  async post<T>(path: string, body: unknown, decoder: Decoder<T>): Promise<T> {
    return this.decode(await this.json('POST', path, body), decoder, `POST ${path}`);
  }

  async put<T>(path: string, body: unknown, decoder: Decoder<T>): Promise<T> {
    return this.decode(await this.json('PUT', path, body), decoder, `PUT ${path}`);
  }

  async delete<T>(path: string, decoder: Decoder<T>): Promise<T> {
    return this.decode(await this.json('DELETE', path), decoder, `DELETE ${path}`);
  }

  private async json(method: Method, path: string, body?: unknown): Promise<unknown> {
    const text = await this.send(method, path, body);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new RotguardError(
        'bad_server_response',
        `${this.server} answered ${method} ${path} with something that is not JSON: is ROTGUARD_URL a rotguard server?`,
      );
    }
  }

  private decode<T>(value: unknown, decoder: Decoder<T>, what: string): T {
    try {
      return decoder(value);
    } catch (e) {
      if (!(e instanceof ShapeError)) throw e;
      throw new RotguardError(
        'bad_server_response',
        `${this.server} answered ${what} in a shape this client (rotguard ${packageVersion()}) cannot read (${e.message}); use a client of the server's version (GET /healthz says which)`,
      );
    }
  }

  /** One request with its retries; the body of a successful answer. */
  private async send(method: Method, path: string, body?: unknown): Promise<string> {
    const attempts = method === 'GET' ? this.getAttempts : 1;
    const timeoutMs = method === 'GET' ? this.config.readTimeoutMs : this.config.writeTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= attempts;
      let res: Response;
      try {
        res = await fetch(this.server + path, {
          method,
          headers: this.headers(body !== undefined),
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (e) {
        if (!last) {
          await sleep(this.retryDelayMs * 2 ** (attempt - 1));
          continue;
        }
        throw this.unreachable(method, path, e, timeoutMs);
      }
      const text = await res.text();
      if (res.ok) return text;
      if (!last && RETRYABLE_STATUS.has(res.status)) {
        await sleep(this.retryDelayMs * 2 ** (attempt - 1));
        continue;
      }
      throw apiError(res.status, parseOrNull(text), { method, path, server: this.server, team: this.config.team });
    }
  }

  private headers(hasBody: boolean): Record<string, string> {
    return {
      authorization: `Bearer ${this.config.token}`,
      accept: 'application/json',
      'user-agent': `rotguard-cli/${packageVersion()}`,
      ...(hasBody ? { 'content-type': 'application/json' } : {}),
      ...(this.config.team ? { 'x-rotguard-team': this.config.team } : {}),
    };
  }

  private unreachable(method: string, path: string, e: unknown, timeoutMs: number): RotguardError {
    const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
    const cause = timedOut ? `no answer within ${Math.round(timeoutMs / 1000)} s (raise ROTGUARD_TIMEOUT, in seconds)` : describeNetworkError(e);
    // A write that failed on the way may still have been applied by the server: say so instead of repeating it.
    const maybeApplied = method === 'GET' ? '' : '; the server may or may not have applied it: check (e.g. "rotguard models list") before running it again';
    return new RotguardError(
      'server_unreachable',
      maskTokens(`cannot reach the rotguard server at ${this.server} (${method} ${path}): ${cause}${maybeApplied}`),
    );
  }
}

function withQuery(path: string, query: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** "ECONNREFUSED", "ENOTFOUND" … from fetch's cause, which is where Node puts the socket error. */
function describeNetworkError(e: unknown): string {
  const cause = e instanceof Error ? (e.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  if (code === 'ECONNREFUSED') return 'connection refused: is "rotguard serve" running there, on that port?';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the connection was closed by the server';
  const message = typeof cause?.message === 'string' ? cause.message : e instanceof Error ? e.message : String(e);
  return code ? `${code}: ${message}` : message;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
