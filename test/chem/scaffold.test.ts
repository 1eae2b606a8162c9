import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { featurize } from '../../src/chem/featurize.js';
import { DEFAULT_DESCRIPTOR_DICTIONARY } from '../../src/chem/descriptors.js';
import { DEFAULT_MORGAN } from '../../src/chem/fingerprint.js';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { murckoScaffolds, type Scaffolds } from '../../src/chem/scaffold.js';
import { release, standardize } from '../../src/chem/standardize.js';
import { loadReference } from './reference.js';

before(async () => {
  await loadRDKit();
});

function scaffoldsOf(input: string): Scaffolds {
  const s = standardize(input);
  try {
    return murckoScaffolds(s.graph);
  } finally {
    release(s);
  }
}

describe('Murcko scaffolds vs native RDKit', () => {
  it('scaffold and generic framework equal native for every fixture molecule', () => {
    const ref = loadReference();
    const mismatches: string[] = [];
    for (const m of ref.molecules) {
      const ours = scaffoldsOf(m.input);
      if (ours.scaffold !== m.scaffold) mismatches.push(`${m.name} scaffold: ours ${JSON.stringify(ours.scaffold)} native ${JSON.stringify(m.scaffold)}`);
      if (ours.framework !== m.framework) mismatches.push(`${m.name} framework: ours ${JSON.stringify(ours.framework)} native ${JSON.stringify(m.framework)}`);
    }
    assert.deepEqual(mismatches, []);
  });

  it('featurize() reports the same scaffolds', () => {
    const ref = loadReference();
    for (const m of ref.molecules.slice(0, 12)) {
      const f = featurize(m.input, { descriptors: DEFAULT_DESCRIPTOR_DICTIONARY, morgan: DEFAULT_MORGAN });
      assert.equal(f.scaffold, m.scaffold, m.name);
      assert.equal(f.framework, m.framework, m.name);
    }
  });
});

