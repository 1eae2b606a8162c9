import type { ChemPool } from '../chem/chem-pool.js';
import type { BatchInput, BatchResult } from '../chem/featurize-batch.js';
import type { FeatureRecipe } from '../chem/featurize.js';
import type { FileRow, MoleculeFile } from './molecule-file.js';

/**
 * Streams a structure file through the chemistry pool in batches: a few batches per worker
 * in flight, results handed back strictly in input order, memory bounded by the window of
 * batches in flight whatever the file size. Progress is the share of the file's rows
 * handled, estimated from rows read per byte so far.
 */
export interface FeatureStreamOptions {
  recipe: FeatureRecipe;
  batchSize: number;
  /** Batches in flight per worker. */
  perWorker: number;
  onBatch: (rows: FileRow[], result: BatchResult) => Promise<void> | void;
  onProgress?: (p: { rowsHandled: number; fraction: number; bytesRead: number }) => void;
}

export async function streamFeatures(file: MoleculeFile, pool: ChemPool, o: FeatureStreamOptions): Promise<void> {
  let bytesRead = 0;
  let rowsRead = 0;
  let rowsHandled = 0;
  const inFlight: Array<{ rows: FileRow[]; result: Promise<BatchResult> }> = [];
  const send = (rows: FileRow[]) => {
    const inputs: BatchInput[] = [];
    for (const r of rows) if (r.kind === 'row') inputs.push({ line: r.line, structure: r.structure });
    const result = inputs.length ? pool.features(inputs, o.recipe, file.path) : Promise.resolve(emptyResult());
    result.catch(() => undefined); // awaited in order below; avoid an unhandled rejection meanwhile
    inFlight.push({ rows, result });
  };
  const drainOne = async () => {
    const next = inFlight.shift()!;
    await o.onBatch(next.rows, await next.result);
    rowsHandled += next.rows.length;
    const estimated = bytesRead > 0 ? (rowsRead * file.bytes) / bytesRead : 0;
    o.onProgress?.({ rowsHandled, fraction: estimated ? Math.min(1, rowsHandled / estimated) : 0, bytesRead });
  };
  let batch: FileRow[] = [];
  for await (const row of file.rows((n) => (bytesRead = n))) {
    rowsRead++;
    batch.push(row);
    if (batch.length >= o.batchSize) {
      send(batch);
      batch = [];
      if (inFlight.length >= pool.size * o.perWorker) await drainOne();
    }
  }
  if (batch.length) send(batch);
  while (inFlight.length) await drainOne();
}

function emptyResult(): BatchResult {
  return { molecules: [], rejects: [], descriptors: new Float64Array(0), fingerprints: new Uint32Array(0) };
}
