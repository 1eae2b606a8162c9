import { compileSmarts, countMatches, matchesAt, newMemo, type Pattern, type TargetMol } from './smarts.js';
import type { MolGraph } from './molgraph.js';
import { CRIPPEN_TYPES, ELECTRON_MASS, ELEMENTS } from './rdkit-tables.js';

/**
 * RDKit's descriptors computed in TypeScript from the molecule graph RDKit already gave us
 * (src/chem/molgraph.ts), so featurization need not call MinimalLib's get_descriptors, which
 * computes ~45 values when a dictionary needs 24 (about 40 % of a molecule's time).
 *
 * Each function mirrors one RDKit function, including its summation order, so the doubles are
 * identical to the last bit, not merely close (test/chem/descriptors-native.test.ts checks every
 * value with Object.is against get_descriptors on the Biogen set and on edge cases).
 * Molecules outside what this covers are refused by nativeDescriptorsCover() before anything is
 * computed, and the caller uses get_descriptors for them.
 */

/** RDKit get_descriptors() names computed here (the others stay with MinimalLib). */
export const NATIVE_DESCRIPTORS: ReadonlySet<string> = new Set([
  'amw',
  'exactmw',
  'CrippenClogP',
  'CrippenMR',
  'tpsa',
  'labuteASA',
  'NumHBD',
  'NumHBA',
  'lipinskiHBD',
  'lipinskiHBA',
  'NumRotatableBonds',
  'FractionCSP3',
  'NumHeavyAtoms',
  'NumHeteroatoms',
  'NumRings',
  'NumAromaticRings',
  'NumAliphaticRings',
  'NumHeterocycles',
  'NumAmideBonds',
  'NumSpiroAtoms',
  'NumBridgeheadAtoms',
]);

/**
 * Elements whose every RDKit atom environment the code below handles: the organic set plus
 * B, Si, Se. Everything else (metals, noble gases, dummy atoms, explicit H atoms) falls back.
 */
const COVERED_ELEMENTS = new Set([5, 6, 7, 8, 9, 14, 15, 16, 17, 34, 35, 53]);

/**
 * Why this molecule cannot take the TypeScript path, or null when it can. Conservative: any
 * isotope (exact masses per isotope are not tabulated here), radical, explicit hydrogen atom,
 * element outside COVERED_ELEMENTS, or bond that is not single/double/triple (dative, zero-order).
 */
export function nativeDescriptorsRefusal(graph: MolGraph): string | null {
  for (const a of graph.atoms) {
    if (!COVERED_ELEMENTS.has(a.z)) return `element ${a.z}`;
    if (a.isotope !== 0) return 'isotope';
    if (a.nRad !== 0) return 'radical';
  }
  for (const b of graph.bonds) if (b.order < 1 || b.order > 3) return `bond order ${b.order}`;
  return null;
}

// RDKit's patterns, verbatim (Code/GraphMol/Descriptors/Lipinski.cpp, RDKit 2026.09).
const HBD = compileSmarts('[N&!H0&v3,N&!H0&+1&v4,O&H1&+0,S&H1&+0,n&H1&+0]');
const HBA = compileSmarts('[$([O,S;H1;v2]-[!$(*=[O,N,P,S])]),$([O,S;H0;v2]),$([O,S;-]),$([N;v3;!$(N-*=!@[O,N,P,S])]),$([nH0X2,o,s;+0])]');
const AMIDE = compileSmarts('C(=[O;!R])N');
// The strict definition (RDK_USE_STRICT_ROTOR_DEFINITION, on in RDKit's builds).
const ROTATABLE = compileSmarts(
  '[!$(*#*)&!D1&!$(C(F)(F)F)&!$(C(Cl)(Cl)Cl)&!$(C(Br)(Br)Br)&!$(C([CH3])([CH3])[CH3])&!$([CH3])&!$([CD3](=[N,O,S])-!@[#7,O,S!D1])&!$([#7,O,S!D1]-!@[CD3]=[N,O,S])&!$([CD3](=[N+])-!@[#7!D1])&!$([#7!D1]-!@[CD3]=[N+])]-,:;!@[!$(*#*)&!D1&!$(C(F)(F)F)&!$(C(Cl)(Cl)Cl)&!$(C(Br)(Br)Br)&!$(C([CH3])([CH3])[CH3])&!$([CH3])]',
);
const CRIPPEN: readonly { pattern: Pattern; logp: number; mr: number }[] = CRIPPEN_TYPES.map((t) => ({
  pattern: compileSmarts(t.smarts),
  logp: t.logp,
  mr: t.mr,
}));
/** The Crippen types an atom of each element can take, in RDKit's order (most patterns name their root's element). */
const crippenByElement = new Map<number, typeof CRIPPEN>();
function crippenTypesFor(z: number): typeof CRIPPEN {
  let types = crippenByElement.get(z);
  if (!types) {
    types = CRIPPEN.filter((t) => t.pattern.rootElements === null || t.pattern.rootElements.has(z));
    crippenByElement.set(z, types);
  }
  return types;
}

