import { heavyAtomCounts as graphAtomCounts, rdkitDescriptorValues } from '../chem/descriptors.js';
import type { MolGraph } from '../chem/molgraph.js';
import { rdkit, type Mol } from '../chem/rdkit.js';
import { release, standardize } from '../chem/standardize.js';

/**
 * The chemistry of the demo programme: four med-chem series built by enumerating real
 * R-groups on real cores, the reference drugs, and the ground truth (Delaney's ESOL).
 *
 * A series is a core SMILES template whose attachment points are written `({1})`, `({2})`,
 * `({3})` (always as a branch), and one R-group list per attachment point. An R-group is a
 * SMILES fragment whose first atom bonds to the core; ring closures inside an R-group use
 * the digit 9, renumbered to %51, %52, %53 for attachment points 1–3 so they can never
 * clash with the core's ring-closure digits. The empty string is hydrogen (the branch is
 * dropped). Every assembled SMILES is then parsed, sanitized and standardized by RDKit,
 * and checked to be one fragment with exactly the heavy atoms of core + R-groups.
 *
 * Ring-bearing R-groups change the Bemis–Murcko scaffold, so each series keeps them to a
 * few per attachment point: the established series have 3–9 scaffolds each, which the
 * half-year of history covers, so later compounds of those series mostly have scaffolds
 * a model trained on the history has seen.
 */
export interface SeriesDefinition {
  name: string;
  /** Core template with ({1}) … ({3}) attachment points. */
  template: string;
  description: string;
  /** Series effect in log units relative to the ESOL truth (established series; the new series takes the scenario's). */
  effect: number;
  rgroups: readonly (readonly string[])[];
}

export const ESTABLISHED_SERIES: readonly SeriesDefinition[] = [
  {
    name: 'aminopyrimidine',
    template: 'c1cc({1})nc(Nc2ccc({2})c({3})c2)n1',
    description: '2-anilinopyrimidine kinase hinge binders (4-substituted pyrimidine, para/meta-substituted aniline)',
    effect: 0.2,
    rgroups: [
      // pyrimidine C4
      ['', 'C', 'CC', 'C(F)(F)F', 'Cl', 'OC', 'OCC', 'N', 'NC', 'N(C)C', 'C#N', 'CO', 'C9CC9', 'c9cccnc9'],
      // aniline para
      ['', 'F', 'Cl', 'Br', 'C', 'OC', 'C(F)(F)F', 'C#N', 'S(C)(=O)=O', 'C(=O)NC', 'C(=O)N(C)C', 'NC(C)=O', 'N9CCOCC9', 'N9CCN(C)CC9'],
      // aniline meta
      ['', 'F', 'Cl', 'C', 'OC', 'C(F)(F)F', 'C#N', 'OCC', 'CO'],
    ],
  },
  {
    name: 'quinazoline',
    template: 'c1nc(Nc2ccc({3})c({2})c2)c2cc({1})c(OC)cc2n1',
    description: '4-anilino-7-methoxyquinazolines, EGFR-type kinase inhibitors (6-substituent, meta/para-substituted aniline)',
    effect: -0.2,
    rgroups: [
      // quinazoline C6
      ['', 'OC', 'OCC', 'OCCOC', 'OCCCN(C)C', 'OC(C)C', 'F', 'NC(=O)C=C', 'NC(C)=O', 'OCCO', 'OCCCN9CCOCC9', 'OC9CCOC9'],
      // aniline meta
      ['', 'Cl', 'Br', 'F', 'C', 'C#C', 'C(F)(F)F', 'OC', 'C#N', 'CC'],
      // aniline para
      ['', 'F', 'Cl', 'Br', 'C', 'OC', 'OCC', 'C#N', 'O', 'N(C)C'],
    ],
  },
  {
    name: 'benzimidazole',
    template: 'c1({1})nc2cc({2})ccc2n1({3})',
    description: '1,2,5-trisubstituted benzimidazoles (C2 substituent, C5 substituent, N1 alkyl)',
    effect: 0.1,
    rgroups: [
      // C2
      ['C', 'CC', 'C(C)C', 'C(F)(F)F', 'N', 'NC', 'CO', 'COC', 'CN(C)C', 'SC', 'C9CC9', 'c9ccccc9'],
      // C5
      ['', 'F', 'Cl', 'Br', 'C', 'OC', 'C(F)(F)F', 'C#N', 'C(N)=O', 'C(=O)OC', 'S(N)(=O)=O', 'C(=O)NC'],
      // N1 (always substituted: no NH tautomers)
      ['C', 'CC', 'CCC', 'C(C)C', 'CCOC', 'CCO', 'CCN(C)C', 'CC(F)(F)F', 'CC(C)C', 'CC9CC9', 'Cc9ccccc9'],
    ],
  },
];

