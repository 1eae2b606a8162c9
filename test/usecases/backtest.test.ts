import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { csvField } from '../../src/core/atomic-file.js';
import { validateMapping } from '../../src/data/mapping.js';
import { DEMO_MODEL, DEMO_POLICY } from '../../src/demo/policy.js';
import { generateProgramme, type DemoMeasurement, type Programme } from '../../src/demo/programme.js';
import { defaultScenario, resolveScenario } from '../../src/demo/scenario.js';
import { parsePolicy } from '../../src/policy/policy-file.js';
import { readEvents } from '../../src/store/event-log.js';
import { openStore } from '../../src/store/store.js';
import { validateRecipe } from '../../src/training/recipe.js';
import { backtest, type BacktestResult } from '../../src/usecases/backtest.js';
import { createContext } from '../../src/usecases/context.js';
import { ingest } from '../../src/usecases/data.js';
import { addEndpoint, addProtocol } from '../../src/usecases/standards.js';

const dir = mkdtempSync(join(tmpdir(), 'rotguard-backtest-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const recipe = validateRecipe({
  model: DEMO_MODEL,
  team: 'adme',
  endpoint: 'solubility',
  dataset: { aggregate: 'mean' },
  algorithm: 'random-forest',
  params: { nEstimators: 12 },
  split: { method: 'random', seed: 1, train: 0.7, calibration: 0.15, test: 0.15 },
  seed: 1,
});
const policy = parsePolicy(DEMO_POLICY);

/** A source workspace holding the programme's measurements reported by `reportedBy` (all of them when undefined), ingested as a team would. */
async function sourceWorkspace(p: Programme, name: string, reportedBy?: string): Promise<string> {
  const workspace = join(dir, name, '.rotguard');
  const store = await openStore({ workspace, migrate: true });
  const ctx = createContext(store, { actor: 'lead', workspace });
  try {
    await addEndpoint(ctx, {
      name: 'solubility',
      unit: 'M',
      transform: 'log10',
      direction: 'higher_is_better',
      validMin: 1e-12,
      validMax: 10,
      description: 'logS',
    });
    await addProtocol(ctx, { protocol: 'sol-site1', endpoint: 'solubility', site: 'site-1', vendor: 'in-house', unit: 'uM', parameters: { v: 1 } });
    await addProtocol(ctx, { protocol: 'sol-site2', endpoint: 'solubility', site: 'site-2', vendor: 'CRO', unit: 'uM', parameters: { v: 1 } });
    await addProtocol(ctx, { protocol: 'sol-site1', endpoint: 'solubility', site: 'site-1', vendor: 'in-house', unit: 'uM', parameters: { v: 2 } });
    const groups = new Map<string, DemoMeasurement[]>();
    for (const m of p.measurements) {
      if (reportedBy && m.reportedAt > reportedBy) continue;
      const key = `${m.protocol}@${m.protocolVersion}`;
      (groups.get(key) ?? groups.set(key, []).get(key)!).push(m);
    }
    for (const [protocol, rows] of groups) {
      const file = join(dir, name, `${protocol.replace('@', '-v')}.csv`);
      writeFileSync(
        file,
        [
          'id,smiles,sol_uM,site,batch,measured_at,reported_at',
          ...rows.map((m) =>
            [m.compoundId, m.smiles, m.valueUM.toPrecision(6), m.site, m.batch, m.measuredAt, m.reportedAt].map((v) => csvField(String(v))).join(','),
          ),
        ].join('\n') + '\n',
      );
      const mapping = validateMapping({
        team: rows[0]!.site === 'site-1' ? 'adme' : 'cro',
        protocol,
        columns: { id: 'id', structure: 'smiles', value: 'sol_uM', site: 'site', batch: 'batch', measured_at: 'measured_at', reported_at: 'reported_at' },
      });
      await ingest(ctx, { path: file, mapping, workers: 1 });
    }
  } finally {
    await store.close();
  }
  return workspace;
}

async function run(p: Programme, source: string, out: string, endWeek: number): Promise<BacktestResult> {
  const store = await openStore({ workspace: source });
  try {
    return await backtest({
      source: store,
      dir: join(dir, out),
      recipe,
      policy,
      start: p.weekStart(1).toISOString(),
      end: new Date(p.weekStart(endWeek).getTime() + 6 * 86_400_000).toISOString(),
      actor: 'evaluator',
      workers: 1,
    });
  } finally {
    await store.close();
  }
}

