import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { MoleculeError } from '../../src/core/errors.js';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { release, standardize } from '../../src/chem/standardize.js';
import { loadReference } from './reference.js';

/** Canonical SMILES, InChIKey and changes of one input, freeing the molecule. */
function std(input: string): { smiles: string; inchikey: string; changes: string[]; charge: number } {
  const m = standardize(input);
  try {
    return { smiles: m.smiles, inchikey: m.inchikey, changes: m.changes, charge: m.graph.atoms.reduce((s, a) => s + a.chg, 0) };
  } finally {
    release(m);
  }
}

before(async () => {
  await loadRDKit();
});

describe('standardize: InChIKeys of known compounds', () => {
  // Standard InChIKeys as published (PubChem / ChEMBL). Each was checked against the
  // compound's literature key, not copied from our output; the inputs are deliberately
  // not always the parent form (salts, charges, Kekulé) to exercise standardization too.
  const KNOWN: Array<[string, string, string]> = [
    ['aspirin', 'CC(=O)Oc1ccccc1C(=O)O', 'BSYNRYMUTXBXSQ-UHFFFAOYSA-N'],
    ['caffeine', 'Cn1cnc2c1c(=O)n(C)c(=O)n2C', 'RYYVLZVUVIJVGH-UHFFFAOYSA-N'],
    ['benzene', 'c1ccccc1', 'UHOVQNZJYSORNB-UHFFFAOYSA-N'],
    ['ethanol', 'CCO', 'LFQSCWFLJHTTHZ-UHFFFAOYSA-N'],
    ['paracetamol', 'CC(=O)Nc1ccc(O)cc1', 'RZVAJINKPMORJF-UHFFFAOYSA-N'],
    ['ibuprofen', 'CC(C)Cc1ccc(cc1)C(C)C(=O)O', 'HEFNNWSXXWATRW-UHFFFAOYSA-N'],
    ['diazepam', 'CN1C(=O)CN=C(c2ccccc2)c2cc(Cl)ccc21', 'AAOVKJBEBIDNHE-UHFFFAOYSA-N'],
    ['imatinib', 'Cc1ccc(NC(=O)c2ccc(CN3CCN(C)CC3)cc2)cc1Nc1nccc(-c2cccnc2)n1', 'KTUFNOKKBVMGRW-UHFFFAOYSA-N'],
    ['atorvastatin', 'CC(C)c1c(C(=O)Nc2ccccc2)c(-c2ccccc2)c(-c2ccc(F)cc2)n1CC[C@@H](O)C[C@@H](O)CC(=O)O', 'XUKUURHRXDUEBC-KAYWLYCHSA-N'],
    ['metformin (HCl salt)', 'CN(C)C(=N)NC(=N)N.Cl', 'XZWYZXLIPXDOLR-UHFFFAOYSA-N'],
    ['pyridine (pyridinium chloride)', 'c1cc[nH+]cc1.[Cl-]', 'JUJWROOIHBZHMG-UHFFFAOYSA-N'],
    ['benzoic acid (sodium benzoate)', '[Na+].[O-]C(=O)c1ccccc1', 'WPYMKLBDIGXBTP-UHFFFAOYSA-N'],
    ['acetic acid (sodium acetate)', 'CC(=O)[O-].[Na+]', 'QTBSBXVTEAMEQO-UHFFFAOYSA-N'],
    ['glycine (zwitterion)', '[NH3+]CC(=O)[O-]', 'DHMQDGOQFOQNFH-UHFFFAOYSA-N'],
    ['L-alanine', 'C[C@H](N)C(=O)O', 'QNAYBMKLOCPYGJ-REOHCLBHSA-N'],
    ['fumaric acid', 'OC(=O)/C=C/C(=O)O', 'VZCYOOQTPOCHFL-OWOJBTEDSA-N'],
    ['maleic acid', 'OC(=O)/C=C\\C(=O)O', 'VZCYOOQTPOCHFL-UPHRSURJSA-N'],
    ['(S)-nicotine', 'CN1CCC[C@H]1c1cccnc1', 'SNICXCGAKADSCV-JTQLQIEISA-N'],
    ['(S)-naproxen', 'COc1ccc2cc([C@H](C)C(=O)O)ccc2c1', 'CMWTZPSULFXXJA-VIFPVBQESA-N'],
    ['morphine', 'CN1CC[C@]23c4c5ccc(O)c4O[C@H]2[C@@H](O)C=C[C@H]3[C@H]1C5', 'BQJCRHHNABKAKU-KBQPJGBKSA-N'],
    ['testosterone', 'C[C@]12CC[C@H]3[C@@H](CCC4=CC(=O)CC[C@@]43C)[C@@H]1CC[C@@H]2O', 'MUMGGOZAMZWBJJ-DYKIIFRCSA-N'],
    ['cholesterol', 'C[C@H](CCCC(C)C)[C@H]1CC[C@H]2[C@@H]3CC=C4C[C@@H](O)CC[C@]4(C)[C@H]3CC[C@]12C', 'HVYWMOMLDIMFJA-DPAQBDIFSA-N'],
    ['sertraline (HCl salt)', 'CN[C@H]1CC[C@@H](c2ccc(Cl)c(Cl)c2)c2ccccc21.Cl', 'VGKDLMBJGBXTGI-SJCJKPOMSA-N'],
    ['(Z)-tamoxifen (citrate)', 'CC/C(=C(\\c1ccccc1)c1ccc(OCCN(C)C)cc1)c1ccccc1.OC(=O)CC(O)(CC(=O)O)C(=O)O', 'NKANXQFJJICGDU-QPLCGJKRSA-N'],
    // trans: checked on a 3D embedding (ring H atoms on opposite faces).
    ['trans-tranexamic acid', 'NC[C@H]1CC[C@H](C(=O)O)CC1', 'GYDJEQRTZSCIOI-LJGSYFOKSA-N'],
    ['nitrobenzene', 'O=[N+]([O-])c1ccccc1', 'LQNUZADURLCDLV-UHFFFAOYSA-N'],
    ['betaine', 'C[N+](C)(C)CC(=O)[O-]', 'KWIUHFFTVRNATP-UHFFFAOYSA-N'],
  ];
  for (const [name, input, key] of KNOWN) {
    it(`${name}: ${key}`, () => {
      assert.equal(std(input).inchikey, key);
    });
  }
});

