import type { Readable } from 'node:stream';

/** A handler's answer that is not JSON (an SVG depiction, an HTML report, a server-sent event stream). */
export interface RawReply {
  raw: true;
  contentType: string;
  body: string | Buffer | Readable;
  /** Extra response headers (a stream's connection: close). */
  headers?: Record<string, string>;
}

export function rawReply(contentType: string, body: string | Buffer | Readable, headers?: Record<string, string>): RawReply {
  return { raw: true, contentType, body, ...(headers ? { headers } : {}) };
}

export function isRawReply(v: unknown): v is RawReply {
  return typeof v === 'object' && v !== null && (v as RawReply).raw === true;
}
