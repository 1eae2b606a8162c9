import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { RotguardError } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import { predictFile } from '../serve/predict.js';
import type { Store } from '../store/store.js';
import type { JobRow } from './jobs.js';

/**
 * Bulk scoring of a large file as a job array. At submission the file is cut into
 * `tasks` contiguous chunks of whole lines (header repeated), each stored as a blob; task
 * i scores chunk i with the ordinary predict path (every prediction recorded with lineage)
 * and stores its output as a blob; at settlement the outputs are joined in task order.
 * One record per line: CSV/TSV without quoted line breaks, or SMILES files.
 */
export interface ScoreSpec {
  model: string;
  /** One blob per task: that task's lines (with the header). */
  chunks: string[];
  /** The input's extension (.csv, .tsv, .smi), so the chunk is read like the original. */
  ext: string;
  input: { path: string; sha256: string; rows: number };
  smilesColumn?: string;
  idColumn?: string;
  level?: number;
}

/** Splits a file's text into `tasks` chunks of whole data lines, each with the header (none for .smi). */
export function chunkLines(text: string, tasks: number, hasHeader: boolean): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  const header = hasHeader ? lines.shift() : undefined;
  if (header === undefined && hasHeader) throw new RotguardError('empty_input', 'the file to score is empty');
  const n = Math.max(1, Math.min(tasks, lines.length));
  const out: string[] = [];
  for (let t = 0; t < n; t++) {
    const from = Math.floor((t * lines.length) / n);
    const to = Math.floor(((t + 1) * lines.length) / n);
    out.push([...(header !== undefined ? [header] : []), ...lines.slice(from, to)].join('\n') + '\n');
  }
  return out;
}

export async function prepareScoreSpec(
  store: Store,
  o: { model: string; input: string; tasks: number; smilesColumn?: string; idColumn?: string; level?: number },
): Promise<ScoreSpec> {
  const ext = extname(o.input).toLowerCase() || '.csv';
  const bytes = readFileSync(o.input);
  const text = bytes.toString('utf8');
  const chunks = chunkLines(text, o.tasks, ext !== '.smi');
  const blobs: string[] = [];
  for (const c of chunks) blobs.push(await store.blobs.put(c));
  const rows = chunks.reduce((a, c) => a + c.split('\n').filter(Boolean).length - (ext !== '.smi' ? 1 : 0), 0);
  return {
    model: o.model,
    chunks: blobs,
    ext,
    input: { path: o.input, sha256: sha256Hex(bytes), rows },
    smilesColumn: o.smilesColumn,
    idColumn: o.idColumn,
    level: o.level,
  };
}

/** One array task: score its chunk, store the output. */
export async function scoreTask(store: Store, job: JobRow, spec: ScoreSpec, task: number): Promise<Record<string, unknown>> {
  const blob = spec.chunks[task];
  if (!blob) throw new RotguardError('bad_task', `job ${job.id} has ${spec.chunks.length} tasks; there is no task ${task}`);
  const dir = mkdtempSync(join(tmpdir(), 'rotguard-score-'));
  try {
    const input = join(dir, `chunk-${task}${spec.ext}`);
    writeFileSync(input, await store.blobs.get(blob));
    const out = join(dir, `chunk-${task}.predictions.csv`);
    const s = await predictFile(store, {
      modelRef: spec.model,
      input,
      out,
      actor: job.submitted_by,
      workers: job.cpus,
      smilesColumn: spec.smilesColumn,
      idColumn: spec.idColumn,
      level: spec.level,
    });
    const outputBlob = await store.blobs.put(readFileSync(out));
    const rejectsBlob = await store.blobs.put(readFileSync(s.rejects));
    return { task, request: s.request, predicted: s.predicted, rejected: s.rejected, outputBlob, rejectsBlob, model: s.model };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Joins the tasks' CSV outputs in task order, one header. */
export function joinOutputs(parts: string[]): string {
  let header: string | null = null;
  const rows: string[] = [];
  for (const p of parts) {
    const lines = p.split('\n').filter(Boolean);
    if (!lines.length) continue;
    header ??= lines[0]!;
    rows.push(...lines.slice(1));
  }
  return header === null ? '' : [header, ...rows].join('\n') + '\n';
}
