import { MoleculeError, type ErrorLocation } from '../core/errors.js';
import { assertStructureSize } from './structure-limits.js';
import { adjacency, components, parseRdkitJson, toRdkitJson, type MolGraph } from './molgraph.js';
import { rdkit, type Mol } from './rdkit.js';

/** A compound's identity after standardization. `mol` is owned by the caller: call release(). */
export interface StandardizedMolecule {
  /** RDKit canonical isomeric SMILES of the standardized structure. */
  smiles: string;
  /** Standard InChIKey: the compound's identity in rotguard. */
  inchikey: string;
  inchi: string;
  /** What standardization changed, in words (empty when nothing changed). */
  changes: string[];
  graph: MolGraph;
  mol: Mol;
}

export function release(m: { mol: Mol }): void {
  m.mol.delete();
}

/**
 * Standardize one structure (SMILES or molblock):
 *  1. parse and sanitize with RDKit;
 *  2. keep the largest fragment (most atoms counting hydrogens, then heavier,
 *     then the lexically smaller canonical SMILES, so the choice never depends on input order);
 *  3. neutralise where RDKit allows: +1 atoms that carry H lose one, −1 atoms gain one,
 *     unless the charge is paired with an opposite charge on a neighbour (nitro, N-oxides)
 *     or balances a charge that cannot be removed (quaternary ammonium in a betaine).
 *     If RDKit refuses the neutral form, the charged form is kept and the change is not made;
 *  4. canonical SMILES and standard InChIKey.
 * Every failure is a MoleculeError naming the input and the reason.
 */
export function standardize(input: string, where: ErrorLocation = {}): StandardizedMolecule {
  const trimmed = input.trim();
  if (!trimmed) throw new MoleculeError('empty_structure', input, 'empty structure', where);
  assertStructureSize(trimmed, where);
  const RD = rdkit();
  const parsed = RD.get_mol(trimmed);
  if (!parsed) throw new MoleculeError('unparsable_structure', input, 'RDKit could not parse or sanitize the structure', where);
  if (parsed.get_num_atoms() === 0) {
    parsed.delete();
    throw new MoleculeError('no_atoms', input, 'structure has no atoms', where);
  }

  let mol: Mol = parsed;
  let graph = parseRdkitJson(parsed.get_json());
  const changes: string[] = [];

  const keep = largestFragment(graph, changes);
  const neutral = neutralised(graph, changes, keep);
  if (keep || neutral) {
    let edited = buildMol(neutral ?? graph, keep);
    if (!edited && neutral) {
      // RDKit refused the neutral form: keep the charges as they were.
      changes.splice(
        changes.findIndex((c) => c.startsWith('neutralised')),
        1,
      );
      if (keep) edited = buildMol(graph, keep);
    }
    if (edited) {
      mol.delete();
      mol = edited;
      graph = parseRdkitJson(mol.get_json());
    } else if (keep) {
      mol.delete();
      throw new MoleculeError('standardize_failed', input, 'RDKit could not rebuild the largest fragment', where);
    }
  }

  const smiles = mol.get_smiles();
  const inchi = mol.get_inchi();
  if (!inchi) {
    mol.delete();
    throw new MoleculeError('inchi_failed', input, 'InChI generation failed for the standardized structure', where);
  }
  const inchikey = RD.get_inchikey_for_inchi(inchi);
  return { smiles, inchikey, inchi, changes, graph, mol };
}

function buildMol(graph: MolGraph, keep: boolean[] | null): Mol | null {
  const mol = rdkit().get_mol(toRdkitJson(graph, keep ?? undefined));
  if (mol && mol.get_num_atoms() > 0) return mol;
  mol?.delete();
  return null;
}