/** The molecule as RDKit holds it after parsing (no explicit H atoms), ready for the matcher. */
interface Prepared {
  target: TargetMol;
  /** Atom rings (SSSR, RDKit's order) and the same rings as bond indices. */
  atomRings: readonly (readonly number[])[];
  bondRings: readonly (readonly number[])[];
}

function prepare(graph: MolGraph): Prepared {
  const n = graph.atoms.length;
  const z = new Int32Array(n);
  const charge = new Int32Array(n);
  const aromatic = new Uint8Array(n);
  const totalHs = new Int32Array(n);
  const degree = new Int32Array(n);
  const totalDegree = new Int32Array(n);
  const valence = new Int32Array(n);
  const ringCount = new Int32Array(n);
  const ringSizes: number[][] = [];
  const neighbours: number[][] = [];
  const neighbourBonds: number[][] = [];
  graph.atoms.forEach((a, i) => {
    z[i] = a.z;
    charge[i] = a.chg;
    aromatic[i] = a.aromatic ? 1 : 0;
    totalHs[i] = a.hs;
    valence[i] = a.hs;
    ringSizes.push([]);
    neighbours.push([]);
    neighbourBonds.push([]);
  });
  const nb = graph.bonds.length;
  const bondOrder = new Int32Array(nb);
  const bondAromatic = new Uint8Array(nb);
  const bondInRing = new Uint8Array(nb);
  const bondIndex = new Map<number, number>();
  graph.bonds.forEach((b, k) => {
    bondOrder[k] = b.order;
    bondAromatic[k] = b.aromatic ? 1 : 0;
    degree[b.a]!++;
    degree[b.b]!++;
    // Kekulé orders: for a sanitized molecule their sum is RDKit's total valence.
    valence[b.a]! += b.order;
    valence[b.b]! += b.order;
    neighbours[b.a]!.push(b.b);
    neighbourBonds[b.a]!.push(k);
    neighbours[b.b]!.push(b.a);
    neighbourBonds[b.b]!.push(k);
    bondIndex.set(b.a * n + b.b, k);
    bondIndex.set(b.b * n + b.a, k);
  });
  for (let i = 0; i < n; i++) totalDegree[i] = degree[i]! + totalHs[i]!;
  const bondRings = graph.rings.map((ring) =>
    ring.map((a, j) => {
      const k = bondIndex.get(a * n + ring[(j + 1) % ring.length]!);
      if (k === undefined) throw new Error('RDKit ring without a bond between consecutive atoms');
      bondInRing[k] = 1;
      return k;
    }),
  );
  for (const ring of graph.rings) {
    for (const a of ring) {
      ringCount[a]!++;
      ringSizes[a]!.push(ring.length);
    }
  }
  return {
    target: {
      z,
      charge,
      aromatic,
      totalHs,
      degree,
      totalDegree,
      valence,
      ringCount,
      ringSizes,
      neighbours,
      neighbourBonds,
      bondOrder,
      bondAromatic,
      bondInRing,
    },
    atomRings: graph.rings,
    bondRings,
  };
}

