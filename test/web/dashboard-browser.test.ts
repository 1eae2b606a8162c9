import assert from 'node:assert/strict';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium as playwright, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { openStore, type Store } from '../../src/store/store.js';
import { decodePng, rgbAt } from '../audit/png.js';
import { DRIFT_METRICS } from '../../src/audit/svg-charts.js';
import { dashboardWorkspace, type DashboardWorkspace } from './dashboard-workspace.js';

/**
 * The dashboard end to end in Debian's Chromium (playwright-core drives the system
 * browser; nothing is downloaded): login with a token, the overview, a model page, a
 * refused self-approval, an approval by a second user that appears live on the first
 * user's overview, and a compound lookup. Every page is checked with axe-core (no serious
 * or critical violation: labels, contrast, names), by keyboard (Tab reaches the controls,
 * focus is visible), and by a screenshot whose key elements have a visible box and whose
 * pixels are not blank. Screenshots are kept under dist/test-screenshots/dashboard/.
 */

function findChromium(): string | null {
  const fromEnv = process.env.ROTGUARD_CHROMIUM;
  if (fromEnv) return fromEnv;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    for (const d of (process.env.PATH ?? '').split(delimiter)) {
      if (!d) continue;
      try {
        accessSync(join(d, name), constants.X_OK);
        if (statSync(join(d, name)).isFile()) return join(d, name);
      } catch {
        // not here
      }
    }
  }
  return null;
}

const executable = findChromium();
const INSTALL_HINT = 'no Chromium found (chromium on PATH or ROTGUARD_CHROMIUM): `apt-get install -y chromium` to run the dashboard browser tests';
const skip = executable ? false : process.env.ROTGUARD_REQUIRE_CHROMIUM === '1' ? false : INSTALL_HINT;

const root = fileURLToPath(new URL('../../../', import.meta.url));
const AXE = join(root, 'node_modules', 'axe-core', 'axe.min.js');
const SHOTS = join(root, 'dist', 'test-screenshots', 'dashboard');

const dir = mkdtempSync(join(tmpdir(), 'rotguard-dashboard-browser-'));
let store: Store;
let w: DashboardWorkspace;
let browser: Browser;
let base: string;
let ana: { context: BrowserContext; page: Page };

before(async () => {
  if (skip) return;
  assert.ok(executable, INSTALL_HINT);
  mkdirSync(SHOTS, { recursive: true });
  store = await openStore({ workspace: dir, migrate: true });
  w = await dashboardWorkspace(store, dir);
  await w.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(w.app.server.address() as AddressInfo).port}`;
  browser = await playwright.launch({ executablePath: executable!, args: ['--no-sandbox'] });
  ana = await signIn(w.tokens.ana);
});

after(async () => {
  await browser?.close();
  await w?.app.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function signIn(token: string): Promise<{ context: BrowserContext; page: Page }> {
  // bypassCSP only lets the test inject axe-core; the pages themselves run under the server's policy.
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(base + '/');
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('nav#nav').waitFor({ state: 'visible' });
  assert.deepEqual(errors, []);
  return { context, page };
}

/** axe-core in the page: no serious or critical violation. */
async function assertAccessible(page: Page, what: string): Promise<void> {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    // Runs in the browser (the test's TypeScript has no DOM types).
    const r = await (globalThis as any).axe.run({ resultTypes: ['violations'] });
    return r.violations.map((v: any) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n: any) => n.target.join(' ')) }));
  });
  const bad = violations.filter((v: { impact: string }) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${what}: accessibility violations ${JSON.stringify(bad)}`);
}

/** A screenshot that is not blank, with the key elements inside a visible box. */
async function screenshot(page: Page, name: string, keys: string[]): Promise<void> {
  for (const selector of keys) {
    const box = await page.locator(selector).first().boundingBox();
    assert.ok(box && box.width > 10 && box.height > 10, `${name}: ${selector} is visible (${JSON.stringify(box)})`);
  }
  const png = await page.screenshot({ fullPage: true });
  writeFileSync(join(SHOTS, `${name}.png`), png);
  const img = decodePng(png);
  const colours = new Set<string>();
  for (let y = 0; y < img.height; y += 7) for (let x = 0; x < img.width; x += 7) colours.add(rgbAt(img, x, y).join(','));
  assert.ok(colours.size > 20, `${name}: the screenshot is not blank (${colours.size} colours sampled)`);
}

