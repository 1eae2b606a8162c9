/**
 * A plain molecular graph read from RDKit's JSON (kekulized bonds, total H counts,
 * aromatic flags and ring membership), and written back the same way. It lets us
 * do graph edits that RDKit's MinimalLib does not expose (fragment choice,
 * neutralisation, Murcko reduction) without re-implementing chemistry perception:
 * RDKit still sanitizes, perceives aromaticity and canonicalizes the result.
 */
export interface GraphAtom {
  /** Atomic number. */
  z: number;
  /** Formal charge. */
  chg: number;
  /** Total hydrogens on the atom (RDKit's impHs in its JSON). */
  hs: number;
  isotope: number;
  nRad: number;
  /** Tetrahedral tag relative to bond order ('cw' | 'ccw' | …), kept verbatim. */
  stereo?: string;
  aromatic: boolean;
}

export interface GraphBond {
  a: number;
  b: number;
  /** Kekulé bond order: 1, 2, 3 (0 for zero-order/dative bonds RDKit writes). */
  order: number;
  stereo?: string;
  stereoAtoms?: [number, number];
  /** RDKit's aromatic flag for the bond (its JSON's aromaticBonds); only read, never written back. */
  aromatic?: boolean;
}

export interface MolGraph {
  atoms: GraphAtom[];
  bonds: GraphBond[];
  /** Smallest set of smallest rings as atom index lists (RDKit's ring info). */
  rings: number[][];
}

interface RdkitJsonAtom {
  z?: number;
  chg?: number;
  impHs?: number;
  isotope?: number;
  nRad?: number;
  stereo?: string;
}
interface RdkitJsonBond {
  atoms: [number, number];
  bo?: number;
  stereo?: string;
  stereoAtoms?: [number, number];
}
interface RdkitJsonExtension {
  name: string;
  aromaticAtoms?: number[];
  aromaticBonds?: number[];
  atomRings?: number[][];
}
interface RdkitJsonMolecule {
  atoms: RdkitJsonAtom[];
  bonds?: RdkitJsonBond[];
  extensions?: RdkitJsonExtension[];
}
interface RdkitJsonDoc {
  defaults?: { atom?: RdkitJsonAtom; bond?: Partial<RdkitJsonBond> };
  molecules: RdkitJsonMolecule[];
}

// RDKit's commonchem JSON, checked field by field where we read it (no copies: this runs for
// every molecule standardized). A mismatch is a programming error (RDKit's own output), not a user's.
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const optional = (v: unknown, check: (x: unknown) => boolean) => v === undefined || check(v);
const isString = (v: unknown) => typeof v === 'string';
const isIntArray = (v: unknown) => Array.isArray(v) && v.every((x) => Number.isInteger(x));
const isPair = (v: unknown) => Array.isArray(v) && v.length === 2 && Number.isInteger(v[0]) && Number.isInteger(v[1]);

function isAtom(v: unknown): v is RdkitJsonAtom {
  return (
    isObject(v) &&
    optional(v.z, Number.isInteger) &&
    optional(v.chg, Number.isInteger) &&
    optional(v.impHs, Number.isInteger) &&
    optional(v.isotope, Number.isInteger) &&
    optional(v.nRad, Number.isInteger) &&
    optional(v.stereo, isString)
  );
}

function isBond(v: unknown, needsAtoms: boolean): v is RdkitJsonBond {
  return (
    isObject(v) &&
    (needsAtoms ? isPair(v.atoms) : optional(v.atoms, isPair)) &&
    optional(v.bo, Number.isInteger) &&
    optional(v.stereo, isString) &&
    optional(v.stereoAtoms, isPair)
  );
}

function isExtension(v: unknown): v is RdkitJsonExtension {
  return (
    isObject(v) &&
    isString(v.name) &&
    optional(v.aromaticAtoms, isIntArray) &&
    optional(v.aromaticBonds, isIntArray) &&
    optional(v.atomRings, (r) => Array.isArray(r) && r.every(isIntArray))
  );
}

function isMolecule(v: unknown): v is RdkitJsonMolecule {
  return (
    isObject(v) &&
    Array.isArray(v.atoms) &&
    v.atoms.every(isAtom) &&
    optional(v.bonds, (b) => Array.isArray(b) && b.every((x) => isBond(x, true))) &&
    optional(v.extensions, (e) => Array.isArray(e) && e.every(isExtension))
  );
}

function isRdkitJsonDoc(v: unknown): v is RdkitJsonDoc {
  return (
    isObject(v) &&
    Array.isArray(v.molecules) &&
    v.molecules.every(isMolecule) &&
    optional(v.defaults, (d) => isObject(d) && optional(d.atom, isAtom) && optional(d.bond, (b) => isBond(b, false)))
  );
}