/** The molecule as the SMARTS matcher sees it (RDKit's atom and bond properties, SSSR rings). */
export function matcherMolecule(graph: MolGraph): TargetMol {
  return prepare(graph).target;
}

/**
 * The same molecule with its hydrogens as atoms, in RDKit's MolOps::addHs order: heavy atoms
 * first, then each heavy atom's hydrogens in heavy-atom order (Crippen sums over this molecule).
 */
function withExplicitHs(t: TargetMol): TargetMol {
  const heavy = t.z.length;
  let hCount = 0;
  for (let i = 0; i < heavy; i++) hCount += t.totalHs[i]!;
  const n = heavy + hCount;
  const grow = (src: ArrayLike<number>, hValue: number) => {
    const out = new Int32Array(n);
    for (let i = 0; i < heavy; i++) out[i] = src[i]!;
    out.fill(hValue, heavy);
    return out;
  };
  const z = grow(t.z, 1);
  const charge = grow(t.charge, 0);
  const aromatic = grow(t.aromatic, 0);
  const totalHs = grow(t.totalHs, 0);
  const degree = grow(t.degree, 1);
  const totalDegree = grow(t.totalDegree, 1);
  const valence = grow(t.valence, 1);
  const ringCount = grow(t.ringCount, 0);
  const ringSizes = [...t.ringSizes, ...Array.from({ length: hCount }, () => [])];
  const neighbours = t.neighbours.map((x) => x.slice());
  const neighbourBonds = t.neighbourBonds.map((x) => x.slice());
  const nb = t.bondOrder.length;
  const bondOrder = new Int32Array(nb + hCount);
  bondOrder.set(Array.from(t.bondOrder));
  bondOrder.fill(1, nb);
  const bondAromatic = new Uint8Array(nb + hCount);
  bondAromatic.set(Array.from(t.bondAromatic));
  const bondInRing = new Uint8Array(nb + hCount);
  bondInRing.set(Array.from(t.bondInRing));
  let h = heavy;
  let bond = nb;
  for (let i = 0; i < heavy; i++) {
    for (let k = 0; k < t.totalHs[i]!; k++, h++, bond++) {
      degree[i]!++;
      neighbours[i]!.push(h);
      neighbourBonds[i]!.push(bond);
      neighbours.push([i]);
      neighbourBonds.push([bond]);
    }
  }
  return { z, charge, aromatic, totalHs, degree, totalDegree, valence, ringCount, ringSizes, neighbours, neighbourBonds, bondOrder, bondAromatic, bondInRing };
}

function element(z: number) {
  const e = ELEMENTS.get(z);
  if (!e) throw new Error(`no periodic-table entry for element ${z}`);
  return e;
}

/** MolOps::getExactMolWt (Code/GraphMol/MolProps.cpp); no isotopes (refused before). */
function exactMolWeight(t: TargetMol): number {
  let res = 0.0;
  let hs = 0;
  for (let i = 0; i < t.z.length; i++) {
    res += element(t.z[i]!).isotopeMass;
    res -= ELECTRON_MASS * t.charge[i]!;
    hs += t.totalHs[i]!;
  }
  res += hs * element(1).isotopeMass;
  return res;
}

/**
 * Descriptors::calcCrippenDescriptors with includeHs (Code/GraphMol/Descriptors/Crippen.cpp):
 * every atom of the H-added molecule takes the first type whose pattern matches it (0 if none),
 * and the contributions are summed in atom order.
 */
function crippen(t: TargetMol): { logp: number; mr: number } {
  const h = withExplicitHs(t);
  const memo = newMemo();
  const n = h.z.length;
  const logps = new Float64Array(n);
  const mrs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (const type of crippenTypesFor(h.z[i]!)) {
      if (matchesAt(type.pattern, h, i, memo)) {
        logps[i] = type.logp;
        mrs[i] = type.mr;
        break;
      }
    }
  }
  let logp = 0.0;
  for (let i = 0; i < n; i++) logp += logps[i]!;
  let mr = 0.0;
  for (let i = 0; i < n; i++) mr += mrs[i]!;
  return { logp, mr };
}

