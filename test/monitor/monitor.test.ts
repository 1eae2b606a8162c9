import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { canonicalJson, nonFiniteAsNull } from '../../src/core/hash.js';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { build, UNGOVERNED } from '../../src/training/build.js';
import { validateRecipe } from '../../src/training/recipe.js';
import { addEndpoint } from '../../src/data/endpoints.js';
import { ingestFile } from '../../src/data/ingest.js';
import { validateMapping } from '../../src/data/mapping.js';
import { addProtocolVersion } from '../../src/data/protocols.js';
import { latestMonitorRun, monitorModel } from '../../src/monitor/monitor.js';
import { predictFile } from '../../src/serve/predict.js';
import { combinatorialSmiles } from '../helpers/molecules.js';
import { forEachBackend } from '../store/backends.js';

const dir = mkdtempSync(join(tmpdir(), 'rotguard-monitor-'));
after(() => rmSync(dir, { recursive: true, force: true }));

forEachBackend('monitoring', (backend) => {
  before(() => loadRDKit());

  it('sees new chemistry, measures performance once labels arrive, and confirms an assay shift from reference compounds', async () => {
    const store = await backend.openFresh();
    await addEndpoint(
      store,
      { name: 'logd', unit: 'ratio', transform: 'none', direction: 'higher_is_better', validMin: null, validMax: null, description: '' },
      'ana',
    );
    await addProtocolVersion(store, { protocol: 'shake', endpoint: 'logd', unit: 'ratio', site: 's', vendor: 'v', parameters: { pH: 7.4 } }, 'ana');
    const mapping = validateMapping({
      team: 'chem',
      protocol: 'shake',
      columns: { id: 'id', structure: 'smiles', value: 'logd', measured_at: 'measured', reported_at: 'reported' },
    });
    const label = (s: string) => ((s.length % 13) / 3).toFixed(3);
    const train = combinatorialSmiles(150);
    const csv = (name: string, rows: string[]) => {
      writeFileSync(join(dir, name), ['id,smiles,logd,measured,reported', ...rows].join('\n') + '\n');
      return join(dir, name);
    };
    await ingestFile(store, {
      path: csv(
        'train.csv',
        train.map((s, i) => `c${i},${s},${label(s)},2024-01-02,2024-01-20`),
      ),
      mapping,
      actor: 'ana',
      quarantineDir: dir,
      workers: 1,
    });
    await build(
      store,
      validateRecipe({
        model: 'logd-rf',
        team: 'chem',
        endpoint: 'logd',
        dataset: { aggregate: 'mean' },
        algorithm: 'random-forest',
        params: { nEstimators: 10 },
        split: { method: 'random', seed: 0, train: 0.7, calibration: 0.15, test: 0.15 },
        seed: 1,
      }),
      'ana',
      UNGOVERNED,
    );

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
    // Calibrated against the model's own held-out compounds (recorded at build).
    assert.equal(w2!.input.lowSimilarityBaseline, w1!.input.lowSimilarityBaseline);
    assert.ok(w2!.input.lowSimilarityP! < 0.001 && w2!.input.lowSimilarityExcess! > 0.5, `low-similarity p ${w2!.input.lowSimilarityP}`);
    assert.ok(w1!.input.lowSimilarityP! > 0.05, `familiar window p ${w1!.input.lowSimilarityP}`);
    assert.ok(w2!.input.chemistryShiftP! < 0.01, `MMD p for the new series ${w2!.input.chemistryShiftP}`);
    assert.ok(w1!.input.chemistryShiftP! > 0.01, `MMD p for familiar compounds ${w1!.input.chemistryShiftP}`);
    // The new series' compounds are closer to one another than to any training compound.
    // (This small model has few held-out compounds to pool with, so the permutation p cannot go far down.)
    assert.ok(
      w2!.input.novelClusterP! < 0.05 && w2!.input.novelClusterCount! >= 20,
      `novel cluster ${w2!.input.novelClusterCount}, p ${w2!.input.novelClusterP}`,
    );
    assert.ok(w1!.input.novelClusterP! > 0.01, `familiar window novel-cluster p ${w1!.input.novelClusterP}`);
    assert.ok(
      w2!.input.nearestSimilarityShift! < w1!.input.nearestSimilarityShift!,
      `${w2!.input.nearestSimilarityShift} vs ${w1!.input.nearestSimilarityShift}`,
    );
    assert.ok(w2!.input.novelClusterExcess! > 0, `excess ${w2!.input.novelClusterExcess}`);
    // With the training compounds themselves in the null pool (105 of them, not 45 held out),
    // the same series is far beyond the permutations. Window 1 re-predicts development
    // compounds: the training ones are left out of that test's sample, the rest are familiar.
    assert.ok(
      w2!.input.trainingNovelPairsP! < 0.001 && w2!.input.trainingNovelPairs! > w2!.input.trainingNovelPairsBaseline!,
      `training-pool novel pairs ${w2!.input.trainingNovelPairs} vs ${w2!.input.trainingNovelPairsBaseline}, p ${w2!.input.trainingNovelPairsP}`,
    );
    assert.ok((w1!.input.trainingNovelPairsP ?? 1) > 0.01, `familiar window p ${w1!.input.trainingNovelPairsP}`);
    // New-scaffold pairs are measured against the held-out scaffolds the build recorded. The
    // familiar window's scaffolds are all in training and the new series is acyclic (no ring,
    // no scaffold): neither has a pair, so this test stays quiet where the similarity tests speak.
    assert.ok(w1!.input.newScaffoldPairsBaseline !== null && w2!.input.newScaffoldPairsBaseline !== null, 'measured on both windows');
    assert.equal(w1!.input.newScaffoldPairs, 0);
    assert.equal(w2!.input.newScaffoldPairs, 0);
    assert.equal(w2!.input.newScaffoldPairsP, 1);
    assert.ok(
      w2!.input.descriptors.every((d) => d.qValue !== null && d.qValue! >= d.pValue!),
      'BH q is never below its p',
    );
    assert.ok(w2!.errorEstimate && w2!.errorEstimate.n === 30 && w2!.errorEstimate.realisedMae === null, 'an error estimate before any label');

    // Labels for the new series arrive; the model is poor on them.
    const future = new Date(Date.now() + 60_000).toISOString();
    await ingestFile(store, {
      path: csv(
        'labels.csv',
        novel.map((s, i) => `n${i},${s},${(8 + (i % 5)).toFixed(2)},2024-02-01,2024-02-20`),
      ),
      mapping,
      actor: 'ana',
      quarantineDir: dir,
      workers: 1,
    });
    // Reference compounds re-measured under a new protocol version, all read 1.0 higher.
    await addProtocolVersion(
      store,
      { protocol: 'shake', endpoint: 'logd', unit: 'ratio', site: 's', vendor: 'v', parameters: { pH: 7.4, buffer: 'new' } },
      'ana',
    );
    const refs = train.slice(0, 5);
    await ingestFile(store, {
      path: csv(
        'refs.csv',
        refs.map((s, i) => `c${i},${s},${(Number(label(s)) + 1).toFixed(3)},2024-03-01,2024-03-05`),
      ),
      mapping: { ...mapping, protocol: 'shake@2' },
      actor: 'ana',
      quarantineDir: dir,
      workers: 1,
    });

    run = await monitorModel(store, { model: 'logd-rf', window: 'request', actor: 'mon', asOf: future });
    const after2 = run.windows[1]!;
    assert.equal(after2.labels.labelled, 30);
    assert.ok(after2.performance && after2.performance.maeRatio > 2, `MAE ratio ${after2.performance?.maeRatio}`);
    assert.ok(after2.labels.newLabels >= 30);
    // The new series is acyclic: one series with all 30 labelled predictions, and it is the worst.
    assert.equal(after2.performanceBySeries![0]!.series, '(acyclic)');
    assert.equal(after2.performanceBySeries![0]!.n, 30);
    assert.equal(after2.performance!.worstSeriesMaeRatio, after2.performanceBySeries![0]!.maeRatio);
    assert.ok(after2.labels.newLabelsOnNewChemistry >= 30, JSON.stringify(after2.labels));
    assert.deepEqual(
      after2.labels.protocolVersions,
      ['shake@1', 'shake@2'].filter((v) => after2.labels.protocolVersions.includes(v)),
    );
    assert.equal(after2.assay.confirmedShift, true);
    assert.ok(Math.abs(after2.assay.medianReferenceShift! - 1) < 1e-9);
    assert.equal(after2.assay.referencesCompared, 5);
    assert.ok(Math.abs(after2.assay.pairedShift! - 1) < 1e-9);
    assert.ok(after2.errorEstimate!.realisedMae! > after2.errorEstimate!.estimatedMae, 'realised error reported beside the estimate once labels came');
    // The evidence says why, with the numbers and the noise it was judged against (no replicates within a version: the 0.1 default).
    assert.equal(after2.assay.replicateNoise, 0.1);
    assert.match(
      after2.assay.explanation!,
      /^shake@1 → shake@2: 5 references, paired mean shift 1\.00 .*confirmed: a shift needs p < 0\.001 with at least 3 references; .*replicate noise 0\.100 \(default: no replicates\)$/,
    );
    const stored = await latestMonitorRun(store, 'logd-rf');
    assert.equal(stored!.windows.length, 2);

    // Both windows are settled (over, and every compound labelled): computed once, then reused
    // (the latest windows are normally always recomputed; none here, to see the cache at work).
    assert.equal((await store.db.selectFrom('window_evidence').select('key').execute()).length, 0, 'recent windows are not cached');
    const first = await monitorModel(store, { model: 'logd-rf', window: 'request', actor: 'mon', asOf: future, recentWindows: 0 });
    const cached = await store.db.selectFrom('window_evidence').select(['window', 'settled_as_of', 'team']).execute();
    assert.equal(cached.length, 2);
    assert.deepEqual(
      cached.map((c) => c.team),
      ['chem', 'chem'],
      "the model version's team owns its evidence",
    );
    const again = await monitorModel(store, { model: 'logd-rf', window: 'request', actor: 'mon', asOf: future, recentWindows: 0 });
    const canonical = (x: unknown) => JSON.parse(canonicalJson(nonFiniteAsNull(x))) as unknown;
    assert.deepEqual(canonical(again.windows), canonical(first.windows), 'reused evidence equals computed evidence');
    assert.deepEqual(canonical(first.windows), canonical(run.windows));
    assert.equal((await store.db.selectFrom('window_evidence').select('key').execute()).length, 2, 'nothing recomputed or stored twice');
    await store.close();
  });
});
