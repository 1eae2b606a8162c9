import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoredDataError } from '../../src/core/errors.js';
import { canonicalJson } from '../../src/core/hash.js';
import {
  decodeFeatureContract,
  decodeLineage,
  lineageDocument,
  trainingSetBlobOf,
  type BuiltLineage,
  type ImportedLineage,
} from '../../src/registry/decoders.js';
import { versionFromRow } from '../../src/registry/registry.js';

const H = (c: string) => c.repeat(64);
const built: BuiltLineage = {
  origin: 'built',
  snapshot: H('1'),
  featureHash: H('2'),
  splitRule: { method: 'scaffold', seed: 0, fractions: { train: 0.8, calibration: 0.1, test: 0.1 } },
  seed: 42,
  environment: { rotguard: '0.1.0', codeSha256: H('3'), lockfileSha256: null, rdkit: '2026.09.1', node: 'v20', platform: 'linux-x64' },
  trainingSet: H('4'),
  missing: [],
};
const imported: ImportedLineage = { origin: 'imported', onnxSha256: H('5'), seed: 7, missing: ['imageDigest', 'lockfileSha256', 'snapshot', 'split'] };
const featureVersion = {
  descriptors: 'rdkit-desc@1',
  descriptorHash: H('6'),
  morgan: { radius: 2, nBits: 2048 },
  morganHash: H('7'),
  rdkit: '2026.09.1',
  hash: H('2'),
};

describe('model version lineage and feature contract', () => {
  it('is stored without its origin (the row has it) and decodes back to the same union member', () => {
    for (const lineage of [built, imported]) {
      const stored = canonicalJson(lineageDocument(lineage));
      assert.equal(stored.includes('origin'), false, 'the stored format is unchanged');
      assert.deepEqual(decodeLineage(stored, lineage.origin, 'm@1'), lineage);
    }
    assert.equal(trainingSetBlobOf(built), H('4'));
    assert.equal(trainingSetBlobOf(imported), null);
  });

  it("refuses a lineage that is not its origin's shape, naming the version and the field", () => {
    const asImported = canonicalJson(lineageDocument(built));
    assert.throws(
      () => decodeLineage(asImported, 'imported', 'sol@2'),
      (e: unknown) => e instanceof StoredDataError && e.code === 'row_malformed' && /lineage of sol@2 .*onnxSha256: expected a sha256/.test(e.message),
    );
    const noTrainingSet = canonicalJson({ ...lineageDocument(built), trainingSet: undefined });
    assert.throws(() => decodeLineage(noTrainingSet, 'built', 'sol@3'), /trainingSet: expected a sha256/);
    assert.throws(() => decodeLineage('{}', 'trained-by-hand', 'sol@4'), /origin "trained-by-hand"/);
  });

  it('decodes the feature contract by origin: built models name descriptors and fingerprint, imported ones their ONNX inputs', () => {
    const builtContract = {
      featureVersion,
      descriptors: ['MolLogP'],
      fingerprint: { type: 'morgan', radius: 2, nBits: 2048 },
      uses: ['descriptors', 'fingerprints'],
    };
    const onnx = { featureVersion, onnx: { block: 'descriptors', width: 24, inputName: 'x', valueOutput: 'value', uncertaintyOutput: null } };
    assert.deepEqual(decodeFeatureContract(JSON.stringify(builtContract), 'built', 'm@1'), builtContract);
    const c = decodeFeatureContract(JSON.stringify(onnx), 'imported', 'm@2');
    assert.ok('onnx' in c && c.onnx.width === 24);
    assert.throws(
      () => decodeFeatureContract(JSON.stringify(builtContract), 'imported', 'm@3'),
      /feature contract of m@3 .*onnx: expected an object, got nothing/,
    );
  });

  it('versionFromRow decodes both columns and keeps origin and lineage in agreement', () => {
    const row = {
      id: 'm@1',
      model: 'm',
      version: 1,
      endpoint: 'sol',
      team: 't',
      origin: 'imported',
      build_hash: null,
      artifact_blob: H('8'),
      report_blob: null,
      feature_hash: H('2'),
      feature_contract: canonicalJson({
        featureVersion,
        onnx: { block: 'fingerprints', width: 2048, inputName: 'x', valueOutput: 'v', uncertaintyOutput: 's' },
      }),
      lineage: canonicalJson(lineageDocument(imported)),
      created_at: '2026-01-01T00:00:00.000Z',
      created_by: 'ana',
    };
    const v = versionFromRow(row);
    assert.equal(v.origin, 'imported');
    assert.equal(v.lineage.origin, 'imported');
    if (v.lineage.origin === 'imported') assert.deepEqual(v.lineage.missing, imported.missing);
    assert.throws(() => versionFromRow({ ...row, lineage: '{"missing":"none"}' }), /lineage of m@1/);
  });
});
