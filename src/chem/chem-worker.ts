import { parentPort, workerData } from 'node:worker_threads';
import { featurizeBatch, identifyBatch, type BatchInput } from './featurize-batch.js';
import type { FeatureRecipe } from './featurize.js';
import { loadRDKit } from './rdkit.js';
import { searchSlice, type SimilaritySlice } from './shared-fingerprints.js';

// A chemistry worker: loads RDKit once, then answers batches until the pool closes it.
/** `file` names the input in error locations (a shared pool serves several files). */
export type WorkerTask =
  | ({ seq: number; inputs: BatchInput[]; file?: string } & ({ task: 'features'; recipe: FeatureRecipe } | { task: 'identity'; withMolWeight: boolean }))
  | ({ seq: number; task: 'similarity' } & SimilaritySlice);

const { file } = workerData as { file?: string };
await loadRDKit();
parentPort!.on('message', (m: WorkerTask) => {
  if (m.task === 'features') {
    const result = featurizeBatch(m.inputs, m.recipe, m.file ?? file);
    parentPort!.postMessage({ seq: m.seq, result }, [result.descriptors.buffer as ArrayBuffer, result.fingerprints.buffer as ArrayBuffer]);
  } else if (m.task === 'similarity') {
    const result = searchSlice(m);
    parentPort!.postMessage({ seq: m.seq, result }, [result.indices.buffer as ArrayBuffer, result.similarities.buffer as ArrayBuffer]);
  } else {
    parentPort!.postMessage({ seq: m.seq, result: identifyBatch(m.inputs, m.withMolWeight, m.file ?? file) });
  }
});
parentPort!.postMessage({ ready: true });
