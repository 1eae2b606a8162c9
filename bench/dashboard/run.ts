/**
 * bench/dashboard: is the overview fast for an organisation's worth of models? One real
 * model is built, predicted, monitored and decided on (the dashboard test's workspace);
 * its registry rows, its monitoring run (stretched to a year of weekly windows) and its
 * decision are then copied to N models across four teams by direct inserts (cheap: no
 * training). Measured on this machine's server (embedded store, loopback):
 *  - GET /api/v1/models: the overview API (median and max of repeated calls, warm);
 *  - the overview page in Chromium: from navigation to the table of N rows drawn.
 *
 *   npm run bench:dashboard [-- --models 200 --repeat 15]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { canonicalJson } from '../../src/core/hash.js';
import { readMonitorRun } from '../../src/monitor/decoders.js';
import { decodeEventPayload } from '../../src/store/event-kinds.js';
import { appendEvent, latestEvent } from '../../src/store/event-log.js';
import { openStore } from '../../src/store/store.js';
import { createContext } from '../../src/usecases/context.js';
import { grantTeam } from '../../src/usecases/identity.js';
import { dashboardWorkspace } from '../../test/web/dashboard-workspace.js';

const { values } = parseArgs({
  options: { models: { type: 'string', default: '200' }, repeat: { type: 'string', default: '15' }, weeks: { type: 'string', default: '52' } },
});
const N = Number(values.models);
const REPEAT = Number(values.repeat);
const WEEKS = Number(values.weeks);
const TEAMS = ['chem', 'adme-a', 'adme-b', 'tox'];

console.log(`bench/dashboard: npm run bench:dashboard -- --models ${N} --repeat ${REPEAT} --weeks ${WEEKS}`);
console.log(
  `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}-${process.arch}; ${new Date().toISOString()}`,
);

const dir = mkdtempSync(join(tmpdir(), 'rotguard-bench-dashboard-'));
const store = await openStore({ workspace: dir, migrate: true });
const w = await dashboardWorkspace(store, dir);
try {
  await populate();
  // Every other team grants chem read access: ana's overview then lists all N models.
  const root = createContext(store, { actor: 'root' });
  for (const team of TEAMS.slice(1)) await grantTeam(root, { ownerTeam: team, granteeTeam: 'chem' });
  const rows: string[] = [];
  const apiTimes: number[] = [];
  let count = 0;
  const cold = performance.now();
  await w.app.inject({ method: 'GET', url: '/api/v1/models', headers: { authorization: `Bearer ${w.tokens.ana}`, 'x-rotguard-team': 'chem' } });
  rows.push(`| GET /api/v1/models, first call (every monitoring run read and decoded) | ${fmt(performance.now() - cold)} | | 1 |`);
  for (let i = 0; i < REPEAT; i++) {
    const t0 = performance.now();
    const r = await w.app.inject({ method: 'GET', url: '/api/v1/models', headers: { authorization: `Bearer ${w.tokens.ana}`, 'x-rotguard-team': 'chem' } });
    apiTimes.push(performance.now() - t0);
    if (r.statusCode !== 200) throw new Error(`overview answered ${r.statusCode}: ${r.body}`);
    count = r.json().length;
  }
  rows.push(`| GET /api/v1/models (${count} models, warm) | ${fmt(median(apiTimes))} | ${fmt(Math.max(...apiTimes))} | ${REPEAT} |`);

  await w.app.listen({ port: 0, host: '127.0.0.1' });
  const address = w.app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const browser = await chromium.launch({ executablePath: process.env.ROTGUARD_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  const pageTimes: number[] = [];
  let shown = 0;
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(base + '/');
    await page.evaluate(
      ([token]) => {
        (globalThis as any).sessionStorage.setItem('rotguard.token', token);
        (globalThis as any).sessionStorage.setItem('rotguard.team', 'chem');
      },
      [w.tokens.ana],
    );
    for (let i = 0; i < Math.min(REPEAT, 8); i++) {
      await page.goto(base + '/#/compute'); // leave the overview, so the next load draws it from scratch
      const t0 = performance.now();
      await page.goto(base + '/#/overview');
      await page.waitForFunction((n) => (globalThis as any).document.querySelectorAll('table.models tbody tr').length >= n, count, { timeout: 30_000 });
      pageTimes.push(performance.now() - t0);
      shown = await page.locator('table.models tbody tr').count();
    }
    const png = await page.screenshot({ fullPage: false });
    writeFileSync(join(fileURLToPath(new URL('.', import.meta.url)), 'overview.png'), png);
  } finally {
    await browser.close();
  }
  rows.push(
    `| overview page in Chromium: navigation → ${shown} rows drawn | ${fmt(median(pageTimes))} | ${fmt(Math.max(...pageTimes))} | ${pageTimes.length} |`,
  );
  console.log('| what | median ms | max ms | runs |');
  console.log('|---|---:|---:|---:|');
  for (const r of rows) console.log(r);
} finally {
  await w.app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

/** N models: copies of logd-rf@1 (same artifact and report blobs), each with a champion, a year of monitoring and a decision. */
async function populate(): Promise<void> {
  const v = await store.db.selectFrom('model_versions').selectAll().where('id', '=', 'logd-rf@1').executeTakeFirstOrThrow();
  const runEvent = (await latestEvent(store.db, { model: 'logd-rf', kind: 'monitor_run' }))!;
  const run = await readMonitorRun(store.blobs, decodeEventPayload(runEvent, 'monitor_run').blob);
  const window = run.windows[0]!;
  const year = {
    model: run.model,
    asOf: run.asOf,
    window: run.window,
    windows: Array.from({ length: WEEKS }, (_, i) => ({ ...window, window: { ...window.window, label: `2025-W${String(i + 1).padStart(2, '0')}` } })),
  };
  const decision = (await latestEvent(store.db, { model: 'logd-rf', kind: 'decision' }))!;
  const decisionPayload = decodeEventPayload(decision, 'decision');
  for (let i = 0; i < N - 1; i++) {
    const model = `bench-${String(i).padStart(3, '0')}`;
    const team = TEAMS[i % TEAMS.length]!;
    await store.db
      .insertInto('model_versions')
      .values({ ...v, id: `${model}@1`, model, team })
      .execute();
    await store.db
      .insertInto('model_aliases')
      .values({ model, alias: 'champion', version_id: `${model}@1`, updated_at: v.created_at, team })
      .execute();
    // A run of its own per model (distinct blob), as in a real registry: no cache can share one decode between models.
    const blob = await store.blobs.put(canonicalJson({ ...year, model }));
    await appendEvent(store.db, {
      kind: 'monitor_run',
      subject: model,
      model,
      actor: 'bench',
      reason: 'bench',
      payload: { blob, asOf: run.asOf, windows: WEEKS },
    });
    await appendEvent(store.db, { kind: 'decision', subject: model, model, actor: 'bench', reason: 'bench', payload: decisionPayload });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function fmt(ms: number): string {
  return ms.toFixed(0);
}
