import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BIOGEN_FILE } from '../../bench/data/biogen.js';
import { atomStereoCentres, computeDescriptors, descriptorDictionary, rdkitDescriptorValues } from '../../src/chem/descriptors.js';
import { NATIVE_DESCRIPTORS, nativeAverageMolWeight, nativeDescriptors, nativeDescriptorsRefusal } from '../../src/chem/descriptors-native.js';
import { parseRdkitJson } from '../../src/chem/molgraph.js';
import { loadRDKit, rdkit } from '../../src/chem/rdkit.js';
import { release, standardize } from '../../src/chem/standardize.js';

/**
 * The TypeScript descriptors must give RDKit's own doubles, not close ones: every value is
 * compared with Object.is against MinimalLib's get_descriptors() on the same standardized
 * molecule (the values rotguard produced before the TypeScript path existed). That equality is
 * what lets rdkit-desc@1 keep its id and version hash.
 */
const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const biogen = resolve(repo, '../shared/data', BIOGEN_FILE);
const edgeCases = JSON.parse(readFileSync(resolve(repo, 'test/fixtures/chem/descriptor-edge-cases.json'), 'utf8')) as {
  molecules: { name: string; smiles: string; expectRefused?: boolean }[];
};

before(async () => {
  await loadRDKit();
});

/** Names of the descriptors (with both values) that differ; empty when the molecule is refused or standardization fails. */
function differences(smiles: string): { refused: string | null; diffs: string[] } {
  let std: ReturnType<typeof standardize>;
  try {
    std = standardize(smiles);
  } catch {
    return { refused: 'not standardizable', diffs: [] };
  }
  try {
    const refused = nativeDescriptorsRefusal(std.graph);
    if (refused) return { refused, diffs: [] };
    const ours: Record<string, number> = { ...nativeDescriptors(std.graph), NumAtomStereoCenters: atomStereoCentres(std.mol) };
    // The stand-alone molecular weight (ingest's unit conversions) is the same number.
    if (!Object.is(nativeAverageMolWeight(std.graph), ours.amw))
      return { refused: null, diffs: [`nativeAverageMolWeight ${nativeAverageMolWeight(std.graph)} amw ${ours.amw}`] };
    const theirs = rdkitDescriptorValues(std.mol);
    const diffs = Object.keys(ours)
      .filter((k) => !Object.is(ours[k], theirs[k]))
      .map((k) => `${k}: ours ${ours[k]} RDKit ${theirs[k]}`);
    return { refused: null, diffs };
  } finally {
    release(std);
  }
}

describe('TypeScript descriptors against RDKit get_descriptors, bit for bit', () => {
  it('covers every descriptor of rdkit-desc@1 that is not computed from the graph already', () => {
    const needed = descriptorDictionary('rdkit-desc@1').descriptors.filter((d) => !d.source.startsWith('graph:'));
    for (const d of needed) assert.ok(NATIVE_DESCRIPTORS.has(d.source) || d.source === 'NumAtomStereoCenters', d.source);
  });

  for (const m of edgeCases.molecules.filter((x) => !x.expectRefused)) {
    it(`${m.name} (${m.smiles})`, () => {
      const { refused, diffs } = differences(m.smiles);
      assert.equal(refused, null, `${m.name} was refused: ${refused}`);
      assert.deepEqual(diffs, []);
    });
  }

  it('every Biogen ADME molecule equals RDKit or is refused', {
    skip: existsSync(biogen) ? false : `${biogen} is absent (needs ../shared beside the repo)`,
  }, () => {
    const lines = readFileSync(biogen, 'utf8').trim().split('\n');
    const column = lines[0]!.split(',').indexOf('SMILES');
    let compared = 0;
    const refusedAll: string[] = [];
    const failures: string[] = [];
    for (const line of lines.slice(1)) {
      const smiles = line.split(',')[column]!;
      const { refused, diffs } = differences(smiles);
      if (refused) refusedAll.push(`${smiles}: ${refused}`);
      else compared++;
      if (diffs.length) failures.push(`${smiles}: ${diffs.join('; ')}`);
    }
    assert.deepEqual(failures, []);
    // Only the two deuterated compounds ([2H] atoms stay explicit) take get_descriptors.
    assert.equal(refusedAll.length, 2, refusedAll.join('\n'));
    assert.equal(compared, lines.length - 3);
  });
});

describe('the fallback to get_descriptors', () => {
  for (const m of edgeCases.molecules.filter((x) => x.expectRefused)) {
    it(`refuses ${m.name} (${m.smiles}) as RDKit parses it`, () => {
      const mol = rdkit().get_mol(m.smiles);
      assert.ok(mol, `RDKit cannot parse ${m.smiles}`);
      try {
        assert.notEqual(nativeDescriptorsRefusal(parseRdkitJson(mol.get_json())), null);
      } finally {
        mol.delete();
      }
    });
  }

  it('a refused molecule still gets RDKit values through computeDescriptors', () => {
    const dict = descriptorDictionary('rdkit-desc@1');
    const std = standardize('[2H]C([2H])([2H])Oc1ccccc1');
    try {
      assert.notEqual(nativeDescriptorsRefusal(std.graph), null);
      const values = computeDescriptors(dict, std.mol, std.graph);
      const rd = rdkitDescriptorValues(std.mol);
      dict.descriptors.forEach((d, i) => {
        if (!d.source.startsWith('graph:')) assert.ok(Object.is(values[i], rd[d.source]), d.name);
      });
      // The deuterium mass is in the exact mass: a path that ignored isotopes would differ.
      const light = standardize('COc1ccccc1');
      try {
        assert.ok(rd.exactmw! > rdkitDescriptorValues(light.mol).exactmw! + 3);
      } finally {
        release(light);
      }
    } finally {
      release(std);
    }
  });

  it('a dictionary with descriptors the TypeScript path lacks uses get_descriptors for all of them', () => {
    const dict = descriptorDictionary('rdkit-desc@2');
    const std = standardize('CC(=O)Nc1ccc(O)cc1');
    try {
      const values = computeDescriptors(dict, std.mol, std.graph);
      const rd = rdkitDescriptorValues(std.mol);
      dict.descriptors.forEach((d, i) => {
        if (!d.source.startsWith('graph:')) assert.ok(Object.is(values[i], rd[d.source]), d.name);
      });
    } finally {
      release(std);
    }
  });
});