/** Descriptors::getTPSAAtomContribs without S and P (Code/GraphMol/Descriptors/MolSurf.cpp). */
function tpsa(t: TargetMol, atomRings: readonly (readonly number[])[]): number {
  const n = t.z.length;
  const nSing = new Int32Array(n);
  const nDoub = new Int32Array(n);
  const nTrip = new Int32Array(n);
  const nArom = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const bonds = t.neighbourBonds[i]!;
    for (const k of bonds) {
      if (t.bondAromatic[k] === 1) nArom[i]!++;
      else if (t.bondOrder[k] === 1) nSing[i]!++;
      else if (t.bondOrder[k] === 2) nDoub[i]!++;
      else if (t.bondOrder[k] === 3) nTrip[i]!++;
    }
  }
  const in3Ring = (i: number) => atomRings.some((r) => r.length === 3 && r.includes(i));
  let res = 0;
  for (let i = 0; i < n; i++) {
    const atNum = t.z[i]!;
    if (atNum !== 7 && atNum !== 8) continue;
    const nHs = t.totalHs[i]!;
    const chg = t.charge[i]!;
    const nNbrs = t.degree[i]!;
    const s = nSing[i]!;
    const d = nDoub[i]!;
    const tr = nTrip[i]!;
    const ar = nArom[i]!;
    let tmp = -1;
    if (atNum === 7) {
      switch (nNbrs) {
        case 1:
          if (nHs === 0 && chg === 0 && tr === 1) tmp = 23.79;
          else if (nHs === 1 && chg === 0 && d === 1) tmp = 23.85;
          else if (nHs === 2 && chg === 0 && s === 1) tmp = 26.02;
          else if (nHs === 2 && chg === 1 && d === 1) tmp = 25.59;
          else if (nHs === 3 && chg === 1 && s === 1) tmp = 27.64;
          break;
        case 2:
          if (nHs === 0 && chg === 0 && s === 1 && d === 1) tmp = 12.36;
          else if (nHs === 0 && chg === 0 && tr === 1 && d === 1) tmp = 13.6;
          else if (nHs === 1 && chg === 0 && s === 2 && in3Ring(i)) tmp = 21.94;
          else if (nHs === 1 && chg === 0 && s === 2 && !in3Ring(i)) tmp = 12.03;
          else if (nHs === 0 && chg === 1 && tr === 1 && s === 1) tmp = 4.36;
          else if (nHs === 1 && chg === 1 && d === 1 && s === 1) tmp = 13.97;
          else if (nHs === 2 && chg === 1 && s === 2) tmp = 16.61;
          else if (nHs === 0 && chg === 0 && ar === 2) tmp = 12.89;
          else if (nHs === 1 && chg === 0 && ar === 2) tmp = 15.79;
          else if (nHs === 1 && chg === 1 && ar === 2) tmp = 14.14;
          break;
        case 3:
          if (nHs === 0 && chg === 0 && s === 3 && in3Ring(i)) tmp = 3.01;
          else if (nHs === 0 && chg === 0 && s === 3 && !in3Ring(i)) tmp = 3.24;
          else if (nHs === 0 && chg === 0 && s === 1 && d === 2) tmp = 11.68;
          else if (nHs === 0 && chg === 1 && s === 2 && d === 1) tmp = 3.01;
          else if (nHs === 1 && chg === 1 && s === 3) tmp = 4.44;
          else if (nHs === 0 && chg === 0 && ar === 3) tmp = 4.41;
          else if (nHs === 0 && chg === 0 && s === 1 && ar === 2) tmp = 4.93;
          else if (nHs === 0 && chg === 0 && d === 1 && ar === 2) tmp = 8.39;
          else if (nHs === 0 && chg === 1 && ar === 3) tmp = 4.1;
          else if (nHs === 0 && chg === 1 && s === 1 && ar === 2) tmp = 3.88;
          break;
        case 4:
          if (nHs === 0 && s === 4 && chg === 1) tmp = 0.0;
          break;
      }
      if (tmp < 0.0) {
        tmp = 30.5 - nNbrs * 8.2 + nHs * 1.5;
        if (tmp < 0) tmp = 0.0;
      }
    } else {
      switch (nNbrs) {
        case 1:
          if (nHs === 0 && chg === 0 && d === 1) tmp = 17.07;
          else if (nHs === 1 && chg === 0 && s === 1) tmp = 20.23;
          else if (nHs === 0 && chg === -1 && s === 1) tmp = 23.06;
          break;
        case 2:
          if (nHs === 0 && chg === 0 && s === 2 && in3Ring(i)) tmp = 12.53;
          else if (nHs === 0 && chg === 0 && s === 2 && !in3Ring(i)) tmp = 9.23;
          else if (nHs === 0 && chg === 0 && ar === 2) tmp = 13.14;
          break;
      }
      if (tmp < 0.0) {
        tmp = 28.5 - nNbrs * 8.6 + nHs * 1.5;
        if (tmp < 0) tmp = 0.0;
      }
    }
    res += tmp;
  }
  return res;
}

