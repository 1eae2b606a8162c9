/**
 * Compute governance on a real Slurm cluster: the one-node cluster of
 * scripts/slurm/start.sh (slurmctld + slurmd, two placeholder GPUs as GRES). Set
 * ROTGUARD_TEST_SLURM_CONF to its slurm.conf (start.sh prints the export); without it
 * these tests skip, saying so, unless ROTGUARD_REQUIRE_SLURM=1 (CI), where they fail.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { nowIso } from '../../src/core/clock.js';
import { RotguardError } from '../../src/core/errors.js';
import { setBudget } from '../../src/compute/budget.js';
import { costPerVersion } from '../../src/compute/cost-report.js';
import { monthOf } from '../../src/compute/jobs.js';
import { DEFAULT_SETTINGS } from '../../src/compute/settings.js';
import { submitBuild, submitExternal, submitScore, type ComputeRequest } from '../../src/compute/submit.js';
import { waitForJob } from '../../src/compute/settle.js';
import { main } from '../../src/cli/main.js';
import { readEvents, verifyEventLog } from '../../src/store/event-log.js';
import { openStore, type Store } from '../../src/store/store.js';
import { combinatorialSmiles } from '../helpers/molecules.js';
import { forEachBackend } from '../store/backends.js';
import { recipe, seedStore } from './workspace.js';

const CONF = process.env.ROTGUARD_TEST_SLURM_CONF;
const REQUIRED = process.env.ROTGUARD_REQUIRE_SLURM === '1';
const skip = CONF
  ? false
  : REQUIRED
    ? false
    : 'no Slurm cluster: run `eval "$(scripts/slurm/start.sh)"` (root; slurm-wlm + munge) to set ROTGUARD_TEST_SLURM_CONF';
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const TRACE = new URL('../../../test/fixtures/compute/gpu-idle-trace.json', import.meta.url).pathname;

/** The job's line in the cluster's job-completion log, read here independently of rotguard's parser. */
function jobCompRecord(slurmId: string): { elapsed: number; cpus: number; state: string; partition: string } {
  const conf = readFileSync(CONF!, 'utf8');
  const log = /^JobCompLoc=(\S+)/m.exec(conf)![1]!;
  const line = readFileSync(log, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`JobId=${slurmId} `));
  assert.ok(line, `job ${slurmId} is in the job-completion log`);
  const get = (k: string) => new RegExp(`(?:^| )${k}=(\\S*)`).exec(line)![1]!;
  const seconds = (t: string) => Date.parse(t + 'Z') / 1000;
  return {
    elapsed: seconds(get('EndTime')) - seconds(get('StartTime')),
    cpus: Number(/cpu=(\d+)/.exec(get('Tres'))![1]),
    state: get('JobState'),
    partition: get('Partition'),
  };
}

/** Slurm's next job id, seen by submitting a held job and cancelling it before it can run. */
function probeJobId(): number {
  const id = execFileSync('sbatch', ['--parsable', '--hold', '--time=1', '--output=/dev/null', '--wrap=true'], { encoding: 'utf8' }).trim();
  execFileSync('scancel', [id]);
  return Number(id);
}

