import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RotguardError } from '../../src/core/errors.js';
import { sha256Hex } from '../../src/core/hash.js';
import { costPerVersion } from '../../src/compute/cost-report.js';
import { submitExternal, type ComputeRequest } from '../../src/compute/submit.js';
import { addEndpoint } from '../../src/data/endpoints.js';
import { defineFeatureSet } from '../../src/data/features.js';
import { resolveModel } from '../../src/registry/registry.js';
import { readEvents } from '../../src/store/event-log.js';
import { openStore, type Store } from '../../src/store/store.js';

const onnx = fileURLToPath(new URL('../../../test/fixtures/onnx/linear-descriptors.onnx', import.meta.url));
const trace = fileURLToPath(new URL('../../../test/fixtures/compute/gpu-idle-trace.json', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rotguard-external-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function fresh(name: string): Promise<{ store: Store; req: ComputeRequest }> {
  const workspace = join(dir, name);
  const store = await openStore({ workspace, migrate: true });
  await addEndpoint(
    store,
    { name: 'sol', unit: 'ug/mL', transform: 'log10', direction: 'higher_is_better', validMin: 0, validMax: null, description: '' },
    'ana',
  );
  await defineFeatureSet(store, 'default', { descriptors: 'rdkit-desc@1', morgan: { radius: 2, nBits: 2048 } });
  return { store, req: { executor: 'local', actor: 'ana', time: '10m', gpus: 1, where: { workspace } } };
}

describe('external training commands', () => {
  it("runs a team's own command, records its lockfile, imports its ONNX output with lineage and charges the GPU it held", async () => {
    const { store, req } = await fresh('ok');
    const lock = join(dir, 'requirements.lock');
    writeFileSync(lock, 'torch==2.5.1\nchemprop==2.1.0\n');
    const a = await submitExternal(
      store,
      {
        team: 'ds',
        argv: ['/bin/cp', onnx, 'model.onnx'],
        lockfile: lock,
        onnxOutput: 'model.onnx',
        import: { model: 'sol-mpnn', endpoint: 'sol', features: 'default', block: 'descriptors', uncertaintyOutput: 'uncertainty' },
      },
      req,
    );
    assert.equal(a.job.state, 'completed', a.job.result ?? '');
    assert.equal(a.job.version_id, 'sol-mpnn@1');
    const v = await resolveModel(store.db, 'sol-mpnn@1');
    assert.equal(v.origin, 'imported');
    assert.ok(v.lineage.origin === 'imported');
    assert.equal(v.lineage.lockfileSha256, sha256Hex(readFileSync(lock)));
    assert.equal(v.lineage.onnxSha256, sha256Hex(readFileSync(onnx)));
    assert.ok((v.lineage.missing as string[]).includes('imageDigest'), 'what was not declared is recorded as missing');
    const registered = (await readEvents(store.db, { model: 'sol-mpnn', kind: 'registered' }))[0]!;
    assert.match(registered.reason, new RegExp(`external job ${a.job.id}`));
    assert.equal(a.job.gpu_hours, a.job.elapsed_s! / 3600);
    assert.equal((await costPerVersion(store.db)).get('sol-mpnn@1')?.gpuHours, a.job.gpu_hours);
    await store.close();
  });

  it('needs the environment named: an image digest (not a tag) or a lockfile', async () => {
    const { store, req } = await fresh('env');
    await assert.rejects(
      submitExternal(store, { team: 'ds', argv: ['/bin/true'] }, req),
      (e: unknown) => e instanceof RotguardError && e.code === 'environment_required',
    );
    await assert.rejects(
      submitExternal(store, { team: 'ds', argv: ['/bin/true'], imageDigest: 'pytorch:latest' }, req),
      (e: unknown) => e instanceof RotguardError && e.code === 'bad_image_digest',
    );
    await store.close();
  });

  it('stops a local command at its time limit and settles it as timed out, charged the time it ran', async () => {
    const { store, req } = await fresh('limit');
    const a = await submitExternal(
      store,
      { team: 'ds', argv: ['/bin/sleep', '30'], imageDigest: `sha256:${'cd'.repeat(32)}` },
      { ...req, gpus: 0, time: '2s' },
    );
    assert.equal(a.job.state, 'timeout');
    assert.ok(a.job.elapsed_s! >= 2 && a.job.elapsed_s! < 20, `elapsed ${a.job.elapsed_s}`);
    assert.match(a.job.result ?? '', /time_limit_reached/);
    await store.close();
  });

  it('stops a local GPU job that the recorded trace shows idle, with its events, and charges only what it ran', async () => {
    const { store, req } = await fresh('idle');
    const started = performance.now();
    const a = await submitExternal(
      store,
      { team: 'ds', argv: ['/bin/sleep', '60'], imageDigest: `sha256:${'cd'.repeat(32)}` },
      { ...req, gpuTrace: { file: trace, replaySeconds: 0.005 } },
    );
    const seconds = (performance.now() - started) / 1000;
    assert.equal(a.job.state, 'cancelled_idle');
    assert.ok(seconds < 30, `stopped long before sleep 60 ended (${seconds.toFixed(1)} s)`);
    const kinds = (await readEvents(store.db, { subject: `job:${a.job.id}` })).map((e) => e.kind);
    assert.deepEqual(kinds, ['job_submitted', 'job_idle_warning', 'job_cancelled_idle', 'job_finished']);
    assert.ok(a.job.elapsed_s! < 30);
    assert.match(a.job.note, /idle watchdog: GPUs idle/);
    await store.close();
  });
});
