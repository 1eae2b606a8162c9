import { adjacency, toRdkitJson, type MolGraph } from './molgraph.js';
import { rdkit } from './rdkit.js';

/**
 * Bemis–Murcko scaffolds, computed the way RDKit's MurckoScaffold does (and so the way
 * TDC's scaffold split does):
 *  - ring atoms are kept, and so are the atoms on the shortest path between ring systems (linkers);
 *  - an atom outside that core is kept only when it is double-bonded to the core
 *    (exocyclic C=O, C=N, C=C stay: they change the ring's chemistry);
 *  - atoms that lose a side chain get the hydrogens back (n-methylpyrrole → pyrrole);
 *  - acyclic molecules have the empty scaffold "".
 * SMILES are canonical and non-isomeric (stereo is not part of a scaffold).
 *
 * The generic framework (cyclic skeleton) is the scaffold with every atom made carbon,
 * every bond single and the exocyclic atoms dropped, e.g. C1CCC(CC1)C1CCCCC1 for
 * biphenyl and every phenylpyridine or bipyridyl.
 */
export interface Scaffolds {
  scaffold: string;
  framework: string;
}

/**
 * How scaffold graphs are parsed: 'fast' skips the RDKit perception that cannot change their
 * SMILES (see SANITIZED, UNSANITIZED); 'reference' parses every one with RDKit's defaults
 * and no cache, the way rotguard did before, so a test can show both give the same strings.
 */
export type ScaffoldParse = 'fast' | 'reference';

export function murckoScaffolds(graph: MolGraph, parse: ScaffoldParse = 'fast'): Scaffolds {
  if (graph.rings.length === 0) return { scaffold: '', framework: '' };
  const adj = adjacency(graph);
  const core = ringSystemsAndLinkers(graph, adj);
  return { scaffold: scaffoldSmiles(graph, core, parse), framework: frameworkSmiles(graph, core, parse) };
}

/** Ring atoms plus the atoms on the shortest paths joining rings. */
function ringSystemsAndLinkers(graph: MolGraph, adj: number[][]): Uint8Array {
  const n = graph.atoms.length;
  const core = new Uint8Array(n);
  for (const ring of graph.rings) for (const i of ring) core[i] = 1;
  // One BFS per distinct target ring gives, for every atom, the next step towards it.
  const towards = new Map<number, Int32Array>();
  const next = (target: number): Int32Array => {
    let step = towards.get(target);
    if (step) return step;
    step = new Int32Array(n).fill(-1);
    step[target] = target;
    const queue = [target];
    for (let q = 0; q < queue.length; q++) {
      const i = queue[q]!;
      for (const j of adj[i]!) {
        if (step[j] === -1) {
          step[j] = i;
          queue.push(j);
        }
      }
    }
    towards.set(target, step);
    return step;
  };
  const rings = graph.rings;
  for (let r = 0; r < rings.length; r++) {
    for (let s = r + 1; s < rings.length; s++) {
      const target = rings[s]![0]!;
      const step = next(target);
      let i = rings[r]![0]!;
      while (i !== target && i >= 0) {
        core[i] = 1;
        i = step[i]!;
      }
    }
  }
  return core;
}

function scaffoldSmiles(graph: MolGraph, core: Uint8Array, parse: ScaffoldParse): string {
  const keep = Array.from(core, (c) => c === 1);
  // Exocyclic atoms double-bonded to the core stay.
  for (const b of graph.bonds) {
    if (b.order !== 2) continue;
    if (core[b.a] && !core[b.b]) keep[b.b] = true;
    else if (core[b.b] && !core[b.a]) keep[b.a] = true;
  }
  // Give each kept atom back the valence it spent on removed neighbours, as hydrogens.
  const atoms = graph.atoms.map((a) => ({ ...a, stereo: undefined }));
  for (const b of graph.bonds) {
    if (keep[b.a] && !keep[b.b]) atoms[b.a]!.hs += b.order;
    else if (keep[b.b] && !keep[b.a]) atoms[b.b]!.hs += b.order;
  }
  const bonds = graph.bonds.map((b) => ({ a: b.a, b: b.b, order: b.order }));
  return canonicalSmiles({ atoms, bonds, rings: [] }, keep, parse === 'fast' ? SANITIZED : null);
}

function frameworkSmiles(graph: MolGraph, core: Uint8Array, parse: ScaffoldParse): string {
  const degree = new Int32Array(graph.atoms.length);
  for (const b of graph.bonds) {
    if (core[b.a] && core[b.b]) {
      degree[b.a]!++;
      degree[b.b]!++;
    }
  }
  const atoms = graph.atoms.map((_, i) => ({ z: 6, chg: 0, hs: Math.max(0, 4 - degree[i]!), isotope: 0, nRad: 0, aromatic: false }));
  const bonds = graph.bonds.map((b) => ({ a: b.a, b: b.b, order: 1 }));
  // A saturated all-carbon graph has nothing for sanitization to perceive (no aromaticity,
  // charges or radicals), so it is skipped unless a carbon would exceed valence 4 (RDKit
  // refuses those, and the framework is then "" as before).
  let overValent = false;
  for (let i = 0; i < degree.length; i++) if (core[i] && degree[i]! > 4) overValent = true;
  return canonicalSmiles(
    { atoms, bonds, rings: [] },
    Array.from(core, (c) => c === 1),
    parse === 'reference' ? null : overValent ? SANITIZED : UNSANITIZED,
  );
}

const NON_ISOMERIC = JSON.stringify({ doIsomericSmiles: false });
// Scaffold graphs carry no stereo, so RDKit's stereo perception (on by default when it
// parses JSON) has nothing to find: skipping it halves the parse and speeds up the SMILES.
const SANITIZED = JSON.stringify({ assignStereo: false });
const UNSANITIZED = JSON.stringify({ sanitize: false, assignStereo: false });

/**
 * Scaffold SMILES by the exact RDKit JSON they were made from. A canonical SMILES is a
 * function of that input alone, so a repeat is answered without parsing; compounds of one
 * series written alike (same core, same atom order) share their scaffold's JSON.
 */
const CACHE_LIMIT = 4096; // ≈ 1–2 kB of JSON each: a few MB per worker
const cache = new Map<string, string>();
export const scaffoldCacheStats = { hits: 0, misses: 0 };

/**
 * One cache for both parse modes: the same JSON gives the same SMILES either way (the
 * unsanitized mode is used only where sanitization perceives nothing).
 */
function canonicalSmiles(graph: MolGraph, keep: boolean[], parseDetails: string | null): string {
  const json = toRdkitJson(graph, keep);
  if (parseDetails === null) return parseToSmiles(json, null);
  const known = cache.get(json);
  if (known !== undefined) {
    scaffoldCacheStats.hits++;
    return known;
  }
  scaffoldCacheStats.misses++;
  const smiles = parseToSmiles(json, parseDetails);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(json, smiles);
  return smiles;
}

/** `parseDetails` null: RDKit's default parse (full sanitization and stereo perception). */
function parseToSmiles(json: string, parseDetails: string | null): string {
  const mol = parseDetails === null ? rdkit().get_mol(json) : rdkit().get_mol(json, parseDetails);
  if (!mol) return '';
  try {
    return mol.get_smiles(NON_ISOMERIC);
  } finally {
    mol.delete();
  }
}