/** Atoms of the largest fragment, or null when there is only one fragment. */
function largestFragment(graph: MolGraph, changes: string[]): boolean[] | null {
  const { count, of } = components(graph);
  if (count <= 1) return null;
  const size = new Array<number>(count).fill(0);
  const mass = new Array<number>(count).fill(0);
  graph.atoms.forEach((a, i) => {
    const c = of[i]!;
    size[c]! += 1 + a.hs;
    mass[c]! += approximateMass(a.z) + a.hs * 1.008;
  });
  let best = 0;
  const ties: number[] = [0];
  for (let c = 1; c < count; c++) {
    const cmp = size[c]! - size[best]! || mass[c]! - mass[best]!;
    if (cmp > 1e-9) {
      best = c;
      ties.length = 0;
      ties.push(c);
    } else if (Math.abs(cmp) <= 1e-9) ties.push(c);
  }
  if (ties.length > 1) best = lexicallySmallest(graph, of, ties);
  changes.push(`kept largest of ${count} fragments`);
  return graph.atoms.map((_, i) => of[i] === best);
}

function lexicallySmallest(graph: MolGraph, of: Int32Array, candidates: number[]): number {
  let best = candidates[0]!;
  let bestSmiles: string | undefined;
  for (const c of candidates) {
    const m = rdkit().get_mol(
      toRdkitJson(
        graph,
        graph.atoms.map((_, i) => of[i] === c),
      ),
    );
    const s = m?.get_smiles() ?? '';
    m?.delete();
    if (bestSmiles === undefined || s < bestSmiles) {
      bestSmiles = s;
      best = c;
    }
  }
  return best;
}

/**
 * A neutralised copy of the graph, or null when no atom qualifies. Like RDKit's
 * Uncharger, charges that cannot be removed (a quaternary N+ has no H to lose) keep
 * as many negative charges as they need, so zwitterions such as betaine stay neutral overall.
 */
function neutralised(graph: MolGraph, changes: string[], keep: boolean[] | null): MolGraph | null {
  const adj = adjacency(graph);
  const pairedWith = (i: number, sign: number) => adj[i]!.some((j) => Math.sign(graph.atoms[j]!.chg) === sign);
  let fixedPositive = 0;
  const positives: number[] = [];
  const negatives: number[] = [];
  graph.atoms.forEach((a, i) => {
    // Only the kept fragment counts: a dropped counter-ion (Na+) must not hold a charge on the parent.
    if (keep && !keep[i]) return;
    if (a.chg > 0 && !pairedWith(i, -1)) {
      if (a.chg === 1 && a.hs > 0) positives.push(i);
      else fixedPositive += a.chg;
    } else if (a.chg === -1 && !pairedWith(i, 1) && !isMetal(a.z)) negatives.push(i);
  });
  const negativesToNeutralise = negatives.slice(Math.min(fixedPositive, negatives.length));
  const changed = positives.length + negativesToNeutralise.length;
  if (!changed) return null;
  const atoms = graph.atoms.slice();
  for (const i of positives) atoms[i] = { ...atoms[i]!, chg: 0, hs: atoms[i]!.hs - 1 };
  for (const i of negativesToNeutralise) atoms[i] = { ...atoms[i]!, chg: 0, hs: atoms[i]!.hs + 1 };
  changes.push(`neutralised ${changed} atom${changed > 1 ? 's' : ''}`);
  return { ...graph, atoms };
}

function isMetal(z: number): boolean {
  // Alkali, alkaline earth, transition and post-transition metals: no H is added to these.
  return (z >= 3 && z <= 4) || (z >= 11 && z <= 13) || (z >= 19 && z <= 32) || (z >= 37 && z <= 51) || z >= 55;
}

// Standard atomic weights for the common organic elements; others approximated by 2·Z,
// which is only used to break size ties between fragments.
const MASS: Record<number, number> = {
  1: 1.008,
  5: 10.81,
  6: 12.011,
  7: 14.007,
  8: 15.999,
  9: 18.998,
  11: 22.99,
  14: 28.085,
  15: 30.974,
  16: 32.06,
  17: 35.45,
  19: 39.098,
  35: 79.904,
  53: 126.904,
};
function approximateMass(z: number): number {
  return MASS[z] ?? 2 * z;
}