/** Descriptors::getLabuteAtomContribs with includeHs (Code/GraphMol/Descriptors/MolSurf.cpp). */
function labuteAsa(t: TargetMol, bondAtoms: readonly { a: number; b: number }[]): number {
  const n = t.z.length;
  const rads = new Float64Array(n);
  const vi = new Float64Array(n);
  for (let i = 0; i < n; i++) rads[i] = element(t.z[i]!).rb0;
  // RDKit's bondScaleFacts indexed by bond type: SINGLE 0, DOUBLE .2, TRIPLE .3; aromatic .1.
  const scale = [0.1, 0, 0.2, 0.3];
  bondAtoms.forEach(({ a, b }, k) => {
    const ri = rads[a]!;
    const rj = rads[b]!;
    let bij = ri + rj;
    bij -= t.bondAromatic[k] === 1 ? scale[0]! : scale[t.bondOrder[k]!]!;
    const dij = Math.min(Math.max(Math.abs(ri - rj), bij), ri + rj);
    vi[a]! += rj * rj - ((ri - dij) * (ri - dij)) / dij;
    vi[b]! += ri * ri - ((rj - dij) * (rj - dij)) / dij;
  });
  let hContrib = 0.0;
  const rh = element(1).rb0;
  // As in RDKit: one hydrogen term per atom, whatever its H count.
  for (let i = 0; i < n; i++) {
    const ri = rads[i]!;
    const bij = ri + rh;
    const dij = Math.min(Math.max(Math.abs(ri - rh), bij), ri + rh);
    vi[i]! += rh * rh - ((ri - dij) * (ri - dij)) / dij;
    hContrib += ri * ri - ((rh - dij) * (rh - dij)) / dij;
  }
  let res = 0.0;
  for (let i = 0; i < n; i++) {
    const ri = rads[i]!;
    vi[i] = Math.PI * ri * (4 * ri - vi[i]!);
    res += vi[i]!;
  }
  if (Math.abs(hContrib) > 1e-4) {
    hContrib = Math.PI * rh * (4 * rh - hContrib);
    res += hContrib;
  }
  return res;
}

/** Descriptors::calcNumSpiroAtoms: atoms shared by exactly one atom between two SSSR rings. */
function spiroAtoms(atomRings: readonly (readonly number[])[]): number {
  const atoms = new Set<number>();
  for (let i = 0; i < atomRings.length; i++) {
    for (let j = i + 1; j < atomRings.length; j++) {
      const shared = atomRings[i]!.filter((a) => atomRings[j]!.includes(a));
      if (shared.length === 1) atoms.add(shared[0]!);
    }
  }
  return atoms.size;
}

