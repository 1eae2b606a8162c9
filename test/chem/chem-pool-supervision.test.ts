import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChemPool } from '../../src/chem/chem-pool.js';
import { DEFAULT_DESCRIPTOR_DICTIONARY } from '../../src/chem/descriptors.js';
import { STRUCTURE_LIMITS } from '../../src/chem/structure-limits.js';

const recipe = { descriptors: DEFAULT_DESCRIPTOR_DICTIONARY, morgan: { radius: 2, nBits: 2048 } };
const inputs = (structures: string[]) => structures.map((structure, i) => ({ line: i + 2, structure }));

// A linear chain of 700 carbons passes the size limits but overflows RDKit's WebAssembly
// stack ("memory access out of bounds"), which corrupts that RDKit instance.
const CRASHING = 'C'.repeat(700);

describe('chemistry pool: a structure that crashes or hangs RDKit costs one row, never the worker', () => {
  it('rejects the crashing row as toolkit_crash, replaces the worker and answers every other row, in this batch and later ones', async () => {
    const pool = await ChemPool.start(1);
    try {
      const r = await pool.identity(inputs(['CCO', CRASHING, 'c1ccccc1', 'CCN']));
      assert.deepEqual(
        r.rejects.map((x) => [x.index, x.code]),
        [[1, 'toolkit_crash']],
      );
      assert.equal(r.molecules[0]?.inchikey, 'LFQSCWFLJHTTHZ-UHFFFAOYSA-N');
      assert.equal(r.molecules[2]?.inchikey, 'UHOVQNZJYSORNB-UHFFFAOYSA-N');
      assert.ok(r.molecules[3]);
      assert.ok(pool.restarts >= 1);
      // Features keep every row's descriptors in its own place after the crash.
      const f = await pool.features(inputs([CRASHING, 'CCO', CRASHING, 'c1ccccc1']), recipe);
      assert.deepEqual(
        f.rejects.map((x) => [x.index, x.code]),
        [
          [0, 'toolkit_crash'],
          [2, 'toolkit_crash'],
        ],
      );
      const nd = f.descriptors.length / 4;
      assert.ok(Number.isNaN(f.descriptors[0]!) && Number.isNaN(f.descriptors[2 * nd]!));
      assert.ok(f.descriptors[nd]! > 40 && f.descriptors[nd]! < 50, `ethanol's MW in row 1, got ${f.descriptors[nd]}`);
      assert.ok(f.descriptors[3 * nd]! > 75 && f.descriptors[3 * nd]! < 80, `benzene's MW in row 3, got ${f.descriptors[3 * nd]}`);
      const later = await pool.identity(inputs(['CCO', 'CCN']));
      assert.equal(later.rejects.length, 0);
    } finally {
      await pool.close();
    }
  });

  it('stops a worker that exceeds the per-structure time limit and rejects that row as structure_timeout', async () => {
    // 120 linked phenyls (722 atoms, within the size limits) take RDKit about 170 ms once
    // warm on this project's machines, ethanol about a millisecond. (Longer chains crash
    // RDKit's WebAssembly outright, which is the other path: toolkit_crash.)
    const slow = 'C' + 'c1ccc(cc1)'.repeat(120) + 'C';
    const pool = await ChemPool.start(1, { structureTimeoutMs: 100 });
    try {
      await pool.identity(inputs(['CCO', 'c1ccccc1O'])); // warm: the clock then times structures, not start-up
      const r = await pool.identity(inputs(['CCO', slow, 'CCN']));
      assert.deepEqual(
        r.rejects.map((x) => [x.index, x.code]),
        [[1, 'structure_timeout']],
      );
      assert.ok(r.molecules[0] && r.molecules[2]);
    } finally {
      await pool.close();
    }
  });

  it('refuses oversized structures before RDKit sees them (structure_too_large), without restarting a worker', async () => {
    const pool = await ChemPool.start(1);
    try {
      const huge = [
        'C'.repeat(5_000), // 5,000-atom chain
        'C' + 'c1ccc(cc1)'.repeat(200) + 'C', // 200-phenyl chain
        'C('.repeat(5_000) + 'C' + ')'.repeat(5_000), // 5,000 nested branches
        'C'.repeat(100_000), // 100 kB SMILES
        'C('.repeat(STRUCTURE_LIMITS.branchDepth + 1) + 'C' + ')'.repeat(STRUCTURE_LIMITS.branchDepth + 1),
      ];
      const r = await pool.identity(inputs([...huge, 'CCO']));
      assert.deepEqual(
        r.rejects.map((x) => x.code),
        huge.map(() => 'structure_too_large'),
      );
      assert.ok(r.molecules[huge.length]);
      assert.equal(pool.restarts, 0);
    } finally {
      await pool.close();
    }
  });
});