describe('standardize: one compound, many spellings', () => {
  const SAME: Array<[string, string[]]> = [
    [
      'aspirin',
      [
        'CC(=O)Oc1ccccc1C(=O)O',
        'OC(=O)c1ccccc1OC(C)=O', // atom order
        'CC(=O)OC1=CC=CC=C1C(=O)O', // Kekulé
        'CC(=O)OC1=C(C=CC=C1)C(O)=O', // other Kekulé structure
        '[Na+].CC(=O)Oc1ccccc1C([O-])=O', // sodium salt, ion first
        '[O-]C(=O)c1ccccc1OC(C)=O.[K+]', // potassium salt
        '  CC(=O)Oc1ccccc1C(=O)O\n', // surrounding whitespace
      ],
    ],
    ['benzene', ['c1ccccc1', 'C1=CC=CC=C1', 'C1C=CC=CC=1']],
    ['caffeine', ['Cn1cnc2c1c(=O)n(C)c(=O)n2C', 'CN1C=NC2=C1C(=O)N(C)C(=O)N2C', 'O=C1N(C)C(=O)c2n(C)cnc2N1C']],
    [
      'phenethylamine',
      ['NCCc1ccccc1', 'c1ccccc1CCN', '[NH3+]CCc1ccccc1', '[NH3+]CCc1ccccc1.[Cl-]', '[Cl-].[NH3+]CCc1ccccc1', 'Cl.NCCc1ccccc1', 'NCCc1ccccc1.OS(=O)(=O)O'],
    ],
    ['glycine', ['NCC(=O)O', 'OC(=O)CN', '[NH3+]CC(=O)[O-]', '[NH3+]CC(=O)O.[Cl-]', 'NCC(=O)[O-].[Na+]']],
    ['pyridine', ['c1ccncc1', 'C1=CC=NC=C1', 'c1cc[nH+]cc1.[Cl-]', '[nH+]1ccccc1']],
    ['benzoic acid', ['OC(=O)c1ccccc1', '[Na+].[O-]C(=O)c1ccccc1', '[O-]C(=O)c1ccccc1', '[Ca+2].[O-]C(=O)c1ccccc1.[O-]C(=O)c1ccccc1']],
    ['dimethylphenethylamine', ['CN(C)CCc1ccccc1', 'C[NH+](C)CCc1ccccc1', 'C[NH+](C)CCc1ccccc1.[Br-]']],
    ['losartan', ['CCCCc1nc(Cl)c(CO)n1Cc1ccc(-c2ccccc2-c2nnn[nH]2)cc1', 'CCCCc1nc(Cl)c(CO)n1Cc1ccc(-c2ccccc2-c2nnn[n-]2)cc1.[K+]']],
  ];
  for (const [name, inputs] of SAME) {
    it(`${name}: ${inputs.length} spellings give one SMILES and one InChIKey`, () => {
      const first = std(inputs[0]!);
      for (const input of inputs.slice(1)) {
        const other = std(input);
        assert.equal(other.smiles, first.smiles, `SMILES of ${input}`);
        assert.equal(other.inchikey, first.inchikey, `InChIKey of ${input}`);
      }
    });
  }

  it('the canonical SMILES is a fixed point', () => {
    for (const input of ['CC(=O)Oc1ccccc1C(=O)O', '[NH3+]CC(=O)[O-]', 'CN[C@H]1CC[C@@H](c2ccc(Cl)c(Cl)c2)c2ccccc21.Cl', 'O=[N+]([O-])c1ccccc1']) {
      const once = std(input);
      const twice = std(once.smiles);
      assert.equal(twice.smiles, once.smiles);
      assert.equal(twice.inchikey, once.inchikey);
      assert.deepEqual(twice.changes, []);
    }
  });
});