export const NEW_SERIES: SeriesDefinition = {
  name: 'sulfonylpiperazine',
  template: 'O=C({2})N1CCN(S(=O)(=O)c2ccc({1})c({3})c2)CC1',
  description: 'N-acyl-4-(arylsulfonyl)piperazines from a new hit-to-lead campaign (aryl para/meta substituents, acyl or carbamate cap)',
  effect: Number.NaN, // the scenario's newSeries.effect
  rgroups: [
    // aryl para
    ['', 'F', 'Cl', 'Br', 'C', 'OC', 'C(F)(F)F', 'C#N', 'OC(F)(F)F', 'CC', 'C(C)(C)C', 'NC(C)=O'],
    // acyl cap: amides, carbamates, a urea
    ['C', 'CC', 'C(C)C', 'C(C)(C)C', 'COC', 'CN(C)C', 'CC(F)(F)F', 'OC(C)(C)C', 'OCC', 'NC', 'C9CC9', 'c9ccco9', 'C9CCOCC9'],
    // aryl meta
    ['', 'F', 'Cl', 'C', 'OC', 'C(F)(F)F', 'C#N', 'Br'],
  ],
};

/**
 * Control compounds: marketed drugs whose aqueous solubility is well known, measured in
 * every batch at every site. Their truth in the simulation is their ESOL value (no series effect).
 */
export const REFERENCE_DRUGS: readonly { name: string; smiles: string }[] = [
  // The default six span ESOL −4.6 … −1.7, so that protocol shifts and site offsets keep them in range.
  { name: 'carbamazepine', smiles: 'NC(=O)N1c2ccccc2C=Cc2ccccc21' },
  { name: 'diclofenac', smiles: 'OC(=O)Cc1ccccc1Nc1c(Cl)cccc1Cl' },
  { name: 'phenytoin', smiles: 'O=C1NC(=O)C(c2ccccc2)(c2ccccc2)N1' },
  { name: 'naproxen', smiles: 'COc1ccc2cc([C@H](C)C(=O)O)ccc2c1' },
  { name: 'griseofulvin', smiles: 'COC1=CC(=O)C[C@@H](C)[C@]12Oc1c(Cl)c(OC)cc(OC)c1C2=O' },
  { name: 'hydrochlorothiazide', smiles: 'NS(=O)(=O)c1cc2c(cc1Cl)NCNS2(=O)=O' },
  // Up to references.count = 10: the more soluble ones (caffeine, theophylline: ESOL ≈ −0.8) come last.
  { name: 'ibuprofen', smiles: 'CC(C)Cc1ccc(C(C)C(=O)O)cc1' },
  { name: 'paracetamol', smiles: 'CC(=O)Nc1ccc(O)cc1' },
  { name: 'caffeine', smiles: 'Cn1c(=O)c2c(ncn2C)n(C)c1=O' },
  { name: 'theophylline', smiles: 'Cn1c(=O)c2[nH]cnc2n(C)c1=O' },
];

/** Number of R-group combinations of a series. */
export function poolSize(def: SeriesDefinition): number {
  return def.rgroups.reduce((n, list) => n * list.length, 1);
}

/** R-group indices of combination k (mixed radix, first attachment point fastest). */
export function combination(def: SeriesDefinition, k: number): number[] {
  const out: number[] = [];
  for (const list of def.rgroups) {
    out.push(k % list.length);
    k = Math.floor(k / list.length);
  }
  return out;
}

/** The SMILES of one R-group combination (not yet validated: see makeMolecule). */
export function assemble(def: SeriesDefinition, choice: readonly number[]): string {
  let smiles = def.template;
  def.rgroups.forEach((list, i) => {
    const r = list[choice[i]!]!;
    const slot = `({${i + 1}})`;
    if (!smiles.includes(slot)) throw new Error(`series ${def.name}: template lacks ${slot}`);
    smiles = smiles.replace(slot, r === '' ? '' : `(${r.replace(/9/g, `%5${i + 1}`)})`);
  });
  return smiles;
}