/** Descriptors::calcNumBridgeheadAtoms: the end atoms of a path of ≥ 2 bonds shared by two rings. */
function bridgeheadAtoms(bondRings: readonly (readonly number[])[], bondAtoms: readonly { a: number; b: number }[]): number {
  const atoms = new Set<number>();
  for (let i = 0; i < bondRings.length; i++) {
    for (let j = i + 1; j < bondRings.length; j++) {
      const shared = bondRings[i]!.filter((b) => bondRings[j]!.includes(b));
      if (shared.length <= 1) continue;
      const counts = new Map<number, number>();
      for (const k of shared) {
        const { a, b } = bondAtoms[k]!;
        counts.set(a, (counts.get(a) ?? 0) + 1);
        counts.set(b, (counts.get(b) ?? 0) + 1);
      }
      for (const [atom, c] of counts) if (c === 1) atoms.add(atom);
    }
  }
  return atoms.size;
}

/**
 * MolOps::getAvgMolWt (Code/GraphMol/MolProps.cpp): RDKit's amw, also used alone (ingest's unit
 * conversions). The caller must have checked nativeDescriptorsRefusal(graph) === null.
 */
export function nativeAverageMolWeight(graph: MolGraph): number {
  const hWeight = element(1).mass;
  let res = 0.0;
  for (const a of graph.atoms) {
    res += element(a.z).mass;
    res += a.hs * hWeight;
  }
  return res;
}

/**
 * The NATIVE_DESCRIPTORS of a molecule, by RDKit name. The caller must have checked
 * nativeDescriptorsRefusal(graph) === null.
 */
export function nativeDescriptors(graph: MolGraph): Record<string, number> {
  const { target: t, atomRings, bondRings } = prepare(graph);
  const n = graph.atoms.length;
  const memo = newMemo();
  let lipinskiHBA = 0;
  let lipinskiHBD = 0;
  let heavy = 0;
  let hetero = 0;
  let carbons = 0;
  let sp3 = 0;
  for (let i = 0; i < n; i++) {
    const z = t.z[i]!;
    if (z === 7 || z === 8) {
      lipinskiHBA++;
      lipinskiHBD += t.totalHs[i]!;
    }
    if (z > 1) heavy++;
    if (z !== 6 && z !== 1) hetero++;
    if (z === 6) {
      carbons++;
      if (t.totalDegree[i] === 4) sp3++;
    }
  }
  let aromaticRings = 0;
  let aliphaticRings = 0;
  for (const ring of bondRings) {
    if (ring.every((k) => t.bondAromatic[k] === 1)) aromaticRings++;
    else aliphaticRings++;
  }
  const heterocycles = atomRings.filter((ring) => ring.some((a) => t.z[a] !== 6)).length;
  const { logp, mr } = crippen(t);
  return {
    exactmw: exactMolWeight(t),
    amw: nativeAverageMolWeight(graph),
    lipinskiHBA,
    lipinskiHBD,
    NumRotatableBonds: countMatches(ROTATABLE, t, memo),
    NumHBD: countMatches(HBD, t, memo),
    NumHBA: countMatches(HBA, t, memo),
    NumHeavyAtoms: heavy,
    NumHeteroatoms: hetero,
    NumAmideBonds: countMatches(AMIDE, t, memo),
    FractionCSP3: carbons ? sp3 / carbons : 0,
    NumRings: atomRings.length,
    NumAromaticRings: aromaticRings,
    NumAliphaticRings: aliphaticRings,
    NumHeterocycles: heterocycles,
    NumSpiroAtoms: spiroAtoms(atomRings),
    NumBridgeheadAtoms: bridgeheadAtoms(bondRings, graph.bonds),
    labuteASA: labuteAsa(t, graph.bonds),
    tpsa: tpsa(t, atomRings),
    CrippenClogP: logp,
    CrippenMR: mr,
  };
}
