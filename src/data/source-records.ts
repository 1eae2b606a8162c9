import { statSync } from 'node:fs';
import { utf8Chunks } from './utf8-text.js';
import { extname } from 'node:path';
import { InputFileError } from '../core/errors.js';
import { readDelimited } from './delimited.js';
import { readSdf } from './sdf.js';

/** One record of an assay source file, with named fields, whatever the format. */
export interface SourceRecord {
  line: number;
  field(name: string): string | undefined;
  /** The molblock of an SDF record (undefined for delimited files). */
  molblock?: string;
  problem?: string;
}

export interface SourceFile {
  path: string;
  format: 'csv' | 'tsv' | 'sdf';
  bytes: number;
  /** Column names for delimited files (checked against the mapping before reading). */
  columns?: string[];
  records(onBytes?: (n: number) => void): AsyncGenerator<SourceRecord>;
}

export async function openSourceFile(path: string): Promise<SourceFile> {
  let bytes: number;
  try {
    bytes = statSync(path).size;
  } catch (e) {
    throw new InputFileError('file_not_found', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`, { file: path });
  }
  if (bytes === 0) throw new InputFileError('empty_file', `${path} is empty`, { file: path });
  const ext = extname(path).toLowerCase();
  if (ext === '.sdf' || ext === '.sd') {
    return { path, format: 'sdf', bytes, records: (onBytes) => sdfRecords(path, onBytes) };
  }
  if (ext !== '.csv' && ext !== '.tsv' && ext !== '.tab')
    throw new InputFileError('unknown_format', `${path}: unknown file type "${ext}"; use .csv, .tsv or .sdf`, { file: path });
  const delimiter = ext === '.csv' ? ',' : '\t';
  let columns: string[] | undefined;
  for await (const r of readDelimited(utf8Chunks(path), delimiter)) {
    columns = r.fields.map((f) => f.trim());
    break;
  }
  if (!columns || columns.every((c) => !c)) throw new InputFileError('empty_file', `${path} has no header line`, { file: path, line: 1 });
  const header = columns;
  return {
    path,
    format: delimiter === ',' ? 'csv' : 'tsv',
    bytes,
    columns: header,
    async *records(onBytes) {
      const index = new Map(header.map((c, i) => [c, i]));
      const stream = utf8Chunks(path, onBytes);
      let first = true;
      for await (const r of readDelimited(stream, delimiter)) {
        if (first) {
          first = false;
          continue;
        }
        const rec: SourceRecord = {
          line: r.line,
          field: (name) => {
            const i = index.get(name);
            return i === undefined ? undefined : r.fields[i];
          },
        };
        if (r.problem) rec.problem = r.problem;
        else if (r.fields.length !== header.length) rec.problem = `${r.fields.length} fields where the header has ${header.length}`;
        yield rec;
      }
    },
  };
}

async function* sdfRecords(path: string, onBytes?: (n: number) => void): AsyncGenerator<SourceRecord> {
  for await (const r of readSdf(path, onBytes)) {
    const rec: SourceRecord = { line: r.line, molblock: r.molblock, field: (name) => r.fields[name] };
    if (r.problem) rec.problem = r.problem;
    yield rec;
  }
}
