import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RotguardError } from '../../src/core/errors.js';
import { splitIndices, type SplitItem, type SplitRule } from '../../src/validate/splits.js';

const rule = (method: SplitRule['method'], seed = 0): SplitRule => ({ method, seed, fractions: { train: 0.8, calibration: 0.1, test: 0.1 } });

function items(n: number): SplitItem[] {
  // 40 scaffolds of uneven sizes, plus acyclic molecules (empty scaffold).
  return Array.from({ length: n }, (_, i) => ({
    scaffold: i % 7 === 0 ? '' : `S${(i * 7919) % 40}`,
    firstMeasured: `2024-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`,
  }));
}

describe('splits', () => {
  it('partitions every index exactly once', () => {
    for (const method of ['scaffold', 'time', 'random'] as const) {
      const s = splitIndices(items(500), rule(method));
      const all = [...s.train, ...s.calibration, ...s.test].sort((a, b) => a - b);
      assert.deepEqual(
        all,
        Array.from({ length: 500 }, (_, i) => i),
        method,
      );
      assert.ok(s.train.length >= 350 && s.test.length > 0, `${method}: ${s.train.length}/${s.calibration.length}/${s.test.length}`);
    }
  });

  it('never puts one scaffold on two sides', () => {
    const its = items(500);
    const s = splitIndices(its, rule('scaffold', 3));
    const side = new Map<string, string>();
    for (const [name, part] of Object.entries(s)) {
      for (const i of part as number[]) {
        const prev = side.get(its[i]!.scaffold);
        assert.ok(prev === undefined || prev === name, `scaffold ${its[i]!.scaffold} in ${prev} and ${name}`);
        side.set(its[i]!.scaffold, name);
      }
    }
  });

  it('is deterministic for a seed and changes with it', () => {
    const a = splitIndices(items(500), rule('scaffold', 1));
    assert.deepEqual(splitIndices(items(500), rule('scaffold', 1)), a);
    assert.notDeepEqual(splitIndices(items(500), rule('scaffold', 2)), a);
  });

  it('puts the latest compounds in test for a time split', () => {
    const its = items(240);
    const s = splitIndices(its, rule('time'));
    const latestTrain = s.train
      .map((i) => its[i]!.firstMeasured!)
      .sort()
      .at(-1)!;
    const earliestTest = s.test.map((i) => its[i]!.firstMeasured!).sort()[0]!;
    assert.ok(latestTrain < earliestTest, `${latestTrain} < ${earliestTest}`);
  });

  it('refuses a time split without dates and bad fractions', () => {
    assert.throws(
      () => splitIndices([{ scaffold: 'a' }, { scaffold: 'b', firstMeasured: '2024-01-01' }], rule('time')),
      (e: unknown) => e instanceof RotguardError && e.code === 'no_dates',
    );
    assert.throws(() => splitIndices(items(10), { method: 'random', seed: 0, fractions: { train: 0.8, calibration: 0.1, test: 0.2 } }), /add up to 1/);
  });
});

describe('cluster and predefined splits', () => {
  const rule = { seed: 2, fractions: { train: 0.7, calibration: 0.15, test: 0.15 } };

  it('cluster: no Butina cluster is cut across train, calibration and test', () => {
    const items = Array.from({ length: 300 }, (_, i) => ({ scaffold: 'same', cluster: i % 37 }));
    const s = splitIndices(items, { method: 'cluster', cutoff: 0.65, ...rule });
    const side = new Map<number, string>();
    for (const [name, part] of Object.entries(s)) {
      for (const i of part as number[]) {
        const c = items[i]!.cluster;
        assert.ok(!side.has(c) || side.get(c) === name, `cluster ${c} on two sides`);
        side.set(c, name);
      }
    }
    assert.equal(s.train.length + s.calibration.length + s.test.length, 300);
    assert.ok(s.test.length > 0 && s.calibration.length > 0);
  });

  it('predefined: named test and calibration compounds go exactly there; the rest trains', () => {
    const items = Array.from({ length: 50 }, (_, i) => ({ scaffold: '', inchikey: `KEY${String(i).padStart(2, '0')}` }));
    const s = splitIndices(items, {
      method: 'predefined',
      seed: 0,
      fractions: { train: 1, calibration: 0, test: 0 },
      test: { inchikeys: ['KEY03', 'KEY07', 'ABSENT'] },
      calibration: { inchikeys: ['KEY10'] },
    });
    assert.deepEqual(s.test, [3, 7]);
    assert.deepEqual(s.calibration, [10]);
    assert.equal(s.train.length, 47);
  });

  it('predefined without named calibration compounds: a seeded share of the rest, the same for the same seed', () => {
    const items = Array.from({ length: 100 }, (_, i) => ({ scaffold: '', inchikey: `K${i}` }));
    const r = { method: 'predefined' as const, seed: 4, fractions: { train: 0.9, calibration: 0.1, test: 0 }, test: { inchikeys: ['K0', 'K1', 'K2', 'K3'] } };
    const a = splitIndices(items, r);
    assert.deepEqual(a.test, [0, 1, 2, 3]);
    assert.equal(a.calibration.length, Math.round(0.1 * 96));
    assert.deepEqual(splitIndices(items, r), a);
    assert.notDeepEqual(splitIndices(items, { ...r, seed: 5 }).calibration, a.calibration);
  });
});