describe('standardize: salts keep the largest fragment', () => {
  it('drops HCl and reports it', () => {
    const r = std('CN(C)CCOC(c1ccccc1)c1ccccc1.Cl');
    assert.equal(r.smiles, 'CN(C)CCOC(c1ccccc1)c1ccccc1');
    assert.deepEqual(r.changes, ['kept largest of 2 fragments']);
  });
  it('drops both HCl of a dihydrochloride', () => {
    const r = std('OC(=O)COCCN1CCN(CC1)C(c1ccccc1)c1ccc(Cl)cc1.Cl.Cl');
    assert.equal(r.smiles, 'O=C(O)COCCN1CCN(C(c2ccccc2)c2ccc(Cl)cc2)CC1');
    assert.deepEqual(r.changes, ['kept largest of 3 fragments']);
  });
  it('keeps the drug, not a large counter-ion (tamoxifen citrate)', () => {
    const r = std('OC(=O)CC(O)(CC(=O)O)C(=O)O.CC/C(=C(\\c1ccccc1)c1ccc(OCCN(C)C)cc1)c1ccccc1');
    assert.equal(r.smiles, 'CC/C(=C(\\c1ccccc1)c1ccc(OCCN(C)C)cc1)c1ccccc1');
  });
  it('a sodium salt gives the neutral acid: the dropped Na+ does not hold a charge on the parent', () => {
    const r = std('CCCCCCCCCCCCOS(=O)(=O)[O-].[Na+]');
    assert.equal(r.smiles, 'CCCCCCCCCCCCOS(=O)(=O)O');
    assert.equal(r.charge, 0);
    assert.deepEqual(r.changes, ['kept largest of 2 fragments', 'neutralised 1 atom']);
  });
  it('equal-sized fragments: the choice does not depend on input order', () => {
    // Ethanol and dimethyl ether have the same atoms and mass: the lexically smaller SMILES wins, as in RDKit.
    assert.equal(std('CCO.COC').smiles, 'CCO');
    assert.equal(std('COC.CCO').smiles, 'CCO');
    assert.equal(std('CCCO.CC(C)O').smiles, 'CC(C)O');
    assert.equal(std('CC(C)O.CCCO').smiles, 'CC(C)O');
  });
  it('counts hydrogens when sizing fragments (toluene beats phenol)', () => {
    // Both have 7 heavy atoms; toluene has 15 atoms with H, phenol 13 (RDKit's LargestFragmentChooser agrees).
    assert.equal(std('Oc1ccccc1.Cc1ccccc1').smiles, 'Cc1ccccc1');
  });
});