/** The core with RDKit attachment points ([*:1] …), for display and SeriesInfo. */
export function coreWithAttachmentPoints(def: SeriesDefinition): string {
  return def.template.replace(/\{(\d)\}/g, '[*:$1]');
}

/** Heavy atoms a series' core and each of its R-groups contribute: the assembly check of makeMolecule. */
export interface HeavyAtomCounts {
  core: number;
  rgroups: number[][];
}

export function heavyAtomCounts(def: SeriesDefinition): HeavyAtomCounts {
  const count = (smiles: string): number => {
    const mol = rdkit().get_mol(smiles);
    if (!mol) throw new Error(`series ${def.name}: RDKit cannot parse fragment ${smiles}`);
    try {
      return mol.get_num_atoms(true);
    } finally {
      mol.delete();
    }
  };
  // Every attachment point as a methyl (a bare core may not be valid, e.g. an N-H-less benzimidazole), minus those methyls.
  const slots = def.template.match(/\(\{\d\}\)/g)?.length ?? 0;
  const core = count(def.template.replace(/\(\{\d\}\)/g, '(C)')) - slots;
  return { core, rgroups: def.rgroups.map((list) => list.map((r) => (r === '' ? 0 : count(r.replace(/9/g, '1'))))) };
}

/** The inputs of Delaney's ESOL equation. */
export interface EsolInputs {
  /** Wildman–Crippen logP (RDKit CrippenClogP, = MolLogP). */
  clogp: number;
  /** Average molecular weight (RDKit amw, = Descriptors.MolWt). */
  mw: number;
  /** Rotatable bonds (RDKit NumRotatableBonds, strict definition). */
  rotatableBonds: number;
  /** Aromatic heavy atoms / heavy atoms. */
  aromaticProportion: number;
}

/**
 * Delaney's ESOL (J. Chem. Inf. Comput. Sci. 2004, 44, 1000–1005, equation 2):
 *   logS = 0.16 − 0.63·clogP − 0.0062·MW + 0.066·RB − 0.74·AP   (log10 mol/L)
 */
export function esol(d: EsolInputs): number {
  return 0.16 - 0.63 * d.clogp - 0.0062 * d.mw + 0.066 * d.rotatableBonds - 0.74 * d.aromaticProportion;
}

/** Heavy and aromatic heavy atoms (the project's one definition, as the descriptor dictionary uses). */
const atomCounts = graphAtomCounts;

/** The RDKit descriptors ESOL needs, from one get_descriptors call. */
function rdkitEsolTerms(mol: Mol): { clogp: number; mw: number; rotatableBonds: number } {
  const rd = rdkitDescriptorValues(mol);
  const terms = { clogp: rd.CrippenClogP!, mw: rd.amw!, rotatableBonds: rd.NumRotatableBonds! };
  for (const [k, v] of Object.entries(terms)) if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`RDKit returned no ${k}`);
  return terms;
}

/** ESOL inputs of a standardized molecule (one get_descriptors call). */
export function esolInputs(mol: Mol, graph: MolGraph): EsolInputs {
  const { heavy, aromatic } = atomCounts(graph);
  return { ...rdkitEsolTerms(mol), aromaticProportion: heavy ? aromatic / heavy : 0 };
}

/** A structure RDKit accepted, standardized, with the atom counts of its graph. */
export interface IdentifiedMolecule {
  smiles: string;
  inchikey: string;
  heavyAtoms: number;
  aromaticAtoms: number;
}

/**
 * Standardizes `smiles`, or says why it is not usable: RDKit rejects it, standardization
 * changed it (a generated compound must already be a single neutral parent), or its
 * heavy-atom count is not `expectedHeavyAtoms` (an assembly slip).
 */
export function identifyMolecule(smiles: string, expectedHeavyAtoms?: number): IdentifiedMolecule | { rejected: string } {
  return withStandardized(smiles, expectedHeavyAtoms, (std, counts) => ({
    smiles: std.smiles,
    inchikey: std.inchikey,
    heavyAtoms: counts.heavy,
    aromaticAtoms: counts.aromatic,
  }));
}

