import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { RotguardError } from '../../src/core/errors.js';
import { importOnnxModel } from '../../src/training/onnx-import.js';
import { OnnxModel, type OnnxIO } from '../../src/training/onnx-model.js';
import { addEndpoint } from '../../src/data/endpoints.js';
import { defineFeatureSet } from '../../src/data/features.js';
import type { Store } from '../../src/store/store.js';
import { forEachBackend, type TestBackend } from '../store/backends.js';

const fixtures = resolve(fileURLToPath(new URL('../../../test/fixtures/onnx', import.meta.url)));
const onnxPath = join(fixtures, 'linear-descriptors.onnx');
const weights = JSON.parse(readFileSync(join(fixtures, 'linear-descriptors.json'), 'utf8')) as { w: number[]; b: number; sigma: number };
const dir = mkdtempSync(join(tmpdir(), 'rotguard-onnx-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function store(backend: TestBackend): Promise<Store> {
  const s = await backend.openFresh();
  await addEndpoint(s, { name: 'sol', unit: 'ug/mL', transform: 'log10', direction: 'higher_is_better', validMin: 0, validMax: null, description: '' }, 'ana');
  await defineFeatureSet(s, 'default', { descriptors: 'rdkit-desc@1', morgan: { radius: 2, nBits: 2048 } });
  return s;
}

const io: OnnxIO = { block: 'descriptors', width: 24, inputName: 'descriptors', valueOutput: 'value', uncertaintyOutput: 'uncertainty' };

forEachBackend('ONNX models trained elsewhere', (backend) => {
  before(() => loadRDKit());

  it('predicts X·w + b with onnxruntime, matching the weights it was exported with', async () => {
    const model = await OnnxModel.load(readFileSync(onnxPath), io);
    const rows = 5;
    const data = Float64Array.from({ length: rows * 24 }, (_, i) => ((i * 37) % 101) - 50);
    const p = await model.predict({ rows, descriptors: { data, columns: 24 } });
    for (let r = 0; r < rows; r++) {
      let expected = weights.b;
      for (let c = 0; c < 24; c++) expected += data[r * 24 + c]! * weights.w[c]!;
      assert.ok(Math.abs(p.value[r]! - expected) < 1e-5 * Math.max(1, Math.abs(expected)), `${p.value[r]} vs ${expected}`);
      assert.ok(Math.abs(p.uncertainty[r]! - weights.sigma) < 1e-6);
    }
    await model.close();
  });

  it('registers an imported version, recording declared lineage and listing what is missing', async () => {
    const s = await store(backend);
    const v = await importOnnxModel(s, {
      model: 'sol-onnx',
      endpoint: 'sol',
      team: 'ds',
      onnxPath,
      features: 'default',
      block: 'descriptors',
      uncertaintyOutput: 'uncertainty',
      actor: 'ana',
    });
    assert.equal(v.origin, 'imported');
    assert.equal(v.buildHash, null);
    assert.deepEqual(v.lineage.missing, ['imageDigest', 'lockfileSha256', 'snapshot', 'split', 'seed']);
    assert.equal((await s.blobs.get(v.artifactBlob)).length, readFileSync(onnxPath).length);
    const lock = join(dir, 'requirements.lock');
    writeFileSync(lock, 'scikit-learn==1.5.2\nskl2onnx==1.17.0\n');
    const v2 = await importOnnxModel(s, {
      model: 'sol-onnx',
      endpoint: 'sol',
      team: 'ds',
      onnxPath,
      features: 'default',
      block: 'descriptors',
      actor: 'ana',
      imageDigest: `sha256:${'a'.repeat(64)}`,
      lockfilePath: lock,
      split: 'scaffold',
      seed: 1,
    });
    assert.equal(v2.id, 'sol-onnx@2');
    assert.deepEqual(v2.lineage.missing, ['snapshot']);
    await s.close();
  });

  it('refuses a model whose inputs do not match the feature contract, and files that are not ONNX', async () => {
    const s = await store(backend);
    await assert.rejects(
      importOnnxModel(s, { model: 'm', endpoint: 'sol', team: 'ds', onnxPath, features: 'default', block: 'fingerprints', actor: 'ana' }),
      (e: unknown) => e instanceof RotguardError && e.code === 'onnx_contract',
    );
    const junk = join(dir, 'junk.onnx');
    writeFileSync(junk, 'not a model');
    await assert.rejects(
      importOnnxModel(s, { model: 'm', endpoint: 'sol', team: 'ds', onnxPath: junk, features: 'default', block: 'descriptors', actor: 'ana' }),
      (e: unknown) => e instanceof RotguardError && e.code === 'bad_onnx',
    );
    await assert.rejects(
      importOnnxModel(s, { model: 'm', endpoint: 'sol', team: 'ds', onnxPath, features: 'default', block: 'descriptors', imageDigest: 'latest', actor: 'ana' }),
      (e: unknown) => e instanceof RotguardError && e.code === 'bad_digest',
    );
    await s.close();
  });
});
