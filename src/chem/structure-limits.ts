import { MoleculeError, type ErrorLocation } from '../core/errors.js';

/**
 * Size limits checked before RDKit sees a structure. RDKit's WebAssembly build has a
 * fixed stack: a linear chain of ~700 atoms already overflows it ("memory access out of
 * bounds"), and a 100 kB SMILES can keep it busy for minutes. Small-molecule ADMET
 * structures are far below these limits (the Biogen set's largest has 96 heavy atoms);
 * what gets past them and still crashes or hangs a worker is caught by the pool
 * (`toolkit_crash`, `structure_timeout`).
 */
export const STRUCTURE_LIMITS = {
  /** Characters of a SMILES (or any one-line structure). */
  smilesChars: 5_000,
  /** Characters of a molblock. */
  molblockChars: 1_000_000,
  /** Atoms, counted from the SMILES tokens or the molblock's counts line. */
  atoms: 1_000,
  /** Nesting depth of SMILES branches. */
  branchDepth: 200,
} as const;

/** Throws `structure_too_large` (a row-level reject) when a structure exceeds a limit. */
export function assertStructureSize(structure: string, where: ErrorLocation = {}): void {
  const isMolblock = structure.includes('\n');
  const maxChars = isMolblock ? STRUCTURE_LIMITS.molblockChars : STRUCTURE_LIMITS.smilesChars;
  if (structure.length > maxChars) {
    throw new MoleculeError('structure_too_large', structure, `structure has ${structure.length} characters; the limit is ${maxChars}`, where);
  }
  const atoms = isMolblock ? molblockAtoms(structure) : smilesAtoms(structure);
  if (atoms > STRUCTURE_LIMITS.atoms) {
    throw new MoleculeError('structure_too_large', structure, `structure has about ${atoms} atoms; the limit is ${STRUCTURE_LIMITS.atoms}`, where);
  }
  if (!isMolblock) {
    const depth = branchDepth(structure);
    if (depth > STRUCTURE_LIMITS.branchDepth) {
      throw new MoleculeError('structure_too_large', structure, `structure nests branches ${depth} deep; the limit is ${STRUCTURE_LIMITS.branchDepth}`, where);
    }
  }
}

// Bracket atoms, then the organic subset (two-letter halogens first).
const SMILES_ATOM = /\[[^\]]*\]|Cl|Br|[BCNOPSFIbcnops]/g;

export function smilesAtoms(smiles: string): number {
  let n = 0;
  SMILES_ATOM.lastIndex = 0;
  while (SMILES_ATOM.exec(smiles)) n++;
  return n;
}

function branchDepth(smiles: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < smiles.length; i++) {
    const c = smiles.charCodeAt(i);
    if (c === 40) max = Math.max(max, ++depth);
    else if (c === 41) depth--;
  }
  return max;
}

/** Atom count from a V2000 counts line (line 4) or a V3000 "COUNTS" line; 0 when neither parses (RDKit then decides). */
function molblockAtoms(block: string): number {
  const v3000 = /M {2}V30 COUNTS (\d+)/.exec(block);
  if (v3000) return Number(v3000[1]);
  const counts = block.split('\n')[3];
  const n = counts ? Number(counts.slice(0, 3)) : Number.NaN;
  return Number.isFinite(n) ? n : 0;
}
