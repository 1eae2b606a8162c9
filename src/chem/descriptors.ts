import { hashOf } from '../core/hash.js';
import { NATIVE_DESCRIPTORS, nativeDescriptors, nativeDescriptorsRefusal } from './descriptors-native.js';
import type { MolGraph } from './molgraph.js';
import { rdkitVersion, type Mol } from './rdkit.js';

/**
 * A named, versioned descriptor dictionary. Its version hash covers the RDKit version
 * and the exact list (names, sources, order), so any change is a new feature world and
 * models built on the old one are not silently fed the new one.
 */
export interface DescriptorDefinition {
  /** Column name in rotguard outputs. */
  name: string;
  /** Where the value comes from: an RDKit get_descriptors() key, or "graph:…" computed here. */
  source: string;
  description: string;
}

export interface DescriptorDictionary {
  id: string; // e.g. "rdkit-desc@1"
  descriptors: readonly DescriptorDefinition[];
}

const RDKIT_DESC_1: DescriptorDictionary = {
  id: 'rdkit-desc@1',
  descriptors: [
    { name: 'mol_weight', source: 'amw', description: 'average molecular weight (Da)' },
    { name: 'exact_mass', source: 'exactmw', description: 'monoisotopic mass (Da)' },
    { name: 'clogp', source: 'CrippenClogP', description: 'Wildman–Crippen logP' },
    { name: 'molar_refractivity', source: 'CrippenMR', description: 'Wildman–Crippen molar refractivity' },
    { name: 'tpsa', source: 'tpsa', description: 'topological polar surface area (Å², N and O only)' },
    { name: 'labute_asa', source: 'labuteASA', description: "Labute's approximate surface area (Å²)" },
    { name: 'hbd', source: 'NumHBD', description: 'H-bond donors' },
    { name: 'hba', source: 'NumHBA', description: 'H-bond acceptors' },
    { name: 'lipinski_hbd', source: 'lipinskiHBD', description: 'NH + OH count (Lipinski)' },
    { name: 'lipinski_hba', source: 'lipinskiHBA', description: 'N + O count (Lipinski)' },
    { name: 'rotatable_bonds', source: 'NumRotatableBonds', description: 'rotatable bonds (RDKit strict definition)' },
    { name: 'aromatic_proportion', source: 'graph:aromatic_proportion', description: 'aromatic heavy atoms / heavy atoms (Delaney)' },
    { name: 'fraction_csp3', source: 'FractionCSP3', description: 'fraction of sp3 carbons' },
    { name: 'heavy_atoms', source: 'NumHeavyAtoms', description: 'heavy atom count' },
    { name: 'heteroatoms', source: 'NumHeteroatoms', description: 'atoms other than C and H' },
    { name: 'rings', source: 'NumRings', description: 'ring count (SSSR)' },
    { name: 'aromatic_rings', source: 'NumAromaticRings', description: 'aromatic ring count' },
    { name: 'aliphatic_rings', source: 'NumAliphaticRings', description: 'aliphatic ring count' },
    { name: 'heterocycles', source: 'NumHeterocycles', description: 'rings containing a heteroatom' },
    { name: 'amide_bonds', source: 'NumAmideBonds', description: 'amide bond count' },
    { name: 'stereocenters', source: 'NumAtomStereoCenters', description: 'tetrahedral stereocentres' },
    { name: 'spiro_atoms', source: 'NumSpiroAtoms', description: 'spiro atoms' },
    { name: 'bridgehead_atoms', source: 'NumBridgeheadAtoms', description: 'bridgehead atoms' },
    { name: 'formal_charge', source: 'graph:formal_charge', description: 'net formal charge' },
  ],
};

/**
 * rdkit-desc@2: rdkit-desc@1 plus every other descriptor RDKit's MinimalLib computes
 * (connectivity and shape indices, saturated/aromatic ring subtypes). A new id, never a
 * change to @1: models built on @1 keep their feature world. Chosen for the learners of
 * issue 17 (gradient-boosted trees use the extra topology; see bench/admet).
 */
const RDKIT_DESC_2: DescriptorDictionary = {
  id: 'rdkit-desc@2',
  descriptors: [
    ...RDKIT_DESC_1.descriptors,
    { name: 'atoms', source: 'NumAtoms', description: 'atom count including hydrogens' },
    { name: 'saturated_rings', source: 'NumSaturatedRings', description: 'saturated ring count' },
    { name: 'aromatic_heterocycles', source: 'NumAromaticHeterocycles', description: 'aromatic rings containing a heteroatom' },
    { name: 'saturated_heterocycles', source: 'NumSaturatedHeterocycles', description: 'saturated rings containing a heteroatom' },
    { name: 'aliphatic_heterocycles', source: 'NumAliphaticHeterocycles', description: 'aliphatic rings containing a heteroatom' },
    { name: 'unspecified_stereocenters', source: 'NumUnspecifiedAtomStereoCenters', description: 'tetrahedral stereocentres without assigned configuration' },
    ...[0, 1, 2, 3, 4].map((k) => ({ name: `chi${k}v`, source: `chi${k}v`, description: `Kier–Hall valence connectivity index χ${k}v` })),
    ...[0, 1, 2, 3, 4].map((k) => ({ name: `chi${k}n`, source: `chi${k}n`, description: `Kier–Hall connectivity index χ${k}n` })),
    { name: 'hall_kier_alpha', source: 'hallKierAlpha', description: 'Hall–Kier alpha (shape correction)' },
    { name: 'kappa1', source: 'kappa1', description: 'Kier shape index κ1' },
    { name: 'kappa2', source: 'kappa2', description: 'Kier shape index κ2' },
    { name: 'kappa3', source: 'kappa3', description: 'Kier shape index κ3' },
    { name: 'phi', source: 'Phi', description: 'Kier flexibility index Φ' },
  ],
};

