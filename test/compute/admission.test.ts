import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { auditReport } from '../../src/audit/report.js';
import { renderAuditHtml } from '../../src/audit/report-html.js';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { RotguardError } from '../../src/core/errors.js';
import { withClock } from '../../src/core/clock.js';
import { admissionFor, budgetStatus, setBudget } from '../../src/compute/budget.js';
import { costPerVersion, spendPerTeam } from '../../src/compute/cost-report.js';
import { usageOf } from '../../src/compute/cost.js';
import { DEFAULT_SETTINGS, updateComputeSettings } from '../../src/compute/settings.js';
import { submitBuild, submitExternal, type ComputeRequest } from '../../src/compute/submit.js';
import { readEvents, verifyEventLog } from '../../src/store/event-log.js';
import type { Store } from '../../src/store/store.js';
import { forEachBackend, workspaceOf } from '../store/backends.js';
import { recipe, seedStore } from './workspace.js';

const NOW = '2026-11-15T12:00:00.000Z';
const local = (store: Store, patch: Partial<ComputeRequest> = {}): ComputeRequest => ({
  executor: 'local',
  actor: 'alice',
  where: { workspace: workspaceOf(store) },
  ...patch,
});
const isError = (code: string) => (e: unknown) => e instanceof RotguardError && e.code === code;

it('admission rule: standard below 100 %, preemptible from 100 %, refused from 125 % (projected = committed + reservation)', () => {
  const s = (committed: number) => ({ team: 't', month: '2026-11', amount: 100, currency: 'USD', committed });
  assert.deepEqual(
    [admissionFor(s(50), 49.99), admissionFor(s(50), 50), admissionFor(s(100), 24.99), admissionFor(s(100), 25)].map((d) => (d.admitted ? d.lane : 'refused')),
    ['standard', 'preemptible', 'preemptible', 'refused'],
  );
  const none = admissionFor({ ...s(1e9), amount: null }, 1e9);
  assert.ok(none.admitted && none.lane === 'standard', 'no budget: admitted, spend recorded');
  const refused = admissionFor(s(120), 10);
  assert.match(refused.reason, /130 %/);
});

it('usage: CPU-hours and GPU-hours × price per class, times array tasks', () => {
  const p = { cpuHour: 0.05, gpuHour: 2.5, currency: 'USD' };
  assert.deepEqual(usageOf({ cpus: 4, gpus: 2, tasks: 1 }, 1800, p), { cpuHours: 2, gpuHours: 1, cost: 2 * 0.05 + 1 * 2.5 });
  assert.deepEqual(usageOf({ cpus: 1, gpus: 0, tasks: 3 }, 3600, p), { cpuHours: 3, gpuHours: 0, cost: 0.15000000000000002 });
});

