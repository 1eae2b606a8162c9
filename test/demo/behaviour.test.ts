import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { auditReport } from '../../src/audit/report.js';
import { withClock } from '../../src/core/clock.js';
import { tracePrediction } from '../../src/audit/trace.js';
import { main } from '../../src/cli/main.js';
import { writeAuditReport } from '../../src/usecases/audit.js';
import { createContext } from '../../src/usecases/context.js';
import { fixedClock } from '../../src/core/clock.js';
import { runDemo, type DemoResult } from '../../src/demo/run.js';
import { openStore } from '../../src/store/store.js';
import { defaultScenario, resolveScenario } from '../../src/demo/scenario.js';

/**
 * The demo's expected behaviour, over several seeds: what a governed model must do in a
 * year with a new chemical series and a protocol change. Each seed is a full year on a
 * real workspace (ingest, build, predict, monitor, decide, act), so this is slow-ish.
 */
const SEEDS = (process.env.ROTGUARD_DEMO_SEEDS ?? '7,11,23').split(',').map(Number);
const dir = mkdtempSync(join(tmpdir(), 'rotguard-demo-behaviour-'));
/** The first seed's year, audited below. */
const results = new Map<number, DemoResult>();
after(() => rmSync(dir, { recursive: true, force: true }));

for (const seed of SEEDS) {
  describe(`demo year, seed ${seed}`, () => {
    let r: DemoResult;
    const s = resolveScenario(defaultScenario(new Date('2026-11-26T00:00:00Z')), { seed });
    const arrival = s.newSeries.week;
    const change = s.protocolChange.week;

    it('runs the year', async () => {
      r = await runDemo({ scenario: s, dir: join(dir, `seed-${seed}`) });
      if (seed === SEEDS[0]) results.set(seed, r);
      assert.equal(r.weeks.length, s.weeks);
      assert.equal(r.history.rejected + r.weeks.reduce((n, w) => n + w.labelsRejected, 0), 0, 'every generated label is accepted by ingest');
      const line = (w: DemoResult['weeks'][number]) =>
        `w${w.week} ${w.decision.action}${w.decision.retrainDeferred ? '(deferred)' : ''} [${w.decision.triggered.join(',')}] mae×${w.decision.recentMaeRatio?.toFixed(2) ?? '-'}${w.retrain ? ` RETRAIN→${w.retrain.version}` : ''}${w.froze ? ' FROZE' : ''}`;
      console.log(`seed ${seed}: ${r.seconds.toFixed(0)} s\n  ${r.weeks.map(line).join('\n  ')}`);
    });

    it('neither retrains nor freezes during the stable period', () => {
      const stable = r.weeks.filter((w) => w.week < arrival);
      const acted = stable.filter((w) => w.decision.action === 'retrain' || w.decision.action === 'freeze');
      assert.deepEqual(
        acted.map((w) => w.week),
        [],
      );
      assert.ok(
        stable.every((w) => !w.decision.triggered.includes('performance_decay')),
        'no performance alarm on stable weeks',
      );
    });

    it('flags the new series by input drift in the week it arrives', () => {
      const w = r.weeks.find((x) => x.week === arrival)!;
      assert.ok(w.newSeriesShare > 0, "the new series is in that week's compounds");
      assert.ok(w.decision.triggered.includes('new_chemistry'), `week ${arrival}: ${w.decision.reason}`);
      assert.equal(w.decision.action, 'watch');
      const low = w.decision.evidence.lowSimilarityShare;
      assert.ok(low !== null && low > 0.15, `low-similarity share ${low}`);
    });

    it("confirms performance drift once the new series' labels mature, and retrains only once the maturity gate passes", () => {
      const decay = r.weeks.filter((w) => w.week >= arrival && w.week < change && w.decision.triggered.includes('performance_decay'));
      assert.ok(decay.length, 'performance decay is confirmed after the new series arrives');
      const first = decay[0]!;
      assert.ok(first.week >= arrival + s.labelDelayWeeks.min, `no decay can be measured before labels exist (week ${first.week})`);
      for (const w of r.weeks) {
        if (w.decision.action === 'retrain') assert.equal(w.decision.maturityPassed, true, `week ${w.week} retrained with the maturity gate passed`);
        if (w.decision.triggered.includes('performance_decay') && w.decision.maturityPassed === false && w.decision.action !== 'freeze') {
          assert.equal(w.decision.action, 'watch', `week ${w.week}: an immature retrain is deferred`);
          assert.equal(w.decision.retrainDeferred, true);
        }
      }
      const retrains = r.weeks.filter((w) => w.retrain);
      assert.ok(retrains.length >= 1, 'the model is retrained on the new series');
      const promoted = retrains.find((w) => w.retrain!.promoted);
      assert.ok(promoted, 'a retrained version passes the release gate');
      assert.ok(promoted.week > arrival && promoted.week < change, `promoted in week ${promoted.week}`);
      // A retrain the gate refused is recorded as refused (and the old champion keeps serving), never promoted quietly.
      for (const w of retrains.filter((x) => !x.retrain!.promoted)) assert.match(w.retrain!.refusal ?? '', /release gate/);
      const next = r.weeks.find((w) => w.week === promoted.week + 1);
      if (next) assert.equal(next.servedBy, promoted.retrain!.version);
    });

    it('answers the protocol change with a freeze from the reference compounds, not a retrain', () => {
      const freeze = r.weeks.find((w) => w.froze);
      assert.ok(freeze, 'the model is frozen after the protocol change');
      assert.ok(freeze.week >= change && freeze.week <= change + s.labelDelayWeeks.max + 2, `frozen in week ${freeze.week}`);
      assert.equal(freeze.decision.triggered.includes('assay_shift'), true);
      assert.equal(freeze.decision.evidence.confirmedShift, true);
      assert.ok(
        Math.abs(freeze.decision.evidence.medianReferenceShift ?? 0) > s.protocolChange.shift / 2,
        `median reference shift ${freeze.decision.evidence.medianReferenceShift}`,
      );
      assert.deepEqual(
        r.weeks.filter((w) => w.week >= change && w.retrain).map((w) => w.week),
        [],
        'no retrain after the protocol change',
      );
      assert.ok(
        r.weeks.filter((w) => w.week > freeze.week).every((w) => w.servedFrozen),
        'every later prediction is flagged',
      );
    });
  });
}