describe('standardize: charges', () => {
  it('nitro groups keep their charges', () => {
    const r = std('O=[N+]([O-])c1ccccc1');
    assert.equal(r.smiles, 'O=[N+]([O-])c1ccccc1');
    assert.deepEqual(r.changes, []);
    assert.equal(std('CC(C)[N+](=O)[O-]').smiles, 'CC(C)[N+](=O)[O-]');
  });
  it('N-oxides keep their charges', () => {
    assert.equal(std('[O-][n+]1ccccc1').smiles, '[O-][n+]1ccccc1');
    assert.equal(std('C[N+](C)(C)[O-]').smiles, 'C[N+](C)(C)[O-]');
    assert.deepEqual(std('C[N+](C)(C)[O-]').changes, []);
  });
  it('betaine stays zwitterionic (the quaternary N+ cannot lose a proton)', () => {
    const r = std('C[N+](C)(C)CC(=O)[O-]');
    assert.equal(r.smiles, 'C[N+](C)(C)CC(=O)[O-]');
    assert.equal(r.charge, 0);
    assert.deepEqual(r.changes, []);
  });
  it('a quaternary ammonium salt keeps its cation charged', () => {
    const r = std('C[N+](C)(C)C.[Cl-]');
    assert.equal(r.smiles, 'C[N+](C)(C)C');
    assert.equal(r.charge, 1);
  });
  it('a protonated amine and a carboxylate are neutralised', () => {
    const r = std('[NH3+]CC(=O)[O-]');
    assert.equal(r.smiles, 'NCC(=O)O');
    assert.deepEqual(r.changes, ['neutralised 2 atoms']);
  });
});

describe('standardize: stereo survives salt stripping and neutralisation', () => {
  it('R/S through HCl salt and N-protonation (sertraline)', () => {
    const base = std('CN[C@H]1CC[C@@H](c2ccc(Cl)c(Cl)c2)c2ccccc21');
    for (const input of [
      'CN[C@H]1CC[C@@H](c2ccc(Cl)c(Cl)c2)c2ccccc21.Cl',
      'C[NH2+][C@H]1CC[C@@H](c2ccc(Cl)c(Cl)c2)c2ccccc21.[Cl-]',
      'Cl.CN[C@H]1CC[C@@H](c2ccc(Cl)c(Cl)c2)c2ccccc21',
    ]) {
      const r = std(input);
      assert.equal(r.smiles, base.smiles, input);
      assert.equal(r.inchikey, 'VGKDLMBJGBXTGI-SJCJKPOMSA-N', input);
    }
    // The enantiomer stays distinct.
    const enantiomer = std('CN[C@@H]1CC[C@H](c2ccc(Cl)c(Cl)c2)c2ccccc21.Cl');
    assert.notEqual(enantiomer.inchikey, base.inchikey);
    assert.equal(enantiomer.inchikey.slice(0, 14), base.inchikey.slice(0, 14));
  });
  it('R/S through zwitterion neutralisation (L-alanine, S-naproxen sodium)', () => {
    assert.equal(std('C[C@H]([NH3+])C(=O)[O-]').inchikey, 'QNAYBMKLOCPYGJ-REOHCLBHSA-N');
    assert.equal(std('C[C@@H]([NH3+])C(=O)[O-]').inchikey.slice(0, 14), 'QNAYBMKLOCPYGJ');
    assert.notEqual(std('C[C@@H]([NH3+])C(=O)[O-]').inchikey, 'QNAYBMKLOCPYGJ-REOHCLBHSA-N');
    assert.equal(std('COc1ccc2cc([C@H](C)C([O-])=O)ccc2c1.[Na+]').inchikey, 'CMWTZPSULFXXJA-VIFPVBQESA-N');
  });
  it('E/Z through salt stripping and neutralisation', () => {
    assert.equal(std('OC(=O)/C=C/C([O-])=O.[Na+]').inchikey, 'VZCYOOQTPOCHFL-OWOJBTEDSA-N');
    assert.equal(std('[Na+].[Na+].[O-]C(=O)/C=C\\C([O-])=O').inchikey, 'VZCYOOQTPOCHFL-UPHRSURJSA-N');
    const z = std('CC/C(=C(\\c1ccccc1)c1ccc(OCCN(C)C)cc1)c1ccccc1.OC(=O)CC(O)(CC(=O)O)C(=O)O');
    assert.equal(z.inchikey, 'NKANXQFJJICGDU-QPLCGJKRSA-N');
    const e = std('CC/C(=C(/c1ccccc1)c1ccc(OCCN(C)C)cc1)c1ccccc1.OC(=O)CC(O)(CC(=O)O)C(=O)O');
    assert.notEqual(e.inchikey, z.inchikey);
    assert.equal(e.inchikey.slice(0, 14), z.inchikey.slice(0, 14));
    // Protonated side-chain amine: neutralised, Z kept.
    assert.equal(std('CC/C(=C(\\c1ccccc1)c1ccc(OCC[NH+](C)C)cc1)c1ccccc1.[Cl-]').inchikey, 'NKANXQFJJICGDU-QPLCGJKRSA-N');
  });
  it('ring cis/trans through salt stripping (tranexamic acid)', () => {
    const trans = std('NC[C@H]1CC[C@H](C(=O)O)CC1.Cl');
    const cis = std('NC[C@H]1CC[C@@H](C(=O)O)CC1.Cl');
    assert.equal(trans.inchikey, 'GYDJEQRTZSCIOI-LJGSYFOKSA-N');
    assert.notEqual(cis.inchikey, trans.inchikey);
    assert.equal(std('[NH3+]C[C@H]1CC[C@H](C([O-])=O)CC1').inchikey, trans.inchikey);
  });
});

