import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { matcherMolecule } from '../../src/chem/descriptors-native.js';
import { parseRdkitJson } from '../../src/chem/molgraph.js';
import { loadRDKit, rdkit } from '../../src/chem/rdkit.js';
import { compileSmarts, countMatches, matchesAt, newMemo } from '../../src/chem/smarts.js';

before(async () => {
  await loadRDKit();
});

function molecule(smiles: string) {
  const mol = rdkit().get_mol(smiles);
  assert.ok(mol, smiles);
  try {
    return matcherMolecule(parseRdkitJson(mol.get_json()));
  } finally {
    mol.delete();
  }
}

/** RDKit's own count of a pattern's matches (uniquified), for comparison. */
function rdkitCount(smiles: string, smarts: string): number {
  const mol = rdkit().get_mol(smiles)!;
  const query = rdkit().get_qmol(smarts)!;
  try {
    const found: unknown = JSON.parse(mol.get_substruct_matches(query));
    return Array.isArray(found) ? found.length : 0;
  } finally {
    mol.delete();
    query.delete();
  }
}

describe('the SMARTS matcher', () => {
  const cases: [string, string][] = [
    ['NC(N)=O', 'C(=[O;!R])N'], // urea: two amide matches on different N
    ['O=C1CCCN1', 'C(=[O;!R])N'], // lactam: the O is not in a ring, the match counts
    ['CC(=O)NCc1ccccc1', '[!$(*#*)&!D1]-,:;!@[!$(*#*)&!D1]'], // non-ring single bonds between non-terminal atoms
    ['c1ccc2[nH]ccc2c1', '[n&H1&+0]'],
    ['CS(=O)(=O)Nc1ccccc1', '[$([O,S;H0;v2]),$([N;v3;!$(N-*=!@[O,N,P,S])])]'],
    ['C[N+](C)(C)CC(=O)[O-]', '[O;-]'],
    ['FC(F)(F)c1ccccc1', '[$(C(F)(F)F)]'],
    ['C1CC2CCC1C2', '[R2]'],
    ['C1CC1NC1CCCCC1', '[r3]'],
  ];
  for (const [smiles, smarts] of cases) {
    it(`counts ${smarts} in ${smiles} as RDKit does`, () => {
      assert.equal(countMatches(compileSmarts(smarts), molecule(smiles), newMemo()), rdkitCount(smiles, smarts));
    });
  }

  it('roots a match at the given atom', () => {
    const m = molecule('OCC(=O)O');
    const acidO = compileSmarts('[OH]C=O');
    assert.equal(matchesAt(acidO, m, 0, newMemo()), false); // the alcohol O
    assert.equal(matchesAt(acidO, m, 4, newMemo()), true); // the acid OH
  });

  it('knows which elements a pattern can start on, and says "any" when it cannot tell', () => {
    assert.deepEqual([...compileSmarts('[O,S;H1]').rootElements!].sort(), [16, 8].sort());
    assert.deepEqual([...compileSmarts('[c](:a)(:a):a').rootElements!], [6]);
    assert.equal(compileSmarts('[!C;A]').rootElements, null);
    assert.equal(compileSmarts('a').rootElements, null);
  });

  it('refuses what it does not implement when the pattern is compiled', () => {
    assert.throws(() => compileSmarts('C1CCCCC1'), /ring closures/);
    assert.throws(() => compileSmarts('[C@H](F)(Cl)Br'), /unsupported/);
  });
});
