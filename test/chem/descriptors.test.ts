import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  computeDescriptors,
  DEFAULT_DESCRIPTOR_DICTIONARY,
  descriptorDictionary,
  descriptorDictionaryIds,
  descriptorVersionHash,
  type DescriptorDictionary,
} from '../../src/chem/descriptors.js';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { release, standardize } from '../../src/chem/standardize.js';
import { loadReference, type ReferenceMolecule } from './reference.js';

/**
 * Real-valued descriptors: masses, Crippen logP/MR, TPSA, Labute ASA, and the two ratios.
 * Both RDKit versions use the same parameter tables (atomic masses, Crippen and TPSA
 * contributions, Labute radii), so they differ only by floating-point summation order:
 * at most ~100 terms × 2.2e-16 × |value| < 1e-11 for our molecules (observed: ≤ 1.2e-13).
 * 1e-9 is well above that noise and far below the smallest real change (one Crippen or
 * TPSA contribution is ≥ 1e-4; one hydrogen's mass is 1.008), so a tolerance breach means
 * a changed definition, not rounding.
 */
const REAL = new Set(['amw', 'exactmw', 'CrippenClogP', 'CrippenMR', 'tpsa', 'labuteASA', 'FractionCSP3', 'graph:aromatic_proportion']);
const TOLERANCE = 1e-9;

/**
 * Known, explained differences between native RDKit 2022.09 (the fixture) and the RDKit
 * 2026.09 WebAssembly build rotguard runs. Each is checked exactly against a value the
 * fixture script computed natively with the newer definition, and the lists must be
 * exactly the molecules that differ: a new difference fails the test.
 *
 * NumHBA: rdkit/rdkit issue #8997, fixed by PR #9060 (merged January 2026, so in releases from 2026.03 on): neutral
 * aromatic N with three connections (N-substituted pyrrole, pyridone, imidazole) no longer
 * count as acceptors. The fixture's NumHBA_nH0X2 is the count with the new SMARTS.
 */
const HBA_CHANGED = ['caffeine', 'atorvastatin', 'ciprofloxacin', 'sildenafil', 'losartan_potassium', 'amp_disodium', 'n_methylindole', 'n_methylcarbazole'];
/**
 * NumAtomStereoCenters: src/chem/rdkit.ts turns on RDKit's modern stereo perception; the
 * fixture uses 2022.09's default legacy one. The modern one also counts bridgeheads and
 * 1,4-disubstituted cyclohexane carbons (ring stereo); the fixture's modernStereo block
 * holds 2022.09's own count with the modern perception, which matches ours for these.
 */
const STEREO_CHANGED = ['tranexamic_acid', '1,4-dimethylcyclohexane', 'norbornane', 'adamantane'];

function expected(m: ReferenceMolecule, source: string): number {
  if (source === 'NumHBA' && HBA_CHANGED.includes(m.name)) return m.NumHBA_nH0X2;
  if (source === 'NumAtomStereoCenters' && STEREO_CHANGED.includes(m.name)) return m.modernStereo.NumAtomStereoCenters;
  return m.descriptors[source]!;
}

const computed = new Map<string, Float64Array>();

/** Descriptors of one input, computed once per dictionary and input. */
function computeFor(dict: DescriptorDictionary, input: string): Float64Array {
  const key = `${dict.id}\u0000${input}`;
  let values = computed.get(key);
  if (!values) {
    values = computeOnce(dict, input);
    computed.set(key, values);
  }
  return values;
}

function computeOnce(dict: DescriptorDictionary, input: string): Float64Array {
  const s = standardize(input);
  try {
    return computeDescriptors(dict, s.mol, s.graph);
  } finally {
    release(s);
  }
}

before(async () => {
  await loadRDKit();
});