/** A molecule RDKit accepted: standardized identity and ESOL. */
export interface MadeMolecule {
  smiles: string;
  inchikey: string;
  esolInputs: EsolInputs;
  esol: number;
}

/** identifyMolecule, plus the molecule's own ESOL from RDKit's descriptors. */
export function makeMolecule(smiles: string, expectedHeavyAtoms?: number): MadeMolecule | { rejected: string } {
  return withStandardized(smiles, expectedHeavyAtoms, (std, counts) => {
    const inputs = { ...rdkitEsolTerms(std.mol), aromaticProportion: counts.heavy ? counts.aromatic / counts.heavy : 0 };
    return { smiles: std.smiles, inchikey: std.inchikey, esolInputs: inputs, esol: esol(inputs) };
  });
}

function withStandardized<T>(
  smiles: string,
  expectedHeavyAtoms: number | undefined,
  fn: (std: ReturnType<typeof standardize>, counts: { heavy: number; aromatic: number }) => T,
): T | { rejected: string } {
  let std: ReturnType<typeof standardize>;
  try {
    std = standardize(smiles);
  } catch (e) {
    return { rejected: e instanceof Error ? e.message : String(e) };
  }
  try {
    if (std.changes.length) return { rejected: `standardization changed it: ${std.changes.join('; ')}` };
    const counts = atomCounts(std.graph);
    if (expectedHeavyAtoms !== undefined && counts.heavy !== expectedHeavyAtoms)
      return { rejected: `has ${counts.heavy} heavy atoms, expected ${expectedHeavyAtoms}` };
    return fn(std, counts);
  } finally {
    release(std);
  }
}

/**
 * The ESOL terms of every R-group combination of a series, from RDKit descriptors of
 * 1 + Σ(nᵢ − 1) molecules instead of one per combination (get_descriptors is most of the
 * cost of a compound, and a year of the programme needs ~1,900 of them).
 *
 * Crippen logP is a sum of atom contributions, MW a sum of atomic masses, and RDKit's
 * strict rotatable-bond count a count of bonds; each atom's Crippen type and each bond's
 * rotatability depend only on its own 1–2-bond neighbourhood. No R-group of these series
 * reaches into the neighbourhood that decides another R-group's terms, so the terms are
 * exactly additive over attachment points (a Free–Wilson decomposition with no error):
 *
 *   X(r₁, r₂, r₃) = X(base) + Σᵢ [X(base with rᵢ at point i) − X(base)],   base = first R-group of each list.
 *
 * Checked for all 5,796 combinations of the four series (clogP within 4e-15, MW within
 * 4e-13, rotatable bonds equal: test/demo/programme.test.ts with ROTGUARD_DEMO_EXHAUSTIVE=1),
 * on a sample in every test run, and against native RDKit through the ESOL fixture. The
 * aromatic proportion is not decomposed: it comes from each compound's own standardized graph.
 * A new R-group must keep that property; the tests will say if it does not.
 */
export class SeriesEsolTerms {
  readonly def: SeriesDefinition;
  private readonly base: readonly number[];
  private readonly deltas: number[][][]; // [point][r-group][term]

  constructor(def: SeriesDefinition) {
    this.def = def;
    const terms = (choice: number[]) => {
      const smiles = assemble(def, choice);
      const mol = rdkit().get_mol(smiles);
      if (!mol) throw new Error(`series ${def.name}: RDKit cannot parse ${smiles}`);
      try {
        const t = rdkitEsolTerms(mol);
        return [t.clogp, t.mw, t.rotatableBonds];
      } finally {
        mol.delete();
      }
    };
    const baseChoice = def.rgroups.map(() => 0);
    this.base = terms(baseChoice);
    this.deltas = def.rgroups.map((list, i) =>
      list.map((_, j) => {
        if (j === 0) return [0, 0, 0];
        const choice = [...baseChoice];
        choice[i] = j;
        return terms(choice).map((v, t) => v - this.base[t]!);
      }),
    );
  }

  /** clogP, MW and rotatable bonds of combination `choice`. */
  terms(choice: readonly number[]): { clogp: number; mw: number; rotatableBonds: number } {
    const [clogp, mw, rb] = this.base.map((v, t) => choice.reduce((sum, j, i) => sum + this.deltas[i]![j]![t]!, v));
    return { clogp: clogp!, mw: mw!, rotatableBonds: Math.round(rb!) };
  }
}
