import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { InputFileError } from '../core/errors.js';

/**
 * A file's text, decoded strictly as UTF-8 in chunks. A byte sequence that is not UTF-8
 * (a Latin-1 or Windows-1252 export: "é" as the single byte 0xE9) is refused with the
 * file and line, instead of being stored as U+FFFD replacement characters that no longer
 * match the team's ids. `onBytes` reports the bytes read so far (for progress).
 */
export async function* utf8Chunks(path: string, onBytes?: (n: number) => void, highWaterMark = 1 << 16): AsyncGenerator<string> {
  const stream = createReadStream(path, { highWaterMark });
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let line = 1;
  let read = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    read += chunk.length;
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      throw notUtf8(path, line + countLinesBeforeBadByte(chunk));
    }
    onBytes?.(read);
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) line++;
    yield text;
  }
  try {
    const rest = decoder.decode();
    if (rest) yield rest;
  } catch {
    throw notUtf8(path, line);
  }
}

/** The same as a Node stream of strings (for readline). */
export function utf8Stream(path: string, onBytes?: (n: number) => void): Readable {
  return Readable.from(utf8Chunks(path, onBytes));
}

function notUtf8(path: string, line: number): InputFileError {
  return new InputFileError(
    'not_utf8',
    `${path} is not UTF-8 text (line ${line}); save it as UTF-8 (from Latin-1 / Windows-1252: iconv -f cp1252 -t utf-8 IN > OUT)`,
    { file: path, line },
  );
}

/** Newlines in the chunk before its first invalid byte (for the error's line number). */
function countLinesBeforeBadByte(chunk: Buffer): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let lines = 0;
  for (let end = 0; end < chunk.length; end++) {
    if (chunk[end] === 0x0a) lines++;
    if (chunk[end]! >= 0x80) {
      try {
        decoder.decode(chunk.subarray(0, Math.min(end + 4, chunk.length)), { stream: true });
      } catch {
        return lines;
      }
    }
  }
  return lines;
}