const DICTIONARIES = new Map<string, DescriptorDictionary>([
  [RDKIT_DESC_1.id, RDKIT_DESC_1],
  [RDKIT_DESC_2.id, RDKIT_DESC_2],
]);

export const DEFAULT_DESCRIPTOR_DICTIONARY = RDKIT_DESC_1.id;

export function descriptorDictionary(id: string = DEFAULT_DESCRIPTOR_DICTIONARY): DescriptorDictionary {
  const dict = DICTIONARIES.get(id);
  if (!dict) throw new Error(`unknown descriptor dictionary ${id}; known: ${[...DICTIONARIES.keys()].join(', ')}`);
  return dict;
}

export function descriptorDictionaryIds(): string[] {
  return [...DICTIONARIES.keys()];
}

/**
 * sha256 over the dictionary id, its exact descriptor list and the RDKit version (this
 * thread's RDKit unless given, e.g. by a worker pool whose workers loaded it).
 */
export function descriptorVersionHash(dict: DescriptorDictionary, rdkit: string = rdkitVersion()): string {
  return hashOf({
    dictionary: dict.id,
    rdkit,
    descriptors: dict.descriptors.map((d) => ({ name: d.name, source: d.source })),
  });
}

/**
 * Every descriptor RDKit's get_descriptors() computes, by RDKit's name. Checked, not cast:
 * a MinimalLib that returned something else would otherwise give silent NaN features.
 */
export function rdkitDescriptorValues(mol: Mol): Record<string, number> {
  const parsed: unknown = JSON.parse(mol.get_descriptors());
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('RDKit get_descriptors() did not return a JSON object');
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== 'number') throw new Error(`RDKit get_descriptors(): ${name} is ${JSON.stringify(value)}, not a number`);
    out[name] = value;
  }
  return out;
}

/**
 * RDKit's count of atom stereocentres (NumAtomStereoCenters, assigned or not) read from the
 * centres its CIP labelling reports, "(?)" for unassigned ones: one cheap MinimalLib call
 * instead of get_descriptors. Equal on every molecule of test/chem/descriptors-native.test.ts.
 */
export function atomStereoCentres(mol: Mol): number {
  const parsed: unknown = JSON.parse(mol.get_stereo_tags());
  if (typeof parsed !== 'object' || parsed === null || !('CIP_atoms' in parsed) || !Array.isArray(parsed.CIP_atoms)) {
    throw new Error('RDKit get_stereo_tags() did not return {CIP_atoms: [...]}');
  }
  return parsed.CIP_atoms.length;
}

/** The RDKit names the TypeScript path answers: its own list plus the stereocentre count. */
const FAST_SOURCES = new Set([...NATIVE_DESCRIPTORS, 'NumAtomStereoCenters']);
const coveredByFastPath = new Map<DescriptorDictionary, boolean>();

function fastPathCovers(dict: DescriptorDictionary): boolean {
  let covered = coveredByFastPath.get(dict);
  if (covered === undefined) {
    covered = dict.descriptors.every((d) => d.source.startsWith('graph:') || FAST_SOURCES.has(d.source));
    coveredByFastPath.set(dict, covered);
  }
  return covered;
}

/**
 * RDKit's descriptor values by RDKit name: computed in TypeScript (descriptors-native.ts) when
 * the dictionary and the molecule are covered, else MinimalLib's get_descriptors. Both give
 * the same doubles (the test is the proof), so the dictionary's version hash does not change.
 */
export function descriptorValuesFor(dict: DescriptorDictionary, mol: Mol, graph: MolGraph): Record<string, number> {
  if (fastPathCovers(dict) && nativeDescriptorsRefusal(graph) === null) {
    const values = nativeDescriptors(graph);
    values.NumAtomStereoCenters = atomStereoCentres(mol);
    return values;
  }
  return rdkitDescriptorValues(mol);
}

/** Values in dictionary order. NaN marks a value RDKit did not return. */
export function computeDescriptors(dict: DescriptorDictionary, mol: Mol, graph: MolGraph, out?: Float64Array): Float64Array {
  const values = out ?? new Float64Array(dict.descriptors.length);
  const rd = descriptorValuesFor(dict, mol, graph);
  dict.descriptors.forEach((d, i) => {
    values[i] = d.source.startsWith('graph:') ? graphDescriptor(d.source, graph) : (rd[d.source] ?? Number.NaN);
  });
  return values;
}

/** Heavy atoms and aromatic heavy atoms of a molecule graph (Delaney's aromatic proportion is their ratio). */
export function heavyAtomCounts(graph: MolGraph): { heavy: number; aromatic: number } {
  let heavy = 0;
  let aromatic = 0;
  for (const a of graph.atoms) {
    if (a.z === 1) continue;
    heavy++;
    if (a.aromatic) aromatic++;
  }
  return { heavy, aromatic };
}

function graphDescriptor(source: string, graph: MolGraph): number {
  switch (source) {
    case 'graph:aromatic_proportion': {
      const { heavy, aromatic } = heavyAtomCounts(graph);
      return heavy ? aromatic / heavy : 0;
    }
    case 'graph:formal_charge':
      return graph.atoms.reduce((sum, a) => sum + a.chg, 0);
    default:
      throw new Error(`unknown graph descriptor ${source}`);
  }
}
