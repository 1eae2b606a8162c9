import { statSync } from 'node:fs';
import { utf8Chunks } from './utf8-text.js';
import { extname } from 'node:path';
import { InputFileError } from '../core/errors.js';
import { readDelimited } from './delimited.js';

/** One structure to process, with where it came from. */
export interface MoleculeRow {
  line: number;
  id: string;
  structure: string;
}

/** A row that cannot even be read as a structure (bad quoting, missing fields). */
export interface UnreadableRow {
  line: number;
  id: string;
  structure: string;
  code: string;
  reason: string;
}

export type FileRow = ({ kind: 'row' } & MoleculeRow) | ({ kind: 'unreadable' } & UnreadableRow);

export interface MoleculeFileOptions {
  /** Column holding the structure; detected from common names when omitted. */
  smilesColumn?: string;
  /** Column holding the compound id; detected when omitted, else the line number. */
  idColumn?: string;
}

export interface MoleculeFile {
  path: string;
  format: 'csv' | 'tsv' | 'smi';
  bytes: number;
  smilesColumn?: string;
  idColumn?: string;
  rows(onBytes?: (bytesRead: number) => void): AsyncGenerator<FileRow>;
}

const SMILES_NAMES = ['smiles', 'canonical_smiles', 'smi', 'structure', 'mol_smiles', 'drug'];
const ID_NAMES = ['id', 'compound_id', 'compound', 'name', 'internal id', 'mol_id', 'molecule_chembl_id', 'drug_id'];

/**
 * Opens a structure file and checks its shape before any row is processed:
 * CSV/TSV need a header with a SMILES column; .smi/.smiles files are "SMILES [name]" lines.
 * Errors name the file, the line and what to do.
 */
export async function openMoleculeFile(path: string, options: MoleculeFileOptions = {}): Promise<MoleculeFile> {
  let bytes: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new InputFileError('not_a_file', `${path} is not a regular file`, { file: path });
    bytes = st.size;
  } catch (e) {
    if (e instanceof InputFileError) throw e;
    throw new InputFileError('file_not_found', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file: path });
  }
  if (bytes === 0) throw new InputFileError('empty_file', `${path} is empty: expected a header line and at least one structure`, { file: path });

  const ext = extname(path).toLowerCase();
  if (ext === '.smi' || ext === '.smiles' || ext === '.txt') return smilesFile(path, bytes);
  if (ext === '.csv' || ext === '.tsv' || ext === '.tab') return delimitedFile(path, bytes, ext === '.csv' ? ',' : '\t', options);
  throw new InputFileError('unknown_format', `${path}: unknown file type "${ext || '(none)'}"; use .csv, .tsv or .smi`, { file: path });
}

function chunks(path: string, onBytes?: (n: number) => void): AsyncIterable<string> {
  return utf8Chunks(path, onBytes);
}

async function delimitedFile(path: string, bytes: number, delimiter: string, options: MoleculeFileOptions): Promise<MoleculeFile> {
  const header = await firstRecord(path, delimiter);
  if (!header || header.fields.every((f) => f.trim() === '')) {
    throw new InputFileError('empty_file', `${path} has no header line`, { file: path, line: 1 });
  }
  const names = header.fields.map((f) => f.trim());
  const smilesIndex = pickColumn(path, names, options.smilesColumn, SMILES_NAMES, 'SMILES', '--smiles-column');
  if (smilesIndex < 0) {
    throw new InputFileError('no_smiles_column', `${path}: no SMILES column among [${names.join(', ')}]; name it with --smiles-column`, {
      file: path,
      line: header.line,
    });
  }
  const idIndex = pickColumn(path, names, options.idColumn, ID_NAMES, 'id', '--id-column');
  const file: MoleculeFile = {
    path,
    format: delimiter === ',' ? 'csv' : 'tsv',
    bytes,
    smilesColumn: names[smilesIndex]!,
    async *rows(onBytes) {
      let seenHeader = false;
      let dataRows = 0;
      for await (const record of readDelimited(chunks(path, onBytes), delimiter)) {
        if (!seenHeader) {
          seenHeader = true;
          continue;
        }
        dataRows++;
        const structure = (record.fields[smilesIndex] ?? '').trim();
        const id = idIndex >= 0 ? (record.fields[idIndex] ?? '').trim() : String(record.line);
        if (record.problem) {
          yield { kind: 'unreadable', line: record.line, id, structure, code: 'malformed_row', reason: record.problem };
        } else if (record.fields.length !== names.length) {
          yield {
            kind: 'unreadable',
            line: record.line,
            id,
            structure,
            code: 'wrong_field_count',
            reason: `${record.fields.length} fields where the header has ${names.length}`,
          };
        } else {
          yield { kind: 'row', line: record.line, id, structure };
        }
      }
      if (dataRows === 0) throw new InputFileError('no_rows', `${path} has a header but no data rows`, { file: path, line: 2 });
    },
  };
  if (idIndex >= 0) file.idColumn = names[idIndex]!;
  return file;
}

function pickColumn(path: string, names: string[], requested: string | undefined, candidates: string[], what: string, flag: string): number {
  if (requested !== undefined) {
    const i = names.indexOf(requested);
    if (i < 0) {
      throw new InputFileError('unknown_column', `${path}: no ${what} column "${requested}" (${flag}); columns are [${names.join(', ')}]`, {
        file: path,
        line: 1,
        field: requested,
      });
    }
    return i;
  }
  const lower = names.map((n) => n.toLowerCase());
  for (const c of candidates) {
    const i = lower.indexOf(c);
    if (i >= 0) return i;
  }
  return -1;
}

async function firstRecord(path: string, delimiter: string) {
  for await (const record of readDelimited(chunks(path), delimiter)) return record;
  return undefined;
}

function smilesFile(path: string, bytes: number): MoleculeFile {
  return {
    path,
    format: 'smi',
    bytes,
    async *rows(onBytes) {
      let dataRows = 0;
      for await (const record of readDelimited(chunks(path, onBytes), '\u0000')) {
        const text = (record.fields[0] ?? '').trim();
        if (!text || text.startsWith('#')) continue;
        const [structure = '', ...rest] = text.split(/\s+/);
        // A first line "smiles name" is a header, not a molecule.
        if (dataRows === 0 && /^smiles$/i.test(structure)) continue;
        dataRows++;
        yield { kind: 'row', line: record.line, id: rest.join(' ') || String(record.line), structure };
      }
      if (dataRows === 0) throw new InputFileError('no_rows', `${path} contains no structures`, { file: path });
    },
  };
}
