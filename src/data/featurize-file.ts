import { csvField, openCsvOutputs } from '../core/atomic-file.js';
import { descriptorDictionary } from '../chem/descriptors.js';
import { featureVersion, type FeatureRecipe, type FeatureVersion } from '../chem/featurize.js';
import type { BatchResult } from '../chem/featurize-batch.js';
import { ChemPool } from '../chem/chem-pool.js';
import { fingerprintToHex, validateMorgan, wordsFor } from '../chem/fingerprint.js';
import { streamFeatures } from './feature-stream.js';
import { openMoleculeFile, type FileRow, type MoleculeFileOptions } from './molecule-file.js';

export interface FeaturizeFileOptions extends MoleculeFileOptions {
  input: string;
  out: string;
  /** Where rejected rows go; default OUT with ".rejects.csv" in place of its extension. */
  rejects?: string;
  recipe: FeatureRecipe;
  workers?: number;
  batchSize?: number;
  onProgress?: (p: FeaturizeProgress) => void;
}

export interface FeaturizeProgress {
  bytesRead: number;
  bytesTotal: number;
  /** Share of the file's rows processed, estimated from the rows read so far per byte. */
  fraction: number;
  rows: number;
  accepted: number;
  rejected: number;
}

export interface FeaturizeSummary {
  input: string;
  output: string;
  rejects: string;
  format: string;
  smilesColumn: string | null;
  idColumn: string | null;
  rows: number;
  accepted: number;
  rejected: number;
  standardized: number;
  rejectReasons: Record<string, number>;
  featureVersion: FeatureVersion;
  workers: number;
  seconds: number;
  moleculesPerSecond: number;
}

export function defaultRejectsPath(out: string): string {
  return out.replace(/(\.[^./\\]+)?$/, '.rejects.csv');
}

/**
 * Featurize every structure in a file over a worker pool. Output rows keep input order;
 * every rejected row is written to the reject file with its line and reason, so
 * accepted + rejected always equals the rows read. Both files appear only when the
 * whole run succeeds (written to temporary files, then renamed).
 */
export async function featurizeFile(options: FeaturizeFileOptions): Promise<FeaturizeSummary> {
  const started = performance.now();
  const file = await openMoleculeFile(options.input, options);
  // Checked before any output is opened; the version itself needs RDKit's, which the workers
  // report: this thread never loads RDKit (~0.15 s of start-up before the workers' own).
  validateMorgan(options.recipe.morgan);
  const dict = descriptorDictionary(options.recipe.descriptors);
  const nd = dict.descriptors.length;
  const words = wordsFor(options.recipe.morgan.nBits);
  const rejectsPath = options.rejects ?? defaultRejectsPath(options.out);
  const batchSize = options.batchSize ?? 32;

  const { out, rej } = openCsvOutputs(options.out, rejectsPath, options.input);
  const pool = await ChemPool.start(options.workers ?? ChemPool.defaultSize(), options.input);
  const version = featureVersion(options.recipe, pool.rdkitVersion);
  const fpColumn = `morgan_r${options.recipe.morgan.radius}_${options.recipe.morgan.nBits}`;
  out.write(
    ['line', 'id', 'input', 'smiles', 'inchikey', 'scaffold', 'framework', 'standardization', ...dict.descriptors.map((d) => d.name), fpColumn].join(',') +
      '\n',
  );
  rej.write('line,id,input,code,reason\n');

  const counts = { rows: 0, accepted: 0, rejected: 0, standardized: 0 };
  const reasons: Record<string, number> = {};
  const reject = (line: number, id: string, input: string, code: string, reason: string) => {
    counts.rejected++;
    reasons[code] = (reasons[code] ?? 0) + 1;
    rej.write([line, id, input, code, reason].map(csvField).join(',') + '\n');
  };

  const writeBatch = (rows: FileRow[], result: BatchResult) => {
    let k = 0; // index into the structures sent to the worker
    const rejectAt = new Map(result.rejects.map((r) => [r.index, r]));
    for (const row of rows) {
      counts.rows++;
      if (row.kind === 'unreadable') {
        reject(row.line, row.id, row.structure, row.code, row.reason);
        continue;
      }
      const i = k++;
      const m = result.molecules[i];
      if (!m) {
        const r = rejectAt.get(i)!;
        reject(row.line, row.id, row.structure, r.code, r.reason);
        continue;
      }
      counts.accepted++;
      if (m.changes.length) counts.standardized++;
      const values: string[] = new Array(nd);
      for (let d = 0; d < nd; d++) values[d] = csvField(result.descriptors[i * nd + d]!);
      out.write(
        [
          csvField(row.line),
          csvField(row.id),
          csvField(row.structure),
          csvField(m.smiles),
          m.inchikey,
          csvField(m.scaffold),
          csvField(m.framework),
          csvField(m.changes.join('; ')),
          ...values,
          fingerprintToHex(result.fingerprints, i * words, words),
        ].join(',') + '\n',
      );
    }
  };

  try {
    await streamFeatures(file, pool, {
      recipe: options.recipe,
      batchSize,
      perWorker: 3,
      onBatch: writeBatch,
      onProgress: (p) => options.onProgress?.({ bytesRead: p.bytesRead, bytesTotal: file.bytes, fraction: p.fraction, ...counts }),
    });
    out.commit();
    rej.commit();
  } catch (e) {
    out.abort();
    rej.abort();
    throw e;
  } finally {
    await pool.close();
  }

  const seconds = (performance.now() - started) / 1000;
  return {
    input: options.input,
    output: options.out,
    rejects: rejectsPath,
    format: file.format,
    smilesColumn: file.smilesColumn ?? null,
    idColumn: file.idColumn ?? null,
    ...counts,
    rejectReasons: reasons,
    featureVersion: version,
    workers: pool.size,
    seconds,
    moleculesPerSecond: counts.accepted / seconds,
  };
}
