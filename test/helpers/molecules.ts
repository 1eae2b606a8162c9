/**
 * Deterministic combinatorial molecules for tests that need many valid structures
 * without the shared data sets: med-chem cores × two R-group lists.
 */
const CORES = [
  'c1cc({R1})ccc1{R2}',
  'c1nc({R1})ccc1{R2}',
  'c1cc2cc({R1})ccc2n1{R2}',
  'O=C(N{R2})c1ccc({R1})cc1',
  'C1CCN(CC1{R1}){R2}',
  'c1cnc2[nH]c({R1})cc2c1{R2}',
  'O=C1NC({R1})CN1{R2}',
  'c1c({R2})sc({R1})n1',
  'C1CC1(C{R1}){R2}',
  'c1c({R2})c(ncn1){R1}',
  'c1ccc2oc({R1})c({R2})c2c1',
  'C1CN({R1})CCN1{R2}',
];
const R_GROUPS = [
  'C',
  'CC',
  'C(C)C',
  'OC',
  'F',
  'Cl',
  'Br',
  'C(F)(F)F',
  'C#N',
  'N',
  'NC(C)=O',
  'S(C)(=O)=O',
  'C(=O)O',
  'C(=O)OC',
  'OCC',
  'N(C)C',
  'C9CC9',
  'c9ccccc9',
  'c9ccncc9',
  'C9CCOCC9',
  'C9CCNCC9',
  'OCc9ccccc9',
  'C(=O)N',
  'CO',
  'CCO',
  'c9ccco9',
  'N9CCOCC9',
  'C(C)(C)C',
  'OC(F)F',
  'SC',
];

/** The first `count` molecules, cycling through the cores fastest so any prefix spans many scaffolds. */
export function combinatorialSmiles(count: number): string[] {
  const total = CORES.length * R_GROUPS.length * R_GROUPS.length;
  if (count > total) throw new Error(`only ${total} combinatorial molecules available, asked for ${count}`);
  return Array.from({ length: count }, (_, i) => {
    const core = CORES[i % CORES.length]!;
    const r1 = R_GROUPS[Math.floor(i / CORES.length) % R_GROUPS.length]!;
    const r2 = R_GROUPS[Math.floor(i / (CORES.length * R_GROUPS.length))]!;
    return core.replace('{R1}', r1).replace('{R2}', r2);
  });
}