export function parseRdkitJson(json: string): MolGraph {
  const doc: unknown = JSON.parse(json);
  if (!isRdkitJsonDoc(doc)) throw new Error(`RDKit returned molecule JSON of an unexpected shape: ${json.slice(0, 200)}`);
  const molecule = doc.molecules[0];
  if (!molecule) return { atoms: [], bonds: [], rings: [] };
  const da = doc.defaults?.atom ?? {};
  const db = doc.defaults?.bond ?? {};
  const ext = molecule.extensions?.find((e) => e.name === 'rdkitRepresentation');
  const aromatic = new Set(ext?.aromaticAtoms ?? []);
  const atoms: GraphAtom[] = molecule.atoms.map((a, i) => {
    const atom: GraphAtom = {
      z: a.z ?? da.z ?? 6,
      chg: a.chg ?? da.chg ?? 0,
      hs: a.impHs ?? da.impHs ?? 0,
      isotope: a.isotope ?? da.isotope ?? 0,
      nRad: a.nRad ?? da.nRad ?? 0,
      aromatic: aromatic.has(i),
    };
    const stereo = a.stereo ?? da.stereo;
    if (stereo && stereo !== 'unspecified') atom.stereo = stereo;
    return atom;
  });
  const aromaticBonds = new Set(ext?.aromaticBonds ?? []);
  const bonds: GraphBond[] = (molecule.bonds ?? []).map((b, i) => {
    const bond: GraphBond = { a: b.atoms[0], b: b.atoms[1], order: b.bo ?? db.bo ?? 1 };
    if (aromaticBonds.has(i)) bond.aromatic = true;
    const stereo = b.stereo ?? db.stereo;
    if (stereo && stereo !== 'unspecified') bond.stereo = stereo;
    if (b.stereoAtoms) bond.stereoAtoms = b.stereoAtoms;
    return bond;
  });
  return { atoms, bonds, rings: ext?.atomRings ?? [] };
}

/**
 * RDKit JSON for the atoms in `keep` (all when omitted), re-indexed in their
 * original order so that tetrahedral tags (relative to bond order) stay valid.
 * Bond stereo whose reference atoms are dropped is dropped with them.
 */
export function toRdkitJson(graph: MolGraph, keep?: ArrayLike<boolean>): string {
  const newIndex = new Int32Array(graph.atoms.length).fill(-1);
  const atoms: RdkitJsonAtom[] = [];
  graph.atoms.forEach((a, i) => {
    if (keep && !keep[i]) return;
    newIndex[i] = atoms.length;
    const out: RdkitJsonAtom = { z: a.z, impHs: a.hs };
    if (a.chg) out.chg = a.chg;
    if (a.isotope) out.isotope = a.isotope;
    if (a.nRad) out.nRad = a.nRad;
    if (a.stereo) out.stereo = a.stereo;
    atoms.push(out);
  });
  const bonds: RdkitJsonBond[] = [];
  for (const b of graph.bonds) {
    const ia = newIndex[b.a]!;
    const ib = newIndex[b.b]!;
    if (ia < 0 || ib < 0) continue;
    const out: RdkitJsonBond = { atoms: [ia, ib], bo: b.order };
    if (b.stereo && b.stereoAtoms) {
      const s0 = newIndex[b.stereoAtoms[0]]!;
      const s1 = newIndex[b.stereoAtoms[1]]!;
      if (s0 >= 0 && s1 >= 0) {
        out.stereo = b.stereo;
        out.stereoAtoms = [s0, s1];
      }
    }
    bonds.push(out);
  }
  return JSON.stringify({
    rdkitjson: { version: 11 },
    defaults: {
      atom: { z: 6, impHs: 0, chg: 0, nRad: 0, isotope: 0, stereo: 'unspecified' },
      bond: { bo: 1, stereo: 'unspecified' },
    },
    molecules: [{ atoms, bonds }],
  });
}

/** Neighbour lists, built once per graph. */
export function adjacency(graph: MolGraph): number[][] {
  const adj: number[][] = graph.atoms.map(() => []);
  for (const b of graph.bonds) {
    adj[b.a]!.push(b.b);
    adj[b.b]!.push(b.a);
  }
  return adj;
}

/** Connected component index of every atom. */
export function components(graph: MolGraph): { count: number; of: Int32Array } {
  const adj = adjacency(graph);
  const of = new Int32Array(graph.atoms.length).fill(-1);
  let count = 0;
  for (let start = 0; start < of.length; start++) {
    if (of[start]! >= 0) continue;
    const stack = [start];
    of[start] = count;
    while (stack.length) {
      const i = stack.pop()!;
      for (const j of adj[i]!) {
        if (of[j]! < 0) {
          of[j] = count;
          stack.push(j);
        }
      }
    }
    count++;
  }
  return { count, of };
}