describe('compute governance on a real one-node Slurm', { skip }, () => {
  let dir: string;
  let store: Store;
  const req = (patch: Partial<ComputeRequest> = {}): ComputeRequest => ({
    executor: 'slurm',
    actor: 'alice',
    time: '5m',
    wait: true,
    pollMs: 300,
    where: { workspace: dir },
    ...patch,
  });

  before(async () => {
    if (!CONF) throw new Error('ROTGUARD_REQUIRE_SLURM=1 but ROTGUARD_TEST_SLURM_CONF is not set: CI must start the cluster (scripts/slurm/start.sh)');
    process.env.SLURM_CONF = CONF;
    await loadRDKit();
    dir = mkdtempSync(join(tmpdir(), 'rotguard-slurm-test-'));
    store = await openStore({ workspace: dir, migrate: true });
    await seedStore(store, dir);
  });
  after(async () => {
    await store?.close();
    if (dir && !process.env.KEEP_TEST_DIRS) rmSync(dir, { recursive: true, force: true });
  });

  it("runs a build as a Slurm job that registers its version, charged Slurm's elapsed time × the CPUs it allocated", async () => {
    const a = await submitBuild(store, recipe(), req({ cpus: 1 }), {});
    const j = a.job;
    assert.equal(a.outcome, 'finished');
    assert.equal(j.state, 'completed', `job note: ${j.note}; result: ${j.result}`);
    assert.match(j.external_id ?? '', /^\d+$/);
    assert.equal(j.version_id, 'logd-rf@1');
    assert.ok(await store.db.selectFrom('model_versions').select('id').where('id', '=', 'logd-rf@1').executeTakeFirst(), 'registered by the job on the node');
    assert.ok(await store.db.selectFrom('builds').select('hash').where('hash', '=', j.build_hash!).executeTakeFirst());
    const slurm = jobCompRecord(j.external_id!);
    assert.equal(slurm.state, 'COMPLETED');
    assert.equal(j.elapsed_s, slurm.elapsed);
    assert.equal(j.cpu_hours, (slurm.elapsed * slurm.cpus) / 3600);
    assert.equal(j.gpu_hours, 0);
    assert.equal(j.charged_cost, ((slurm.elapsed * slurm.cpus) / 3600) * DEFAULT_SETTINGS.prices.cpuHour);
    // The job's script depends on nothing from the submitting shell but the workspace.
    const script = readFileSync(join(dir, 'jobs', j.id, 'job.sh'), 'utf8');
    assert.match(script, /jobs run 'job-[0-9a-f]+' --workspace/);
  });

  it('answers an identical build from the registry: no Slurm job is created', async () => {
    const before = probeJobId();
    const a = await submitBuild(store, recipe(), req(), {});
    const after = probeJobId();
    assert.equal(a.outcome, 'cached');
    assert.equal(a.job.external_id, null);
    assert.equal(after, before + 1, 'no job reached Slurm between the two probes');
    assert.ok(a.job.saved_cost > 0);
    const cost = (await costPerVersion(store.db)).get('logd-rf@1')!;
    assert.equal(cost.cacheHits, 1);
    assert.equal(cost.savedCost, cost.cost);
  });

  it('scores a file as a job array, one chunk per task, outputs joined in order and every task charged', async () => {
    const input = join(dir, 'score.csv');
    const smiles = combinatorialSmiles(130).slice(120);
    writeFileSync(input, ['id,smiles', ...smiles.map((s, i) => `n${i},${s}`)].join('\n') + '\n');
    const a = await submitScore(store, { model: 'logd-rf@1', team: 'chem', input, tasks: 3 }, req());
    const j = a.job;
    assert.equal(j.state, 'completed', `result: ${j.result}`);
    assert.equal(j.array_size, 3);
    const result = JSON.parse(j.result!) as { outputBlob: string; predicted: number; tasks: Array<{ task: number }> };
    assert.deepEqual(
      result.tasks.map((t) => t.task),
      [0, 1, 2],
    );
    assert.equal(result.predicted, 10);
    const out = (await store.blobs.get(result.outputBlob)).toString('utf8').trim().split('\n');
    assert.equal(out.length, 11);
    assert.deepEqual(
      out.slice(1).map((l) => l.split(',')[2]),
      smiles.map((_, i) => `n${i}`),
      'rows in input order',
    );
    const finished = (await readEvents(store.db, { subject: `job:${j.id}`, kind: 'job_finished' }))[0]!;
    const tasks = (JSON.parse(finished.payload) as { tasks: Array<{ elapsedSeconds: number; cpus: number }> }).tasks;
    assert.equal(tasks.length, 3);
    // Summed per task in the charge: equal up to floating-point rounding.
    assert.ok(Math.abs(j.cpu_hours! - tasks.reduce((s, t) => s + t.elapsedSeconds * t.cpus, 0) / 3600) < 1e-12);
    assert.ok(tasks.every((t) => t.elapsedSeconds >= 0 && t.cpus === 1));
  });

  it('sends a team over 100 % of its budget to the preemptible partition and refuses it over 125 %', async () => {
    const month = monthOf(nowIso());
    const committed = (await store.db.selectFrom('jobs').select('charged_cost').where('team', '=', 'chem').execute()).reduce(
      (s, r) => s + (r.charged_cost ?? 0),
      0,
    );
    // 1 CPU for 5 min reserves 0.05/12 ≈ 0.0042: budget the team at ~90 % of what it would commit.
    const reservation = (300 / 3600) * DEFAULT_SETTINGS.prices.cpuHour;
    await setBudget(store, { team: 'chem', month, amount: (committed + reservation) / 1.1, currency: 'USD', actor: 'lead' });
    const a = await submitExternal(store, { team: 'chem', argv: ['/bin/true'], imageDigest: DIGEST }, req());
    assert.equal(a.job.lane, 'preemptible');
    assert.equal(a.job.partition, 'preemptible');
    assert.equal(a.job.state, 'completed');
    assert.equal(jobCompRecord(a.job.external_id!).partition, 'preemptible', 'Slurm ran it in the preemptible partition');

    await setBudget(store, { team: 'chem', month, amount: (committed + a.job.charged_cost! + reservation) / 1.3, currency: 'USD', actor: 'lead' });
    const before = probeJobId();
    await assert.rejects(submitExternal(store, { team: 'chem', argv: ['/bin/true'], imageDigest: DIGEST }, req()), (e: unknown) => {
      assert.ok(e instanceof RotguardError && e.code === 'budget_exceeded');
      assert.match(e.message, /team chem would reach .* \(refused from 125 %\)/);
      return true;
    });
    assert.equal(probeJobId(), before + 1, 'a refused job never reaches Slurm');
    await setBudget(store, { team: 'chem', month, amount: 1000, currency: 'USD', actor: 'lead' });
  });

  it('cancels a running job with "rotguard jobs cancel" and charges what it ran', async () => {
    const a = await submitExternal(store, { team: 'chem', argv: ['/bin/sleep', '120'], imageDigest: DIGEST }, req({ wait: false }));
    assert.equal(a.outcome, 'submitted');
    // Wait until Slurm runs it.
    for (let i = 0; i < 100 && !execFileSync('squeue', ['-h', '-j', a.job.external_id!, '-o', '%T'], { encoding: 'utf8' }).includes('RUNNING'); i++)
      await new Promise((r) => setTimeout(r, 200));
    let out = '';
    const code = await main(['jobs', 'cancel', a.job.id, '--reason', 'wrong data', '--workspace', dir, '--json'], {
      out: (t) => {
        out += t;
      },
      err: () => undefined,
    });
    assert.equal(code, 0);
    assert.equal(JSON.parse(out).cancelled, true);
    const j = await waitForJob(store, a.job.id, { pollMs: 300, timeoutMs: 60_000 });
    assert.equal(j.state, 'cancelled');
    const slurm = jobCompRecord(j.external_id!);
    assert.equal(slurm.state, 'CANCELLED');
    assert.equal(j.elapsed_s, slurm.elapsed);
    assert.equal(j.cpu_hours, (slurm.elapsed * slurm.cpus) / 3600);
    const kinds = (await readEvents(store.db, { subject: `job:${j.id}` })).map((e) => `${e.kind}:${e.actor}`);
    assert.deepEqual(
      kinds.map((k) => k.split(':')[0]),
      ['job_submitted', 'job_cancelled', 'job_finished'],
    );
  });

  it('cancels a GPU job idle on the recorded trace, with warning and cancellation events and evidence; charged for the GPU it held', async () => {
    const a = await submitExternal(
      store,
      { team: 'chem', argv: ['/bin/sh', '-c', 'echo "$CUDA_VISIBLE_DEVICES" > visible-gpus.txt; exec sleep 120'], imageDigest: DIGEST },
      req({ gpus: 1, gpuTrace: { file: TRACE, replaySeconds: 0.02 } }),
    );
    const j = a.job;
    assert.equal(j.state, 'cancelled_idle', `note: ${j.note}`);
    assert.equal(j.gpus, 1);
    assert.equal(readFileSync(join(dir, 'jobs', j.id, 'visible-gpus.txt'), 'utf8').trim(), '0', 'Slurm set CUDA_VISIBLE_DEVICES for --gres=gpu:1');
    const events = await readEvents(store.db, { subject: `job:${j.id}` });
    assert.deepEqual(
      events.map((e) => e.kind),
      ['job_submitted', 'job_idle_warning', 'job_cancelled_idle', 'job_finished'],
    );
    const warning = JSON.parse(events[1]!.payload) as { idleSeconds: number; streakStartedAt: number };
    const cancel = JSON.parse(events[2]!.payload) as { idleSeconds: number; reason: string; maxUtilizationPercent: number; last: unknown[] };
    assert.equal(warning.idleSeconds, 1800);
    assert.deepEqual([cancel.reason, cancel.idleSeconds, cancel.maxUtilizationPercent], ['idle', 3600, 0]);
    assert.equal(cancel.last.length, 10);
    assert.equal(events[2]!.actor, 'watchdog');
    const slurm = jobCompRecord(j.external_id!);
    assert.equal(slurm.state, 'CANCELLED');
    assert.ok(slurm.elapsed < 60, 'cancelled long before sleep 120 would end');
    assert.equal(j.elapsed_s, slurm.elapsed);
    assert.equal(j.gpu_hours, slurm.elapsed / 3600, 'charged the real elapsed time × 1 GPU');
    assert.equal(
      j.charged_cost,
      ((slurm.elapsed * slurm.cpus) / 3600) * DEFAULT_SETTINGS.prices.cpuHour + (slurm.elapsed / 3600) * DEFAULT_SETTINGS.prices.gpuHour,
    );
    assert.ok((await verifyEventLog(store.db)).ok);
    assert.ok(existsSync(join(dir, 'jobs', j.id, 'job.sh')));
  });
});

// The same path with the store in PostgreSQL: the job on the node finds it through the
// database URL written into its script (and nothing else from the submitting shell).
forEachBackend('a Slurm build with the store on each backend', (b) => {
  it('runs, registers and is charged', { skip: b.backend === 'sqlite' ? 'covered above' : skip }, async () => {
    process.env.SLURM_CONF = CONF;
    const loc = await b.freshLocation();
    const store = await openStore({ ...loc, migrate: true });
    try {
      await seedStore(store, loc.workspace);
      const a = await submitBuild(
        store,
        recipe(),
        { executor: 'slurm', actor: 'alice', time: '5m', wait: true, pollMs: 300, where: { workspace: loc.workspace, databaseUrl: loc.databaseUrl } },
        {},
      );
      assert.equal(a.job.state, 'completed', `result: ${a.job.result}`);
      assert.equal(a.job.version_id, 'logd-rf@1');
      const slurm = jobCompRecord(a.job.external_id!);
      assert.equal(a.job.elapsed_s, slurm.elapsed);
      assert.match(readFileSync(join(loc.workspace, 'jobs', a.job.id, 'job.sh'), 'utf8'), /^export ROTGUARD_DATABASE_URL='postgres:/m);
    } finally {
      await store.close();
    }
  });
});
