import { readFileSync } from 'node:fs';

/**
 * Native RDKit reference values, written by scripts/fixtures/make_chem_reference.py
 * (Debian python3-rdkit 2022.09). See that script for what each field means.
 */
export interface ReferenceMolecule {
  name: string;
  input: string;
  note: string;
  /** Canonical isomeric SMILES of the standardized parent. */
  smiles: string;
  hasStereo: boolean;
  /** Keyed by the `source` of each descriptor in src/chem/descriptors.ts. */
  descriptors: Record<string, number>;
  /** 2022.09 with Chem.SetUseLegacyStereoPerception(False). */
  modernStereo: { NumAtomStereoCenters: number; smiles: string };
  /** NumHBA with the acceptor SMARTS of rdkit/rdkit PR #9060 (aromatic N needs X2). */
  NumHBA_nH0X2: number;
  morgan: { radius: number; nBits: number; onBits: number[] };
  scaffold: string;
  framework: string;
}

export interface Reference {
  generator: string;
  command: string;
  rdkitVersion: string;
  molecules: ReferenceMolecule[];
}

let cached: Reference | undefined;

export function loadReference(): Reference {
  cached ??= JSON.parse(readFileSync(new URL('../../../test/fixtures/chem/rdkit-reference.json', import.meta.url), 'utf8')) as Reference;
  return cached;
}

/** On-bit indices of a packed fingerprint (bit i is bit i & 31 of word i >>> 5). */
export function onBits(words: Uint32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < words.length * 32; i++) if ((words[i >>> 5]! >>> (i & 31)) & 1) out.push(i);
  return out;
}
