/**
 * A streaming SD-file reader: yields each record's molblock, its data fields
 * ("> <NAME>" items) and the line where the record starts, so errors name a line.
 */
import { utf8Stream } from './utf8-text.js';
import { createInterface } from 'node:readline';

export interface SdfRecord {
  line: number;
  molblock: string;
  fields: Record<string, string>;
  problem?: string;
}

export async function* readSdf(path: string, onBytes?: (n: number) => void): AsyncGenerator<SdfRecord> {
  const stream = utf8Stream(path, onBytes);
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let lineNo = 0;
  let start = 1;
  let mol: string[] = [];
  let inMol = true;
  let fields: Record<string, string> = {};
  let field: string | null = null;
  let value: string[] = [];
  const finishField = () => {
    if (field !== null) fields[field] = value.join('\n').trim();
    field = null;
    value = [];
  };
  for await (const raw of lines) {
    lineNo++;
    const line = raw.replace(/\r$/, '');
    if (line.startsWith('$$$$')) {
      finishField();
      const rec: SdfRecord = { line: start, molblock: mol.join('\n'), fields };
      if (inMol) rec.problem = 'record has no "M  END" line';
      yield rec;
      mol = [];
      fields = {};
      inMol = true;
      start = lineNo + 1;
      continue;
    }
    if (inMol) {
      mol.push(line);
      if (line.startsWith('M  END')) inMol = false;
      continue;
    }
    const header = /^>.*<([^>]+)>/.exec(line);
    if (header) {
      finishField();
      field = header[1]!;
    } else if (field !== null) {
      if (line.trim() === '') finishField();
      else value.push(line);
    }
  }
  finishField();
  // Trailing blank lines after the last $$$$ are not a record.
  if (mol.some((l) => l.trim() !== '')) {
    const rec: SdfRecord = { line: start, molblock: mol.join('\n'), fields };
    if (inMol) rec.problem = 'record has no "M  END" line';
    yield rec;
  }
}
