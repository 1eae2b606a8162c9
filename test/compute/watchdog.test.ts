import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  NvidiaSmiSampler,
  parseAppsQuery,
  parseGpuQuery,
  readGpuTrace,
  readGpuTraceFile,
  recordGpuTrace,
  TraceSampler,
} from '../../src/compute/gpu-sampler.js';
import { DEFAULT_SETTINGS } from '../../src/compute/settings.js';
import { Watchdog, type GpuSample, type WatchdogAction, type WatchdogThresholds } from '../../src/compute/watchdog.js';

const fixture = (name: string) => readGpuTrace(readFileSync(new URL(`../../../test/fixtures/compute/${name}`, import.meta.url), 'utf8'));
const T: WatchdogThresholds = DEFAULT_SETTINGS.watchdog;

/** Replays a trace through the sampler and the watchdog as the job wrapper does, until a cancel or `limit` samples. */
async function replay(trace: ReturnType<typeof fixture>, t: WatchdogThresholds, limit = 400): Promise<Array<WatchdogAction & { at: number }>> {
  const sampler = new TraceSampler(trace, 0);
  const dog = new Watchdog(t);
  const actions: Array<WatchdogAction & { at: number }> = [];
  for (let i = 0; i < limit; i++) {
    let s: GpuSample;
    try {
      const r = await sampler.sample();
      s = { at: r.at!, ok: true, gpus: r.gpus, processes: r.processes };
    } catch (e) {
      s = { at: (e as { at: number }).at, ok: false, error: (e as Error).message };
    }
    const a = dog.observe(s);
    if (a) actions.push({ ...a, at: s.at });
    if (a?.action === 'cancel') break;
  }
  return actions;
}

describe('idle watchdog', () => {
  it('parses nvidia-smi CSV output (with and without the index column) and refuses unreadable values', () => {
    assert.deepEqual(parseGpuQuery('0, 87, 40213\n1, 0, 3\n'), [
      { index: 0, utilizationPercent: 87, memoryUsedMiB: 40213 },
      { index: 1, utilizationPercent: 0, memoryUsedMiB: 3 },
    ]);
    assert.deepEqual(parseGpuQuery('12, 512\r\n'), [{ index: 0, utilizationPercent: 12, memoryUsedMiB: 512 }]);
    assert.throws(() => parseGpuQuery('0, [N/A], 512\n'), /unreadable/);
    assert.throws(() => parseGpuQuery(''), /no GPU/);
    assert.equal(parseAppsQuery('4242\n4243\n'), 2);
    assert.equal(parseAppsQuery(''), 0);
    assert.throws(() => parseAppsQuery('No running processes found\n'), /unreadable/);
  });

  it('on the recorded idle trace: ignores the grace period, restarts the streak at a failed sample, warns at 30 min idle and cancels at 60', async () => {
    const actions = await replay(fixture('gpu-idle-trace.json'), T);
    // Busy until 15 min; grace to 20 min, so the streak starts at 1200 s; the failed
    // sample at 1500 s counts as busy, so it starts again at 1530 s.
    assert.deepEqual(
      actions.map((a) => [a.action, a.at]),
      [
        ['warn', 1530 + 1800],
        ['cancel', 1530 + 3600],
      ],
    );
    const cancel = actions[1]!.evidence;
    assert.equal(cancel.reason, 'idle');
    assert.equal(cancel.streakStartedAt, 1530);
    assert.equal(cancel.idleSeconds, 3600);
    assert.equal(cancel.samples, 121);
    assert.equal(cancel.maxUtilizationPercent, 0);
    assert.equal(cancel.maxMemoryUsedMiB, 38912, 'the evidence shows the memory it held while idle');
    assert.equal(cancel.last.length, 10);
  });

  it('cancels a job whose GPU process is gone for 10 min, before the idle rule would', async () => {
    const actions = await replay(fixture('gpu-no-process-trace.json'), T);
    assert.deepEqual(
      actions.map((a) => [a.action, a.evidence.reason, a.at]),
      [['cancel', 'no_gpu_process', 1500 + 600]],
    );
  });

  it('never acts on a sampler that always fails, nor on a busy GPU', () => {
    const failing = new Watchdog(T);
    const busy = new Watchdog(T);
    for (let t = 0; t <= 6 * 3600; t += 30) {
      assert.equal(failing.observe({ at: t, ok: false, error: 'nvidia-smi: command not found' }), null);
      assert.equal(busy.observe({ at: t, ok: true, gpus: [{ index: 0, utilizationPercent: 40, memoryUsedMiB: 1000 }], processes: 1 }), null);
    }
  });

  it('needs every allocated GPU idle, and thresholds are configurable', () => {
    const t: WatchdogThresholds = { ...T, graceSeconds: 0, warnIdleSeconds: 60, cancelIdleSeconds: 120 };
    const dog = new Watchdog(t);
    const two = (a: number, b: number) => [
      { index: 0, utilizationPercent: a, memoryUsedMiB: 10 },
      { index: 1, utilizationPercent: b, memoryUsedMiB: 10 },
    ];
    const seen: string[] = [];
    for (let at = 0; at <= 300; at += 30) {
      const a = dog.observe({ at, ok: true, gpus: at < 150 ? two(0, 50) : two(0, 3), processes: 1 });
      if (a) seen.push(`${a.action}@${at}`);
    }
    // One GPU busy until 150 s keeps the job alive; then both ≤ 5 %: warn 60 s later, cancel 120 s later.
    assert.deepEqual(seen, ['warn@210', 'cancel@270']);
  });

  it('reads a node without nvidia-smi as a failed sample, which the watchdog counts as busy', async () => {
    const sampler = new NvidiaSmiSampler(30, 'rotguard-no-such-nvidia-smi');
    await assert.rejects(sampler.sample(), /rotguard-no-such-nvidia-smi failed/);
  });

  it('records a trace file that replays as it was read (here: a node without nvidia-smi, all failed samples, never idle)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rotguard-trace-'));
    try {
      const out = join(dir, 'trace.json');
      await recordGpuTrace({ out, seconds: 0.02, everySeconds: 0.01, command: 'rotguard-no-such-nvidia-smi' });
      const trace = readGpuTraceFile(out);
      assert.deepEqual(
        trace.samples.map((s) => s.t),
        [0, 0.01, 0.02],
      );
      assert.ok(trace.samples.every((s) => /rotguard-no-such-nvidia-smi failed/.test(s.error ?? '')));
      assert.deepEqual(await replay(trace, { ...T, graceSeconds: 0, warnIdleSeconds: 0, cancelIdleSeconds: 0 }, 50), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a malformed trace with the field at fault', () => {
    assert.throws(() => readGpuTrace('{"samples":[{"t":0,"gpu":"0, 1, 2"},{"t":0,"gpu":"0, 1, 2"}]}'), /samples\[1\]\.t|increasing/);
    assert.throws(() => readGpuTrace('{"samples":[]}'), /non-empty/);
  });
});