describe('rotguard backtest', () => {
  let p: Programme;
  let full: BacktestResult;
  const T = 6;
  before(async () => {
    await loadRDKit();
    const s = resolveScenario(defaultScenario(new Date('2025-06-01T00:00:00Z')), {
      seed: 3,
      start: '2025-01-06',
      weeks: 10,
      historyWeeks: 8,
      compoundsPerWeek: 12,
      newSeries: { week: 4, share: 0.5, effect: -1 },
      protocolChange: { week: 7, shift: 0.6 },
    });
    p = await generateProgramme(s, { workers: 1 });
    full = await run(p, await sourceWorkspace(p, 'full'), 'bt-full', 10);
  });

  it('replays week by week: predictions before labels, decisions recorded, a report written, the replay declared with its wall time', async () => {
    assert.equal(full.weeks.length, 10);
    assert.ok(
      full.weeks.every((w) => w.predicted > 0 && w.servedBy !== null),
      'every week predicted its new compounds',
    );
    assert.ok(
      full.weeks.every((w) => w.action !== null),
      'every week decided',
    );
    assert.ok(
      full.weeks.some((w) => w.hindsightMae !== null),
      'hindsight error once labels are in',
    );
    assert.match(readFileSync(full.report.html, 'utf8'), /Backtest of sol-rf/);
    const store = await openStore({ workspace: full.workspace });
    try {
      const started = (await readEvents(store.db, { kind: 'backtest_started' }))[0]!;
      const payload: unknown = JSON.parse(started.payload);
      assert.ok(payload && typeof payload === 'object' && 'wallTime' in payload && typeof payload.wallTime === 'string');
      assert.ok(Math.abs(Date.parse(payload.wallTime) - Date.now()) < 3_600_000, 'the wall time of the replay is recorded');
      assert.ok(started.at < '2025-01-06', 'the event itself is dated in simulated time');
      // Every prediction was made before any label of its compound was reported.
      const early = await store.db
        .selectFrom('predictions as p')
        .innerJoin('measurements as m', 'm.inchikey', 'p.inchikey')
        .select(['p.requested_at', 'm.reported_at'])
        .execute();
      assert.ok(early.length > 0);
      for (const r of early) assert.ok(r.reported_at! >= r.requested_at.slice(0, 10), `${r.requested_at} predicted after a label reported ${r.reported_at}`);
    } finally {
      await store.close();
    }
  });

  it('has no look-ahead: labels reported after week T can change, and nothing decided by T changes (predictions, decisions, builds)', async () => {
    // The same history, except that every label reported after week T is different.
    const cutoff = new Date(p.weekStart(T).getTime() + 6 * 86_400_000).toISOString().slice(0, 10);
    const altered: Programme = { ...p, measurements: p.measurements.map((m) => (m.reportedAt > cutoff ? { ...m, valueUM: m.valueUM * 37 } : m)) };
    const other = await run(altered, await sourceWorkspace(altered, 'altered'), 'bt-altered', T + 2);
    const upToT = (r: BacktestResult) =>
      r.weeks
        .filter((w) => w.week <= T)
        .map((w) => ({ w: w.week, by: w.servedBy, n: w.predicted, labels: w.labelsArrived, action: w.action, rules: w.triggered, retrained: w.retrained }));
    assert.deepEqual(upToT(other), upToT(full));
    for (let week = 1; week <= T; week++) {
      const values = (r: BacktestResult) =>
        readFileSync(join(r.dir, 'predictions', `week-${String(week).padStart(3, '0')}-predictions.csv`), 'utf8')
          .split('\n')
          .slice(1)
          .filter(Boolean)
          .map((l) => l.split(',').slice(3, 10).join(','));
      assert.deepEqual(values(other), values(full), `week ${week} predictions`);
    }
    const builds = async (r: BacktestResult) => {
      const store = await openStore({ workspace: r.workspace });
      try {
        return (await store.db.selectFrom('model_versions').select(['id', 'build_hash', 'created_at']).orderBy('id').execute())
          .filter((v) => v.created_at <= `${cutoff}T23:59:59.999Z`)
          .map((v) => [v.id, v.build_hash]);
      } finally {
        await store.close();
      }
    };
    assert.deepEqual(await builds(other), await builds(full));
    // ...and the altered labels did arrive later: the replays differ after T.
    assert.notDeepEqual(
      other.weeks.slice(T).map((w) => w.hindsightMae),
      full.weeks.slice(T, T + 2).map((w) => w.hindsightMae),
    );
  });
});
