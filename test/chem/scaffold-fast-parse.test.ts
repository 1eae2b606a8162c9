import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BIOGEN_FILE } from '../../bench/data/biogen.js';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { murckoScaffolds } from '../../src/chem/scaffold.js';
import { release, standardize } from '../../src/chem/standardize.js';

/**
 * Scaffold graphs are parsed without stereo perception, and generic frameworks (saturated
 * carbon) without sanitization. Those steps cannot change a canonical SMILES of such graphs;
 * this shows it on real molecules: the strings equal those of RDKit's default parse.
 */
const here = dirname(fileURLToPath(import.meta.url));
const biogen = resolve(here, '../../..', '../shared/data', BIOGEN_FILE);

before(async () => {
  await loadRDKit();
});

describe('scaffolds with the cheaper parse', () => {
  it('equal RDKit default-parse scaffolds and frameworks on every Biogen ADME molecule', {
    skip: existsSync(biogen) ? false : `${biogen} is absent (needs ../shared beside the repo)`,
  }, () => {
    const lines = readFileSync(biogen, 'utf8').trim().split('\n');
    const column = lines[0]!.split(',').indexOf('SMILES');
    const differ: string[] = [];
    let withRings = 0;
    for (const line of lines.slice(1)) {
      const std = standardize(line.split(',')[column]!);
      try {
        const fast = murckoScaffolds(std.graph, 'fast');
        const reference = murckoScaffolds(std.graph, 'reference');
        if (reference.framework) withRings++;
        if (fast.scaffold !== reference.scaffold || fast.framework !== reference.framework)
          differ.push(`${std.smiles}: ${JSON.stringify(fast)} vs ${JSON.stringify(reference)}`);
      } finally {
        release(std);
      }
    }
    assert.deepEqual(differ, []);
    assert.ok(withRings > 3000, `only ${withRings} molecules with a framework`);
  });

  it('keeps the empty framework where carbons would be over-valent', () => {
    const std = standardize('C1CCS2(CC1)(CCC2)(CC3)CC3');
    try {
      assert.deepEqual(murckoScaffolds(std.graph, 'fast'), murckoScaffolds(std.graph, 'reference'));
      assert.equal(murckoScaffolds(std.graph, 'fast').framework, '');
    } finally {
      release(std);
    }
  });
});
