/** A handler's answer that is not JSON (an SVG depiction, an HTML report). */
export interface RawReply {
  raw: true;
  contentType: string;
  body: string | Buffer;
}

export function rawReply(contentType: string, body: string | Buffer): RawReply {
  return { raw: true, contentType, body };
}

export function isRawReply(v: unknown): v is RawReply {
  return typeof v === 'object' && v !== null && (v as RawReply).raw === true;
}
