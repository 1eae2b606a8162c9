import { parentPort, workerData } from 'node:worker_threads';
import { featurizeBatch, type BatchInput } from './featurize-batch.js';
import type { FeatureRecipe } from './featurize.js';
import { loadRDKit } from './rdkit.js';

// A featurization worker: loads RDKit once, then answers batches until the pool closes it.
const { recipe, file } = workerData as { recipe: FeatureRecipe; file?: string };
await loadRDKit();
parentPort!.on('message', (message: { seq: number; inputs: BatchInput[] }) => {
  const result = featurizeBatch(message.inputs, recipe, file);
  parentPort!.postMessage({ seq: message.seq, result }, [result.descriptors.buffer as ArrayBuffer, result.fingerprints.buffer as ArrayBuffer]);
});
parentPort!.postMessage({ ready: true });