describe('Murcko scaffolds: named cases', () => {
  // [what, input, scaffold, framework]; values agree with RDKit's MurckoScaffold.
  const CASES: Array<[string, string, string, string]> = [
    ['acyclic alkane', 'CCCCCC', '', ''],
    ['acyclic amino acid', 'NCC(=O)O', '', ''],
    ['acyclic salt', 'CC(=O)[O-].[Na+]', '', ''],
    ['side chains removed', 'CCc1ccccc1OC', 'c1ccccc1', 'C1CCCCC1'],
    ['exocyclic C=O stays (cyclohexanone)', 'O=C1CCCCC1', 'O=C1CCCCC1', 'C1CCCCC1'],
    ['exocyclic C=O on an aromatic ring (2-pyridone)', 'O=c1cccc[nH]1', 'O=c1cccc[nH]1', 'C1CCCCC1'],
    ['N-alkyl 2-pyridone: N regains its H', 'CCn1ccccc1=O', 'O=c1cccc[nH]1', 'C1CCCCC1'],
    ['exocyclic C=C stays', 'C=C1CCCCC1', 'C=C1CCCCC1', 'C1CCCCC1'],
    ['oxime: =N stays, its OH goes', 'ON=C1CCCCC1', 'N=C1CCCCC1', 'C1CCCCC1'],
    ['spiro[4.5]decane', 'C1CCC2(C1)CCCCC2', 'C1CCC2(CC1)CCCC2', 'C1CCC2(CC1)CCCC2'],
    ['spiro piperidine: N-methyl removed', 'CN1CCC2(CCc3ccccc32)CC1', 'c1ccc2c(c1)CCC21CCNCC1', 'C1CCC2(CC1)CCC1CCCCC12'],
    ['naphthalene', 'Cc1ccc2ccccc2c1', 'c1ccc2ccccc2c1', 'C1CCC2CCCCC2C1'],
    ['indole', 'c1ccc2[nH]ccc2c1', 'c1ccc2[nH]ccc2c1', 'C1CCC2CCCC2C1'],
    ['N-methylindole -> indole', 'Cn1ccc2ccccc21', 'c1ccc2[nH]ccc2c1', 'C1CCC2CCCC2C1'],
    ['steroid (testosterone)', 'C[C@]12CC[C@H]3[C@@H](CCC4=CC(=O)CC[C@@]43C)[C@@H]1CC[C@@H]2O', 'O=C1C=C2CCC3C4CCCC4CCC3C2CC1', 'C1CCC2C(C1)CCC1C3CCCC3CCC21'],
    ['norbornane', 'C1CC2CCC1C2', 'C1CC2CCC1C2', 'C1CC2CCC1C2'],
    ['adamantane', 'CC12CC3CC(CC(C3)C1)C2', 'C1C2CC3CC1CC(C2)C3', 'C1C2CC3CC1CC(C2)C3'],
    ['camphor: methyls go, C=O stays', 'CC1(C)C2CCC1(C)C(=O)C2', 'O=C1CC2CCC1C2', 'C1CC2CCC1C2'],
    ['biphenyl: direct ring-ring bond', 'Cc1ccc(-c2ccccc2)cc1', 'c1ccc(-c2ccccc2)cc1', 'C1CCC(C2CCCCC2)CC1'],
    ['one-atom linker', 'c1ccc(Cc2ccccc2)cc1', 'c1ccc(Cc2ccccc2)cc1', 'C1CCC(CC2CCCCC2)CC1'],
    ['linker with C=O (phenyl pyridyl ketone)', 'O=C(c1ccccc1)c1ccccn1', 'O=C(c1ccccc1)c1ccccn1', 'C1CCC(CC2CCCCC2)CC1'],
    ['amide linker', 'CC(=O)c1ccc(NC(=O)c2ccccc2)cc1', 'O=C(Nc1ccccc1)c1ccccc1', 'C1CCC(CCC2CCCCC2)CC1'],
    ['sulfoxide linker keeps S=O (omeprazole)', 'COc1ccc2[nH]c(S(=O)Cc3ncc(C)c(OC)c3C)nc2c1', 'O=S(Cc1ccccn1)c1nc2ccccc2[nH]1', 'C1CCC(CCC2CC3CCCCC3C2)CC1'],
    ['sulfonamide side chain is not a linker', 'NS(=O)(=O)c1ccccc1', 'c1ccccc1', 'C1CCCCC1'],
    ['side chain beyond the last ring goes, linker stays', 'CCc1ccc(CCCC2CCCCC2)cc1', 'c1ccc(CCCC2CCCCC2)cc1', 'C1CCC(CCCC2CCCCC2)CC1'],
    ['salt: scaffold of the parent', 'CN(C)CCOC(c1ccccc1)c1ccccc1.Cl', 'c1ccc(Cc2ccccc2)cc1', 'C1CCC(CC2CCCCC2)CC1'],
    // Six ring bonds on S: as carbons that is over-valent, RDKit refuses it, and the framework is empty.
    ['hexavalent ring sulfur: no carbon framework', 'C1CCS2(CC1)(CCC2)(CC3)CC3', 'C1CCS23(CC1)(CCCC2)CCC3', ''],
    ['spiro sulfoxide: a carbon framework', 'C1C[S]2(CC1)(=O)CCC2', 'O=S12(CCCC1)CCC2', 'C1CCC2(C1)CCC2'],
    ['stereo is not part of a scaffold', 'CN[C@H]1CC[C@@H](c2ccc(Cl)c(Cl)c2)c2ccccc21', 'c1ccc(C2CCCc3ccccc32)cc1', 'C1CCC(C2CCCC3CCCCC32)CC1'],
  ];
  for (const [what, input, scaffold, framework] of CASES) {
    it(`${what}: ${input}`, () => {
      assert.deepEqual(scaffoldsOf(input), { scaffold, framework });
    });
  }

  it('different drugs sharing a framework: benzophenone and benzylbenzene', () => {
    assert.equal(scaffoldsOf('O=C(c1ccccc1)c1ccccc1').framework, scaffoldsOf('c1ccc(Cc2ccccc2)cc1').framework);
    assert.notEqual(scaffoldsOf('O=C(c1ccccc1)c1ccccc1').scaffold, scaffoldsOf('c1ccc(Cc2ccccc2)cc1').scaffold);
  });
});
