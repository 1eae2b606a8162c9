import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { build } from '../../src/training/build.js';
import { validateRecipe } from '../../src/training/recipe.js';
import { addEndpoint } from '../../src/data/endpoints.js';
import { ingestFile } from '../../src/data/ingest.js';
import { validateMapping } from '../../src/data/mapping.js';
import { addProtocolVersion } from '../../src/data/protocols.js';
import { latestMonitorRun, monitorModel } from '../../src/monitor/monitor.js';
import { predictFile } from '../../src/serve/predict.js';
import { openStore } from '../../src/store/store.js';
import { combinatorialSmiles } from '../helpers/molecules.js';

const dir = mkdtempSync(join(tmpdir(), 'rotguard-monitor-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('monitoring', () => {
  before(() => loadRDKit());

  it('sees new chemistry, measures performance once labels arrive, and confirms an assay shift from reference compounds', async () => {
    const store = await openStore({ workspace: join(dir, 'ws'), migrate: true });
    await addEndpoint(store, { name: 'logd', unit: 'ratio', transform: 'none', direction: 'higher_is_better', validMin: null, validMax: null, description: '' }, 'ana');
    await addProtocolVersion(store, { protocol: 'shake', endpoint: 'logd', unit: 'ratio', site: 's', vendor: 'v', parameters: { pH: 7.4 } }, 'ana');
    const mapping = validateMapping({ team: 'chem', protocol: 'shake', columns: { id: 'id', structure: 'smiles', value: 'logd', measured_at: 'measured', reported_at: 'reported' } });
    const label = (s: string) => ((s.length % 13) / 3).toFixed(3);
    const train = combinatorialSmiles(150);
    const csv = (name: string, rows: string[]) => {
      writeFileSync(join(dir, name), ['id,smiles,logd,measured,reported', ...rows].join('\n') + '\n');
      return join(dir, name);
    };
    await ingestFile(store, { path: csv('train.csv', train.map((s, i) => `c${i},${s},${label(s)},2024-01-02,2024-01-20`)), mapping, actor: 'ana', quarantineDir: dir, workers: 1 });
    await build(store, validateRecipe({
      model: 'logd-rf', team: 'chem', endpoint: 'logd', dataset: { aggregate: 'mean' }, algorithm: 'random-forest', params: { nEstimators: 10 },
      split: { method: 'random', seed: 0, train: 0.7, calibration: 0.15, test: 0.15 }, seed: 1,
    }), 'ana');

    // Window 1: familiar chemistry. Window 2: a new aliphatic series far from anything trained on.
    const familiar = train.slice(0, 40);
    const novel = Array.from({ length: 30 }, (_, i) => `${'C'.repeat(6 + (i % 15))}(=O)N${i < 15 ? 'C' : 'CC'}O`);
    writeFileSync(join(dir, 'w1.csv'), ['id,smiles', ...familiar.map((s, i) => `f${i},${s}`)].join('\n') + '\n');
    writeFileSync(join(dir, 'w2.csv'), ['id,smiles', ...novel.map((s, i) => `n${i},${s}`)].join('\n') + '\n');
    await predictFile(store, { modelRef: 'logd-rf@1', input: join(dir, 'w1.csv'), out: join(dir, 'p1.csv'), actor: 'carl', workers: 1 });
    await new Promise((r) => setTimeout(r, 5));
    await predictFile(store, { modelRef: 'logd-rf@1', input: join(dir, 'w2.csv'), out: join(dir, 'p2.csv'), actor: 'carl', workers: 1 });

    let run = await monitorModel(store, { model: 'logd-rf', window: 'request', actor: 'mon' });
    const [w1, w2] = run.windows;
    assert.equal(run.windows.length, 2);
    assert.ok(w2!.input.unseenScaffoldShare! > w1!.input.unseenScaffoldShare!, 'new series: more unseen scaffolds');
    assert.ok(w2!.input.lowSimilarityShare! > 0.9 && w1!.input.lowSimilarityShare! < 0.1);
    assert.ok(w2!.input.maxPsi! > w1!.input.maxPsi!, 'descriptor drift is larger for the new series');
    assert.equal(w2!.labels.labelled, 0);
    assert.equal(w2!.performance, null);
    assert.ok(w2!.labels.oldestUnlabelledDays !== null);

    // Labels for the new series arrive; the model is poor on them.
    const future = new Date(Date.now() + 60_000).toISOString().slice(0, 10);
    await ingestFile(store, { path: csv('labels.csv', novel.map((s, i) => `n${i},${s},${(8 + (i % 5)).toFixed(2)},2024-02-01,2024-02-20`)), mapping, actor: 'ana', quarantineDir: dir, workers: 1 });
    // Reference compounds re-measured under a new protocol version, all read 1.0 higher.
    await addProtocolVersion(store, { protocol: 'shake', endpoint: 'logd', unit: 'ratio', site: 's', vendor: 'v', parameters: { pH: 7.4, buffer: 'new' } }, 'ana');
    const refs = train.slice(0, 5);
    await ingestFile(store, { path: csv('refs.csv', refs.map((s, i) => `c${i},${s},${(Number(label(s)) + 1).toFixed(3)},2024-03-01,2024-03-05`)), mapping: { ...mapping, protocol: 'shake@2' }, actor: 'ana', quarantineDir: dir, workers: 1 });

    run = await monitorModel(store, { model: 'logd-rf', window: 'request', actor: 'mon', asOf: `${future}T00:00:00.000Z` });
    const after2 = run.windows[1]!;
    assert.equal(after2.labels.labelled, 30);
    assert.ok(after2.performance && after2.performance.maeRatio > 2, `MAE ratio ${after2.performance?.maeRatio}`);
    assert.ok(after2.labels.newLabels >= 30);
    // The new series is acyclic: one series with all 30 labelled predictions, and it is the worst.
    assert.equal(after2.performanceBySeries![0]!.series, '(acyclic)');
    assert.equal(after2.performanceBySeries![0]!.n, 30);
    assert.equal(after2.performance!.worstSeriesMaeRatio, after2.performanceBySeries![0]!.maeRatio);
    assert.ok(after2.labels.newLabelsOnNewChemistry >= 30, JSON.stringify(after2.labels));
    assert.deepEqual(after2.labels.protocolVersions, ['shake@1', 'shake@2'].filter((v) => after2.labels.protocolVersions.includes(v)));
    assert.equal(after2.assay.confirmedShift, true);
    assert.ok(Math.abs(after2.assay.medianReferenceShift! - 1) < 1e-9);
    // The evidence shows the noise it was judged against: no replicates within a version, so the 0.1 default, threshold 0.2.
    assert.deepEqual([after2.assay.noiseSd, after2.assay.noiseSource, after2.assay.threshold, after2.assay.agreement], [0.1, { kind: 'default' }, 0.2, 1]);
    assert.match(after2.assay.explanation!, /^shake@1 → shake@2: median shift \+1\.00 over 5 references, 100 % in one direction; threshold 2 × noise 0\.100 \(default: no replicates\) = 0\.200: confirmed$/);
    const stored = await latestMonitorRun(store, 'logd-rf');
    assert.equal(stored!.windows.length, 2);
    await store.close();
  });
});