describe('auditing the demo year', () => {
  const run = () => {
    const r = results.get(SEEDS[0]!);
    assert.ok(r, "the first seed's year ran");
    return r;
  };
  const cli = async (...args: string[]) => {
    let out = '';
    const code = await main(args, {
      out: (t) => {
        out += t;
      },
      err: () => undefined,
    });
    return { code, out };
  };

  it('passes every control, with the event log intact', async () => {
    const r = run();
    const store = await openStore({ workspace: r.workspace });
    try {
      // As of the end of the simulated year (the test's year is pinned; wall-clock "now" moves on).
      const report = await withClock(r.endsAt, () => auditReport(store, { workspace: r.workspace, actor: 'auditor' }));
      const failed = report.models.flatMap((m) => m.controls.filter((c) => c.status === 'fail').map((c) => `${m.version} ${c.control}: ${c.reason}`));
      assert.deepEqual(failed, []);
      assert.equal(report.eventLog.ok, true);
      const champion = report.models.find((m) => m.aliases.includes('champion'))!;
      assert.ok(champion.version !== `sol-rf@1`, 'the retrained version is champion');
      assert.equal(champion.controls.find((c) => c.control === 'policy.retrain_justified')!.status, 'pass');
      assert.equal(champion.frozen, true);
      assert.ok(report.decisions.length >= r.weeks.length);
      assert.ok(report.timelines[0]!.points.length >= r.weeks.length - 1);
    } finally {
      await store.close();
    }
  });

  it('traces a prediction back to its assay protocols and source files', async () => {
    const r = run();
    const store = await openStore({ workspace: r.workspace });
    try {
      const p = await store.db.selectFrom('predictions').select('id').orderBy('requested_at', 'desc').executeTakeFirstOrThrow();
      const t = await tracePrediction(store, p.id);
      assert.deepEqual(t.broken, []);
      assert.ok(t.build && t.snapshot);
      assert.ok(t.protocols.some((x) => x.id === 'sol-site1@1') && t.protocols.some((x) => x.id === 'sol-site2@1'));
      assert.ok(t.sources.length > 2 && t.sources.every((x) => x.path.endsWith('.csv') && x.fileSha256.length === 64));
      assert.equal(
        t.sources.reduce((n, x) => n + x.measurements, 0),
        t.snapshot.measurements,
      );
      assert.ok(t.nearest && t.nearest.measurements.length >= 1);
      assert.equal(t.prediction.modelFrozen, true, 'the last week was served frozen');
    } finally {
      await store.close();
    }
  });

  it('writes a self-contained HTML and JSON report', async () => {
    const r = run();
    const store = await openStore({ workspace: r.workspace });
    const w = await writeAuditReport(createContext(store, { actor: 'auditor', clock: fixedClock(r.endsAt), workspace: r.workspace }), {
      outDir: r.dir,
    }).finally(() => store.close());
    const html = readFileSync(w.html, 'utf8');
    assert.match(html, /<svg/);
    assert.doesNotMatch(html, /(src|href)="https?:/);
    assert.equal(JSON.parse(readFileSync(w.json, 'utf8')).summary.versions, w.report.summary.versions);
  });

  it("audit verify catches an event edited behind the store's back", async () => {
    const r = run();
    assert.equal((await cli('audit', 'verify', '--workspace', r.workspace)).code, 0);
    const db = new Database(join(r.workspace, 'store.sqlite'));
    try {
      // Someone with file access drops the append-only triggers and rewrites a decision.
      db.exec('drop trigger events_no_update; drop trigger events_no_delete');
      const victim = db.prepare("select seq from events where kind = 'frozen' order by seq limit 1").get() as { seq: number };
      db.prepare("update events set reason = 'nothing to see here' where seq = ?").run(victim.seq);
    } finally {
      db.close();
    }
    const verify = await cli('audit', 'verify', '--workspace', r.workspace, '--json');
    assert.equal(verify.code, 3);
    assert.match(verify.out, /edited/);
    assert.equal((await cli('audit', '--workspace', r.workspace, '--out', r.dir)).code, 3, 'the audit fails on a tampered log');
  });
});
