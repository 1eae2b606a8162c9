import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { addEndpoint } from '../../src/data/endpoints.js';
import { computeFeatures, defineFeatureSet } from '../../src/data/features.js';
import { ingestFile } from '../../src/data/ingest.js';
import { validateMapping } from '../../src/data/mapping.js';
import { addProtocolVersion } from '../../src/data/protocols.js';
import { createSnapshot, diffSnapshots, readSnapshot, type SnapshotDefinition } from '../../src/data/snapshots.js';
import type { Store } from '../../src/store/store.js';
import { forEachBackend } from '../store/backends.js';
import { withActingTeam } from '../../src/core/acting-team.js';

const dir = mkdtempSync(join(tmpdir(), 'rotguard-snapshots-'));
let fileNo = 0;

async function ingestRows(store: Store, protocol: string, rows: string[]) {
  const path = join(dir, `f${fileNo++}.csv`);
  writeFileSync(path, ['id,smiles,value,measured,reported,batch', ...rows].join('\n') + '\n');
  const mapping = validateMapping({
    team: 't1',
    protocol,
    columns: { id: 'id', structure: 'smiles', value: 'value', measured_at: 'measured', reported_at: 'reported', batch: 'batch' },
  });
  return ingestFile(store, { path, mapping, actor: 'dana', quarantineDir: dir, workers: 1 });
}

async function setUp(store: Store) {
  await addEndpoint(
    store,
    { name: 'clint', unit: 'mL/min/kg', transform: 'log10', direction: 'lower_is_better', validMin: 0, validMax: null, description: '' },
    'dana',
  );
  await addProtocolVersion(store, { protocol: 'hlm', endpoint: 'clint', unit: 'mL/min/kg', site: 's1', vendor: 'v', parameters: {} }, 'dana');
  await ingestRows(store, 'hlm', [
    'c1,CCO,10,2024-01-01,2024-01-20,b1',
    'c1,CCO,1000,2024-01-08,2024-01-25,b2', // replicate: log10 mean of 1 and 3 = 2
    'c2,c1ccccc1,<5,2024-01-02,2024-01-21,b1',
    'c2,c1ccccc1,<2,2024-01-09,2024-03-01,b2', // tighter bound, reported late
    'c3,CCN,100,2024-02-01,2024-02-10,b3',
  ]);
}

const base: SnapshotDefinition = { endpoint: 'clint', aggregation: { method: 'mean', censored: 'prefer_exact' } };

after(() => rmSync(dir, { recursive: true, force: true }));

