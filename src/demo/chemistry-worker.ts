import { parentPort } from 'node:worker_threads';
import { loadRDKit } from '../chem/rdkit.js';
import { identifyMolecule, type IdentifiedMolecule } from './chemistry.js';

// A demo chemistry worker: loads RDKit once, then standardizes the structures of the
// batches generateProgramme sends (see ChemistryWorkers in programme.ts).
export interface ChemistryTask {
  seq: number;
  items: Array<{ smiles: string; heavy?: number }>;
}
export interface ChemistryReply {
  seq: number;
  results: Array<IdentifiedMolecule | { rejected: string }>;
}

await loadRDKit();
parentPort!.on('message', (m: ChemistryTask) => {
  const reply: ChemistryReply = { seq: m.seq, results: m.items.map((i) => identifyMolecule(i.smiles, i.heavy)) };
  parentPort!.postMessage(reply);
});
parentPort!.postMessage({ ready: true });