forEachBackend('compute admission', (b) => {
  before(() => loadRDKit());

  it('builds on the local executor, answers an identical build from the cache without a job running, and records cost and saving per version', async () => {
    const store = await b.openFresh();
    await seedStore(store, workspaceOf(store));
    await withClock(NOW, async () => {
      const first = await submitBuild(store, recipe(), local(store, { time: '10m', gpus: 1 }), {});
      assert.equal(first.outcome, 'finished');
      assert.equal(first.job.state, 'completed');
      assert.equal(first.job.version_id, 'logd-rf@1');
      assert.equal(first.job.gpus, 0, 'a built-in trainer gets no GPU');
      assert.match(first.job.note, /built-in CPU trainer/);
      assert.ok(first.job.elapsed_s! > 0);
      // The charge is the elapsed time × 1 CPU at the CPU-hour price.
      assert.equal(first.job.cpu_hours, first.job.elapsed_s! / 3600);
      assert.equal(first.job.charged_cost, (first.job.elapsed_s! / 3600) * DEFAULT_SETTINGS.prices.cpuHour);
      assert.equal(first.job.reserved_cost, (600 / 3600) * DEFAULT_SETTINGS.prices.cpuHour);

      const again = await submitBuild(store, recipe(), local(store), {});
      assert.equal(again.outcome, 'cached');
      assert.equal(again.job.state, 'cached');
      assert.equal(again.job.executor, 'cache');
      assert.equal(again.job.version_id, 'logd-rf@1');
      assert.equal(again.job.saved_cost, first.job.charged_cost, 'the saving is what the original build was charged');

      const kinds = (await readEvents(store.db, { kind: ['job_submitted', 'job_right_sized', 'job_finished', 'job_cache_hit', 'build_cache_hit'] })).map(
        (e) => e.kind,
      );
      assert.deepEqual(kinds, ['job_right_sized', 'job_submitted', 'job_finished', 'build_cache_hit', 'job_cache_hit']);
      const cost = (await costPerVersion(store.db)).get('logd-rf@1')!;
      assert.equal(cost.jobs, 1);
      assert.equal(cost.cacheHits, 1);
      assert.equal(cost.cost, first.job.charged_cost);
      assert.equal(cost.savedCost, first.job.charged_cost);
      const spend = await spendPerTeam(store.db);
      assert.deepEqual(
        spend.map((s) => [s.team, s.month, s.jobs]),
        [['chem', '2026-11', 1]],
      );
      assert.ok((await verifyEventLog(store.db)).ok);

      // The audit shows the version's cost and the team's spend.
      const report = await auditReport(store, { actor: 'auditor', workspace: workspaceOf(store) });
      const v = report.models.find((m) => m.version === 'logd-rf@1')!;
      assert.deepEqual([v.compute?.jobs, v.compute?.cacheHits, v.compute?.cost, v.compute?.savedCost], [1, 1, first.job.charged_cost, first.job.charged_cost]);
      assert.deepEqual(
        report.compute?.spend.map((s) => [s.team, s.cost]),
        [['chem', first.job.charged_cost]],
      );
      const html = renderAuditHtml(report);
      assert.match(html, /Compute spend per team/);
      assert.match(html, /1 identical rebuild from cache saved/);
    });
  });

  it('sends a team at 100 % of its budget to the preemptible lane and refuses one at 125 %, with a clear message and a job_refused event', async () => {
    const store = await b.openFresh();
    await seedStore(store, workspaceOf(store));
    await withClock(NOW, async () => {
      // 1 CPU for 2 h reserves 0.10: a budget of 0.09 puts the projection at 111 %.
      await setBudget(store, { team: 'chem', month: '2026-11', amount: 0.09, currency: 'USD', actor: 'lead' });
      const pre = await submitBuild(store, recipe(), local(store, { time: '2h' }), {});
      assert.equal(pre.job.lane, 'preemptible');
      assert.match(pre.job.note, /preemptible lane only/);
      // A budget of 0.07: 0.10 / 0.07 = 143 % → refused, nothing reserved.
      await setBudget(store, { team: 'chem', month: '2026-11', amount: 0.07, currency: 'USD', actor: 'lead' });
      const before = await budgetStatus(store.db, 'chem', '2026-11');
      await assert.rejects(submitBuild(store, recipe({ seed: 8 }), local(store, { time: '2h' }), {}), (e: unknown) => {
        assert.ok(isError('budget_exceeded')(e));
        assert.match((e as Error).message, /refused from 125 %.*rotguard budget set chem/);
        return true;
      });
      const after = await budgetStatus(store.db, 'chem', '2026-11');
      assert.equal(after.jobs, before.jobs, 'a refused job is not recorded as a job');
      const refused = await readEvents(store.db, { kind: 'job_refused' });
      assert.equal(refused.length, 1);
      assert.equal(refused[0]!.subject, 'team:chem');
    });
  });

  it('admits concurrent submissions one at a time: two that each fit but not together get one refusal', async () => {
    const store = await b.openFresh();
    await withClock(NOW, async () => {
      // Each reserves 1 CPU × 1 h = 0.05: alone 62.5 % of 0.08, together 125 %.
      await setBudget(store, { team: 'ds', month: '2026-11', amount: 0.08, currency: 'USD', actor: 'lead' });
      const submit = () =>
        submitExternal(store, { team: 'ds', argv: ['/bin/sleep', '0.5'], imageDigest: `sha256:${'ef'.repeat(32)}` }, local(store, { time: '1h' }));
      const results = await Promise.allSettled([submit(), submit()]);
      assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.ok(isError('budget_exceeded')(refused.reason));
      assert.equal((await budgetStatus(store.db, 'ds', '2026-11')).jobs, 1);
    });
  });

  it('requires a time limit within the maximum and lets settings change prices and limits', async () => {
    const store = await b.openFresh();
    await seedStore(store, workspaceOf(store));
    await assert.rejects(submitBuild(store, recipe(), local(store, { time: '49h' }), {}), isError('time_limit_too_long'));
    await assert.rejects(updateComputeSettings(store, { timeLimit: { defaultSeconds: 7200, maxSeconds: 3600 } }, 'lead'), isError('bad_compute_settings'));
    const s = await updateComputeSettings(store, { prices: { cpuHour: 1 }, timeLimit: { maxSeconds: 600, defaultSeconds: 300 } }, 'lead');
    assert.equal(s.prices.gpuHour, DEFAULT_SETTINGS.prices.gpuHour);
    await assert.rejects(submitBuild(store, recipe(), local(store, { time: '11m' }), {}), isError('time_limit_too_long'));
    const r = await submitBuild(store, recipe(), local(store), {});
    assert.equal(r.job.time_limit_s, 300, 'the default time limit applies when none is given');
    assert.equal(r.job.reserved_cost, 300 / 3600);
  });
});