forEachBackend('snapshots', (b) => {
  before(() => loadRDKit());

  it('aggregates replicates on the label scale and keeps censored-only compounds censored', async () => {
    const store = await b.openFresh();
    await setUp(store);
    const { info } = await createSnapshot(store, base, 'dana');
    const s = await readSnapshot(store, info.hash);
    const byKey = Object.fromEntries(s.rows.map((r) => [r.smiles, r]));
    assert.equal(s.rows.length, 3);
    assert.ok(Math.abs(byKey.CCO!.label - 2) < 1e-12);
    assert.equal(byKey.CCO!.n, 2);
    assert.deepEqual([byKey.c1ccccc1!.qualifier, byKey.c1ccccc1!.label], ['<', Math.log10(2)]);
    assert.equal(info.measurements, 4);
    const median = await createSnapshot(store, { ...base, aggregation: { method: 'median', censored: 'drop' } }, 'dana');
    assert.equal(median.info.compounds, 2, 'censored-only compound dropped');
  });

  it('gives the same selection the same hash and any change a new one', async () => {
    const store = await b.openFresh();
    await setUp(store);
    const first = await createSnapshot(store, base, 'dana');
    const again = await createSnapshot(store, { ...base, teams: ['t1'], sites: undefined }, 'erin');
    assert.equal(first.status, 'created');
    // Same measurements selected, but the definition names a team filter: a different definition, so a different hash.
    assert.notEqual(again.info.hash, first.info.hash);
    const same = await createSnapshot(store, { ...base }, 'erin');
    assert.equal(same.status, 'exists');
    assert.equal(same.info.hash, first.info.hash);
    const otherRule = await createSnapshot(store, { ...base, aggregation: { method: 'median', censored: 'prefer_exact' } }, 'dana');
    assert.notEqual(otherRule.info.hash, first.info.hash);
    await ingestRows(store, 'hlm', ['c4,CCCC,50,2024-02-02,2024-02-11,b3']);
    const grown = await createSnapshot(store, base, 'dana');
    assert.notEqual(grown.info.hash, first.info.hash);
    assert.equal(grown.info.compounds, 4);
  });

  it("belongs to the acting team, else to the definition's only team, else to none", async () => {
    const store = await b.openFresh();
    await setUp(store);
    const acting = await withActingTeam('dmpk', () => createSnapshot(store, base, 'dana'));
    const named = await createSnapshot(store, { ...base, teams: ['t1'] }, 'dana');
    const neither = await createSnapshot(store, { ...base, measuredTo: '2024-01-31' }, 'dana');
    const teams = new Map((await store.db.selectFrom('snapshots').select(['hash', 'team']).execute()).map((r) => [r.hash, r.team]));
    assert.deepEqual([teams.get(acting.info.hash), teams.get(named.info.hash), teams.get(neither.info.hash)], ['dmpk', 't1', null]);
  });

  it('selects by measurement window and by what had been reported at a date', async () => {
    const store = await b.openFresh();
    await setUp(store);
    const january = await createSnapshot(store, { ...base, measuredFrom: '2024-01-01', measuredTo: '2024-01-31' }, 'dana');
    assert.equal(january.info.compounds, 2);
    const asOfFeb = await readSnapshot(store, (await createSnapshot(store, { ...base, reportedBy: '2024-02-15' }, 'dana')).info.hash);
    const benzene = asOfFeb.rows.find((r) => r.smiles === 'c1ccccc1')!;
    assert.equal(benzene.label, Math.log10(5), 'the tighter bound was not reported yet');
  });

  it('diffs two snapshots: added, removed, relabelled and the label shift', async () => {
    const store = await b.openFresh();
    await setUp(store);
    const a = await createSnapshot(store, { ...base, measuredTo: '2024-01-05' }, 'dana');
    const bSnap = await createSnapshot(store, { ...base, measuredFrom: '2024-01-06' }, 'dana');
    const d = await diffSnapshots(store, a.info.hash.slice(0, 12), bSnap.info.hash);
    // A: c1 (10), c2 (<5). B: c1 (1000), c2 (<2), c3 (100).
    assert.equal(d.added.length, 1);
    assert.equal(d.removed.length, 0);
    assert.equal(d.relabelled.length, 2);
    assert.equal(d.unchanged, 0);
    const expectedShift = (3 + Math.log10(2) + 2) / 3 - (1 + Math.log10(5)) / 2;
    assert.ok(Math.abs(d.labels.meanShift - expectedShift) < 1e-12);
    assert.ok(d.labels.ks > 0 && d.labels.ks <= 1);
  });

  it('computes features once per (compound, feature version) and reuses the cache', async () => {
    const store = await b.openFresh();
    await setUp(store);
    const { info } = await createSnapshot(store, base, 'dana');
    const { set } = await defineFeatureSet(store, 'default', { descriptors: 'rdkit-desc@1', morgan: { radius: 2, nBits: 2048 } });
    const first = await computeFeatures(store, { snapshot: info.hash, featureSet: set, workers: 1 });
    assert.deepEqual([first.computed, first.cached, first.failed], [3, 0, 0]);
    const second = await computeFeatures(store, { snapshot: info.hash, featureSet: set, workers: 1 });
    assert.deepEqual([second.computed, second.cached], [0, 3]);
    const { set: other } = await defineFeatureSet(store, 'r3', { descriptors: 'rdkit-desc@1', morgan: { radius: 3, nBits: 1024 } });
    assert.notEqual(other.hash, set.hash);
    assert.equal((await computeFeatures(store, { snapshot: info.hash, featureSet: other, workers: 1 })).computed, 3);
    const row = await store.db
      .selectFrom('feature_cache')
      .selectAll()
      .where('feature_hash', '=', other.hash)
      .where('inchikey', '=', 'UHOVQNZJYSORNB-UHFFFAOYSA-N')
      .executeTakeFirstOrThrow();
    assert.equal(row.fingerprint.length, 1024 / 4);
    assert.equal(row.scaffold, 'c1ccccc1');
  });
});