describe('dashboard in Chromium', { skip }, () => {
  it('signs in with a token and shows the overview by team and endpoint, accessible and usable by keyboard', async () => {
    const { page } = ana;
    const row = page.locator('tr[data-model="logd-rf"]');
    await row.waitFor();
    assert.match(await row.innerText(), /logd-rf@1/);
    assert.match(await row.innerText(), /live|watching/);
    assert.equal(await page.locator('section.group h2').first().innerText(), 'chem · logd');
    await screenshot(page, 'overview', ['nav#nav', 'table.models', 'tr[data-model="logd-rf"]']);
    await assertAccessible(page, 'overview');
    // Keyboard: from the top of the page, Tab reaches the skip link, every page link and the filter, each with a visible focus ring.
    await page.evaluate(() => (globalThis as any).document.activeElement?.blur());
    const reached: string[] = [];
    for (let i = 0; i < 16; i++) {
      await page.keyboard.press('Tab');
      const f = await page.evaluate(() => {
        const el = (globalThis as any).document.activeElement;
        const style = (globalThis as any).getComputedStyle(el);
        return { body: el.tagName === 'BODY', text: (el.textContent ?? '').trim() || el.id, outline: style.outlineStyle, width: style.outlineWidth };
      });
      if (f.body) continue; // Tab left the page (the browser's own controls) and comes back at the top
      assert.ok(f.outline !== 'none' && f.width !== '0px', `focus is visible on ${f.text} (${f.outline} ${f.width})`);
      reached.push(f.text);
    }
    for (const control of ['Skip to content', 'Overview', 'Compounds', 'Approvals', 'Compute', 'Audit', 'Sign out', 'model-filter', 'logd-rf']) {
      assert.ok(reached.includes(control), `Tab reaches ${control}: ${reached.join(' | ')}`);
    }
  });

  it("opens a model page with versions, drift charts carrying the policy's thresholds, decisions, reliability and lineage", async () => {
    const { page } = ana;
    await page.locator('tr[data-model="logd-rf"] a').click();
    await page.locator('.small-multiple svg').first().waitFor();
    assert.equal(await page.locator('.small-multiple').count(), DRIFT_METRICS.length);
    assert.equal(await page.locator('.small-multiple[data-metric="lowSimilarityShare"] line.threshold').count(), 1, 'the policy threshold is drawn');
    assert.deepEqual(await page.locator('table.versions tbody th').allInnerTexts(), ['logd-rf@2', 'logd-rf@1']);
    assert.ok((await page.locator('table.decisions tbody tr').count()) >= 1);
    await screenshot(page, 'model', ['table.versions', '.strip svg', '.small-multiple svg', '.reliability svg', '.lineage svg']);
    await assertAccessible(page, 'model page');
  });

  it('refuses a self-approval on the server and shows why', async () => {
    const { page } = ana;
    await page.getByRole('link', { name: 'Approvals' }).click();
    const card = page.locator('section.approval[data-version="logd-rf@2"]');
    await card.waitFor();
    await card.getByLabel('Reason for approving or refusing logd-rf@2').fill('I built it and it looks good');
    // By keyboard: Tab from the reason reaches the approve button, Enter presses it.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => (globalThis as any).document.activeElement?.textContent), 'Approve as champion');
    await page.keyboard.press('Enter');
    await card.locator('.outcome.error').waitFor();
    assert.match(await card.locator('.outcome').innerText(), /403 approver_is_builder/);
    await screenshot(page, 'approvals-self', ['section.approval', '.outcome']);
    await assertAccessible(page, 'approvals');
  });

  it("lets a second user approve, and the first user's overview shows the new champion without a reload", async () => {
    const { page } = ana;
    await page.getByRole('link', { name: 'Overview' }).click();
    const champion = page.locator('tr[data-model="logd-rf"] td').first();
    assert.equal(await champion.innerText(), 'logd-rf@1');
    const ben = await signIn(w.tokens.ben);
    try {
      await ben.page.getByRole('link', { name: 'Approvals' }).click();
      const card = ben.page.locator('section.approval[data-version="logd-rf@2"]');
      await card.getByLabel('Reason for approving or refusing logd-rf@2').fill('validated on the new series; gate passes');
      await card.getByRole('button', { name: 'Approve as champion' }).click();
      await card.locator('.outcome.ok').waitFor();
      assert.match(await card.locator('.outcome').innerText(), /logd-rf@2 is now champion/);
      await screenshot(ben.page, 'approvals-second-user', ['section.approval', '.outcome']);
    } finally {
      await ben.context.close();
    }
    // Live: the promotion event reaches ana's open overview through the event stream, with a notice.
    await page.locator('#live', { hasText: 'logd-rf@2 promoted to champion by ben' }).waitFor({ timeout: 20_000 });
    await page.waitForFunction(() => (globalThis as any).document.querySelector('tr[data-model="logd-rf"] td')?.textContent === 'logd-rf@2', undefined, {
      timeout: 20_000,
    });
  });

  it('looks up a compound: structure drawn, predictions with interval, domain and frozen flag, nearest training compounds drawn, trace to source files', async () => {
    const { page } = ana;
    await page.getByRole('link', { name: 'Compounds' }).click();
    await page.getByLabel('Compound id, SMILES or InChIKey').fill(w.predicted.id);
    await page.getByRole('button', { name: 'Look up' }).click();
    const section = page.locator('section.compound').first();
    await section.waitFor();
    await page.waitForFunction(() => [...(globalThis as any).document.querySelectorAll('img.depiction')].every((i: any) => i.complete && i.naturalWidth > 0));
    assert.ok((await page.locator('img.depiction').count()) >= 2, 'the compound and its nearest training compound are drawn');
    const row = section.locator('table.predictions tbody tr').first();
    assert.match(await row.innerText(), /logd-rf@1/);
    assert.match(await row.innerText(), / to .*\(90 %\)/);
    assert.match(await row.innerText(), /in domain|out of domain/);
    await row.getByRole('button', { name: 'Trace' }).click();
    await row.locator('table.sources').waitFor();
    assert.match(await row.locator('table.sources').innerText(), /dash-train\.csv/);
    await screenshot(page, 'compound', ['section.compound', 'img.depiction', 'table.predictions', '.neighbour']);
    await assertAccessible(page, 'compound lookup');
  });

  it('shows compute spend and jobs, and runs the audit with the report to download', async () => {
    const { page } = ana;
    await page.getByRole('link', { name: 'Compute' }).click();
    await page.getByRole('heading', { name: 'Spend per team' }).waitFor();
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    await assertAccessible(page, 'compute');
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('button', { name: 'Run the audit' }).click();
    const status = page.locator('main [role="status"]');
    await status.filter({ hasText: 'Audited' }).waitFor({ timeout: 30_000 });
    assert.match(await status.innerText(), /Audited 2 versions of 1 models: \d+ controls pass, \d+ fail\. Event log verified/);
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download the report (HTML)' }).click();
    const file = await download;
    assert.equal(file.suggestedFilename(), 'audit-report.html');
    const html = await (await file.createReadStream()).toArray();
    assert.match(Buffer.concat(html).toString('utf8'), /<html[\s\S]*logd-rf@2/);
    await screenshot(page, 'audit', ['#run-audit', 'main [role="status"]']);
    await assertAccessible(page, 'audit');
  });

  it('shows another team nothing: a viewer of team other sees no model and no compound of team chem', async () => {
    const olga = await signIn(w.tokens.olga);
    try {
      await olga.page.locator('#overview-summary').waitFor();
      assert.match(await olga.page.locator('#overview-summary').innerText(), /^0 of 0 models/);
      await olga.page.goto(`${base}/#/compounds?q=${encodeURIComponent(w.predicted.id)}`);
      await olga.page.locator('p.empty').waitFor();
      await olga.page.goto(`${base}/#/models/logd-rf`);
      await olga.page.locator('p.error').waitFor();
      assert.match(await olga.page.locator('p.error').innerText(), /unknown_model/);
    } finally {
      await olga.context.close();
    }
  });
});
