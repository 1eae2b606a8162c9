/**
 * A streaming reader for delimited text (CSV, TSV): RFC 4180 quoting, quoted fields
 * spanning lines, CRLF, LF or CR line endings, a UTF-8 BOM. It yields records with the
 * physical line on which each starts, so every error can name its line.
 */

export interface DelimitedRecord {
  /** 1-based physical line where the record starts. */
  line: number;
  fields: string[];
  /** Set when the record is malformed (e.g. a quote never closed); fields are best effort. */
  problem?: string;
}

/** Longest field a delimited file may have (a structure, an id, a value); longer ones make their row a problem. */
export const MAX_FIELD_CHARS = 1_000_000;

export async function* readDelimited(chunks: AsyncIterable<string | Buffer>, delimiter = ','): AsyncGenerator<DelimitedRecord> {
  let field = '';
  let fields: string[] = [];
  let inQuotes = false;
  let afterQuote = false; // the current field's closing quote has been seen
  let line = 1;
  let recordLine = 1;
  let problem: string | undefined;
  let started = false; // the current record has any content (even an empty quoted field)

  function takeRecord(): DelimitedRecord | null {
    fields.push(field);
    const record: DelimitedRecord = { line: recordLine, fields };
    if (problem) record.problem = problem;
    const blank = !started && !problem;
    field = '';
    fields = [];
    problem = undefined;
    afterQuote = false;
    started = false;
    return blank ? null : record;
  }

  // A field past the limit stops growing and its record is reported as a problem: a 50 MB
  // cell must cost one rejected row, not gigabytes of string building.
  const append = (c: string) => {
    if (field.length < MAX_FIELD_CHARS) field += c;
    else problem ??= `field ${fields.length + 1} is longer than ${MAX_FIELD_CHARS.toLocaleString('en')} characters`;
  };

  // A chunk may end between the two characters of "" or of CRLF.
  let carry = '';
  let firstChunk = true;
  const records: DelimitedRecord[] = [];

  const scan = (text: string) => {
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (inQuotes) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            append('"');
            i++;
          } else {
            inQuotes = false;
            afterQuote = true;
          }
        } else {
          if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
          append(c);
        }
      } else if (c === delimiter) {
        fields.push(field);
        field = '';
        afterQuote = false;
        started = true;
      } else if (c === '\n' || c === '\r') {
        if (c === '\r' && text[i + 1] === '\n') i++;
        const record = takeRecord();
        if (record) records.push(record);
        line++;
        recordLine = line;
      } else if (c === '"' && field === '' && !afterQuote) {
        inQuotes = true;
        started = true;
      } else {
        if (afterQuote && !problem) problem = `unexpected text after a closing quote in field ${fields.length + 1}`;
        append(c);
        started = true;
      }
    }
  };

  for await (const raw of chunks) {
    let text = carry + (typeof raw === 'string' ? raw : raw.toString('utf8'));
    if (firstChunk && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      firstChunk = false;
    }
    // Hold back the whole trailing run of quotes and CRs: its meaning depends on what follows.
    let cut = text.length;
    while (cut > 0 && (text[cut - 1] === '"' || text[cut - 1] === '\r')) cut--;
    carry = text.slice(cut);
    text = text.slice(0, cut);
    scan(text);
    yield* records.splice(0);
  }
  scan(carry);
  if (inQuotes) problem = 'a quoted field is never closed';
  if (started || field !== '' || problem) {
    const record = takeRecord();
    if (record) records.push(record);
  }
  yield* records;
}
