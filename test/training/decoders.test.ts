import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoredDataError } from '../../src/core/errors.js';
import { canonicalJson } from '../../src/core/hash.js';
import { readSnapshotBlob } from '../../src/data/decoders.js';
import { readMonitorRun } from '../../src/monitor/decoders.js';
import { decodeStoredRecipe, readTrainingSet } from '../../src/training/decoders.js';
import { loadModel } from '../../src/training/trainers/index.js';
import { readValidationReport } from '../../src/validate/decoders.js';

const H = (c: string) => c.repeat(64);
/** A blob store holding one blob per hash. */
const blobs = (content: Record<string, unknown>) => ({
  get: async (h: string) => Buffer.from(typeof content[h] === 'string' ? (content[h] as string) : canonicalJson(content[h])),
});
const malformed = (hash: string, what: string, field: RegExp) => (e: unknown) =>
  e instanceof StoredDataError && e.code === 'blob_malformed' && e.message.startsWith(`${what} blob ${hash}`) && field.test(e.message);

describe('blob decoders', () => {
  it('training set: one decoder for serving, monitoring and the audit; a malformed blob is refused by hash', async () => {
    const good = { inchikeys: ['K1'], scaffolds: ['c1ccccc1'], fingerprintWords: 64, fingerprints: 'AAAA' };
    assert.deepEqual(await readTrainingSet(blobs({ [H('a')]: good }), H('a')), good);
    await assert.rejects(
      readTrainingSet(blobs({ [H('b')]: { ...good, fingerprintWords: '64' } }), H('b')),
      malformed(H('b'), 'training set', /fingerprintWords: expected an integer/),
    );
    await assert.rejects(
      readTrainingSet(blobs({ [H('c')]: { inchikeys: ['K1'] } }), H('c')),
      malformed(H('c'), 'training set', /scaffolds: expected an array, got nothing/),
    );
  });

  it('validation report: NaN metrics stored as null are accepted; a report of another shape is refused', async () => {
    const metrics = { n: 3, mae: 0.5, rmse: 0.6, r2: null, pearson: null, spearman: 1 };
    const report = {
      task: 'regression',
      split: { method: 'random', seed: 0, fractions: { train: 0.7, calibration: 0.15, test: 0.15 }, sizes: { train: 7, calibration: 2, test: 3 } },
      test: metrics,
      conformal: [{ level: 0.9, k: 2, q: null, coverage: 1, meanWidth: null }],
      conformalNormalized: true,
      calibration: null,
      bySeries: [{ group: 's', n: 3, metrics }],
      byProtocol: [],
      bySite: [],
      testPredictions: { mean: 1, sd: 0.5 },
      applicabilityDomain: { nearestSimilarity: { p10: 0.2, median: 0.5, p90: 0.9 }, bins: [{ from: 0, to: 1, n: 3, metrics: null }] },
    };
    assert.deepEqual(await readValidationReport(blobs({ [H('d')]: report }), H('d')), report);
    await assert.rejects(
      readValidationReport(blobs({ [H('e')]: { ...report, task: 'ranking' } }), H('e')),
      malformed(H('e'), 'validation report', /task: expected "regression" \| "classification"/),
    );
    await assert.rejects(
      readValidationReport(blobs({ [H('f')]: { ...report, test: { n: 3 } } }), H('f')),
      malformed(H('f'), 'validation report', /test: expected regression or classification metrics/),
    );
  });

  it('snapshot and monitoring run blobs are checked down to their rows and windows', async () => {
    const snapshot = {
      definition: { endpoint: 'sol', aggregation: { method: 'mean', censored: 'drop' } },
      endpoint: { name: 'sol', unit: 'uM', transform: 'log10', hash: H('1') },
      rows: [{ inchikey: 'K', smiles: 'C', label: 1, qualifier: '=', n: 1, measurements: ['m'] }],
    };
    assert.equal((await readSnapshotBlob(blobs({ [H('2')]: snapshot }), H('2'))).rows.length, 1);
    const badRow = { ...snapshot, rows: [{ ...snapshot.rows[0], qualifier: '~' }] };
    await assert.rejects(readSnapshotBlob(blobs({ [H('3')]: badRow }), H('3')), malformed(H('3'), 'snapshot', /rows\[0\]\.qualifier/));
    await assert.rejects(
      readMonitorRun(blobs({ [H('4')]: { model: 'm', asOf: 'x', window: 'week', windows: [{ model: 'm@1' }] } }), H('4')),
      malformed(H('4'), 'monitoring run', /windows\[0\]\.window: expected an object/),
    );
    await assert.rejects(readSnapshotBlob(blobs({ [H('5')]: 'not json' }), H('5')), malformed(H('5'), 'snapshot', /not valid JSON/));
  });

  it('stored recipe (builds.recipe) and model artifact name the build and the blob', () => {
    assert.throws(
      () => decodeStoredRecipe('{"model":"m"}', H('6')),
      (e: unknown) => e instanceof StoredDataError && e.code === 'row_malformed' && e.message.includes(`recipe of build (${H('6')})`),
    );
    assert.throws(() => loadModel('{"kind":"ridge"', H('7')), new RegExp(`model artifact: not JSON .*\\(blob ${H('7')}\\)`));
    assert.throws(() => loadModel('{"kind":"ridge","formatVersion":9}', H('8')), new RegExp(`not a ridge artifact of format 1 \\(blob ${H('8')}\\)`));
  });
});