describe('standardize: bad input', () => {
  const cases: Array<[string, string, string]> = [
    ['unparsable SMILES', 'C1CC', 'unparsable_structure'],
    ['not SMILES at all', 'not a smiles', 'unparsable_structure'],
    ['pentavalent carbon (sanitization fails)', 'C(C)(C)(C)(C)C', 'unparsable_structure'],
    ['unkekulizable aromatic ring', 'c1cccc1', 'unparsable_structure'],
    // Native RDKit rejects a lone dot as a SMILES syntax error too.
    ['a lone "."', '.', 'unparsable_structure'],
    ['empty string', '', 'empty_structure'],
    ['whitespace only', ' \t\n', 'empty_structure'],
  ];
  for (const [what, input, code] of cases) {
    it(`${what}: ${code}`, () => {
      assert.throws(
        () => standardize(input, { file: 'in.csv', line: 7, field: 'smiles' }),
        (e: unknown) => {
          assert.ok(e instanceof MoleculeError, `got ${String(e)}`);
          assert.equal(e.code, code);
          assert.equal(e.input, input);
          assert.ok(e.message.includes(JSON.stringify(input)), `message ${e.message} names the input`);
          assert.deepEqual(e.location, { file: 'in.csv', line: 7, field: 'smiles' });
          assert.equal(e.describe(), `in.csv:7: smiles: ${e.message}`);
          return true;
        },
      );
    });
  }
});

describe('standardize: native RDKit reference', () => {
  // Canonical SMILES of the standardized parent must match native RDKit 2022.09 for every
  // molecule without stereo. The canonical ranking is shared between versions.
  it('canonical SMILES equals native for molecules without stereo', () => {
    const ref = loadReference();
    const plain = ref.molecules.filter((m) => !m.hasStereo);
    assert.ok(plain.length >= 50, `${plain.length} molecules without stereo`);
    const mismatches = plain.map((m) => [m.name, std(m.input).smiles, m.smiles]).filter(([, ours, native]) => ours !== native);
    assert.deepEqual(mismatches, []);
  });
  it('canonical SMILES also equals native for the stereo molecules (R/S, E/Z, ring cis/trans)', () => {
    const ref = loadReference();
    const stereo = ref.molecules.filter((m) => m.hasStereo);
    assert.ok(stereo.length >= 15, `${stereo.length} stereo molecules`);
    const mismatches = stereo.map((m) => [m.name, std(m.input).smiles, m.smiles]).filter(([, ours, native]) => ours !== native);
    assert.deepEqual(mismatches, []);
  });
});