describe('descriptors vs native RDKit', () => {
  const dict = descriptorDictionary();

  it('the fixture covers every descriptor source of the default dictionary', () => {
    const ref = loadReference();
    for (const d of dict.descriptors) assert.ok(d.source in ref.molecules[0]!.descriptors, `${d.source} missing from the fixture`);
  });

  it('integer counts are exactly equal, real values within 1e-9', () => {
    const ref = loadReference();
    const failures: string[] = [];
    for (const m of ref.molecules) {
      const values = computeFor(dict, m.input);
      dict.descriptors.forEach((d, i) => {
        const ours = values[i]!;
        const want = expected(m, d.source);
        const ok = REAL.has(d.source) ? Math.abs(ours - want) <= TOLERANCE : ours === want;
        if (!ok) failures.push(`${m.name} ${d.source}: ours ${ours}, native ${want}`);
      });
    }
    assert.deepEqual(failures, []);
  });

  it('the known NumHBA difference is exactly the rdkit#9060 change, and only there', () => {
    const ref = loadReference();
    const hba = dict.descriptors.findIndex((d) => d.source === 'NumHBA');
    const differing = ref.molecules.filter((m) => m.descriptors.NumHBA !== m.NumHBA_nH0X2).map((m) => m.name);
    assert.deepEqual(differing.sort(), [...HBA_CHANGED].sort());
    for (const m of ref.molecules) assert.equal(computeFor(dict, m.input)[hba], m.NumHBA_nH0X2, m.name);
  });

  it('the known stereocentre difference is exactly the modern-perception one, and only there', () => {
    const ref = loadReference();
    const i = dict.descriptors.findIndex((d) => d.source === 'NumAtomStereoCenters');
    const differing = ref.molecules.filter((m) => computeFor(dict, m.input)[i] !== m.descriptors.NumAtomStereoCenters).map((m) => m.name);
    assert.deepEqual(differing.sort(), [...STEREO_CHANGED].sort());
  });

  it('spot checks of values everyone knows', () => {
    const names = dict.descriptors.map((d) => d.name);
    const at = (v: Float64Array, name: string) => v[names.indexOf(name)]!;
    const aspirin = computeFor(dict, 'CC(=O)Oc1ccccc1C(=O)O');
    assert.ok(Math.abs(at(aspirin, 'mol_weight') - 180.159) < 1e-3);
    assert.ok(Math.abs(at(aspirin, 'exact_mass') - 180.042259) < 1e-6);
    assert.equal(at(aspirin, 'heavy_atoms'), 13);
    assert.ok(Math.abs(at(aspirin, 'tpsa') - 63.6) < 1e-9);
    const benzene = computeFor(dict, 'c1ccccc1');
    assert.equal(at(benzene, 'aromatic_proportion'), 1);
    assert.equal(at(benzene, 'fraction_csp3'), 0);
    assert.equal(at(computeFor(dict, 'CCCCCC'), 'aromatic_proportion'), 0);
    assert.equal(at(computeFor(dict, 'C[N+](C)(C)C.[Cl-]'), 'formal_charge'), 1);
    assert.equal(at(computeFor(dict, 'C[N+](C)(C)CC(=O)[O-]'), 'formal_charge'), 0);
  });
});

describe('descriptor version hash', () => {
  const dict = descriptorDictionary(DEFAULT_DESCRIPTOR_DICTIONARY);
  const copy = (d: DescriptorDictionary): DescriptorDictionary => ({ id: d.id, descriptors: d.descriptors.map((x) => ({ ...x })) });

  it('is a sha256 hex and stable across calls and copies', () => {
    const h = descriptorVersionHash(dict);
    assert.match(h, /^[0-9a-f]{64}$/);
    assert.equal(descriptorVersionHash(dict), h);
    assert.equal(descriptorVersionHash(descriptorDictionary()), h);
    assert.equal(descriptorVersionHash(copy(dict)), h);
  });

  it('ignores descriptions (they are documentation, not features)', () => {
    const c = copy(dict);
    c.descriptors = c.descriptors.map((d) => ({ ...d, description: 'changed' }));
    assert.equal(descriptorVersionHash(c), descriptorVersionHash(dict));
  });

  it('changes when the list changes', () => {
    const h = descriptorVersionHash(dict);
    const variants: Array<[string, DescriptorDictionary]> = [];
    {
      const c = copy(dict);
      c.descriptors = c.descriptors.slice(0, -1);
      variants.push(['one removed', c]);
    }
    {
      const c = copy(dict);
      c.descriptors = [...c.descriptors, { name: 'qed', source: 'qed', description: '' }];
      variants.push(['one added', c]);
    }
    {
      const c = copy(dict);
      const d = [...c.descriptors];
      [d[0], d[1]] = [d[1]!, d[0]!];
      c.descriptors = d;
      variants.push(['two swapped', c]);
    }
    {
      const c = copy(dict);
      c.descriptors = c.descriptors.map((d, i) => (i === 3 ? { ...d, name: d.name + '_x' } : d));
      variants.push(['one renamed', c]);
    }
    {
      const c = copy(dict);
      c.descriptors = c.descriptors.map((d, i) => (i === 3 ? { ...d, source: 'NumHBD' } : d));
      variants.push(['one re-sourced', c]);
    }
    {
      const c = copy(dict);
      c.id = 'rdkit-desc@2';
      variants.push(['new id', c]);
    }
    const seen = new Set([h]);
    for (const [what, c] of variants) {
      const v = descriptorVersionHash(c);
      assert.notEqual(v, h, what);
      assert.ok(!seen.has(v), `${what} collides with another variant`);
      seen.add(v);
    }
  });

  it('the dictionary registry knows the default', () => {
    assert.ok(descriptorDictionaryIds().includes(DEFAULT_DESCRIPTOR_DICTIONARY));
    assert.throws(() => descriptorDictionary('nope@1'), /unknown descriptor dictionary nope@1/);
  });
});
