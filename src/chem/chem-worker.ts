import { parentPort, workerData } from 'node:worker_threads';
import { featurizeBatch, identifyBatch, ToolkitCrash, type BatchInput } from './featurize-batch.js';
import { DEFAULT_DESCRIPTOR_DICTIONARY } from './descriptors.js';
import type { FeatureRecipe } from './featurize.js';
import { loadRDKit, rdkitVersion } from './rdkit.js';
import { searchSlice, type SimilaritySlice } from './shared-fingerprints.js';

// A chemistry worker: loads RDKit once, then answers batches until the pool closes it.
// Before each row it tells the pool which row it is on (the pool's per-structure clock);
// when RDKit fails in a way that may have corrupted its memory it reports the row and
// exits, and the pool starts a fresh worker.
/** `file` names the input in error locations (a shared pool serves several files). */
export type WorkerTask =
  | ({ seq: number; inputs: BatchInput[]; file?: string } & ({ task: 'features'; recipe: FeatureRecipe } | { task: 'identity'; withMolWeight: boolean }))
  | ({ seq: number; task: 'similarity' } & SimilaritySlice);

/** What a worker sends back: ready, a row started, a batch result, or a crash at a row. */
export type WorkerMessage =
  | { ready: true; rdkit: string }
  | { seq: number; row: number }
  | { seq: number; result: unknown }
  | { seq: number; crash: { index: number; reason: string } };

const { file } = workerData as { file?: string };
await loadRDKit();
// Warm up (the first call into RDKit compiles much of it): the per-structure clock then
// measures the structure, not the start-up.
featurizeBatch([{ line: 0, structure: 'Oc1ccccc1C(=O)N' }], { descriptors: DEFAULT_DESCRIPTOR_DICTIONARY, morgan: { radius: 2, nBits: 2048 } });
parentPort!.on('message', (m: WorkerTask) => {
  const onRow = (row: number) => parentPort!.postMessage({ seq: m.seq, row });
  try {
    if (m.task === 'features') {
      const result = featurizeBatch(m.inputs, m.recipe, m.file ?? file, onRow);
      parentPort!.postMessage({ seq: m.seq, result }, [result.descriptors.buffer as ArrayBuffer, result.fingerprints.buffer as ArrayBuffer]);
    } else if (m.task === 'similarity') {
      // No RDKit here: a similarity slice runs on the popcount kernel only.
      const result = searchSlice(m);
      parentPort!.postMessage({ seq: m.seq, result }, [result.indices.buffer as ArrayBuffer, result.similarities.buffer as ArrayBuffer]);
    } else {
      parentPort!.postMessage({ seq: m.seq, result: identifyBatch(m.inputs, m.withMolWeight, m.file ?? file, onRow) });
    }
  } catch (e) {
    if (!(e instanceof ToolkitCrash)) throw e;
    parentPort!.postMessage({ seq: m.seq, crash: { index: e.index, reason: e.message } });
    // This RDKit instance is not to be trusted any more.
    process.exit(1);
  }
});
parentPort!.postMessage({ ready: true, rdkit: rdkitVersion() });
