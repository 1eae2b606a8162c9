import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { recordFreeze, unfreeze, withModelLock } from '../../src/registry/registry.js';
import { readEvents } from '../../src/store/event-log.js';
import type { Store } from '../../src/store/store.js';
import { forEachBackend } from '../store/backends.js';
import { dashboardWorkspace, type DashboardWorkspace } from './dashboard-workspace.js';

const dir = mkdtempSync(join(tmpdir(), 'rotguard-dashboard-routes-'));
after(() => rmSync(dir, { recursive: true, force: true }));

forEachBackend('dashboard pages and the API routes they need', (b) => {
  let store: Store;
  let w: DashboardWorkspace;
  before(async () => {
    store = await b.openFresh();
    w = await dashboardWorkspace(store, mkdtempSync(join(dir, `${b.backend}-`)));
  });
  after(async () => {
    await w?.app.close();
  });

  it('serves the pages at / with a content security policy, and only the shipped files under /assets/', async () => {
    const page = await w.app.inject({ method: 'GET', url: '/' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(page.body, /<script type="module" src="\/assets\/app.js">/);
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    assert.doesNotMatch(page.body, /https?:\/\//, 'nothing loaded from another origin (no CDN, no fonts)');
    const js = await w.app.inject({ method: 'GET', url: '/assets/pages/approvals.js' });
    assert.equal(js.statusCode, 200);
    assert.match(String(js.headers['content-type']), /javascript/);
    const openapi = (await w.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    for (const path of [
      '/api/v1/compounds',
      '/api/v1/compounds/{inchikey}/depiction.svg',
      '/api/v1/models/{model}/page',
      '/api/v1/models/{model}/refusals',
      '/api/v1/events/stream',
    ]) {
      assert.ok(openapi.paths[path], `the OpenAPI document lists ${path}`);
    }
    for (const url of ['/assets/../dashboard.js', '/assets/%2e%2e/dashboard.ts', '/assets/nope.js']) {
      assert.equal((await w.app.inject({ method: 'GET', url })).statusCode, 404, url);
    }
  });

  it('finds a compound by a team id, a SMILES and an InChIKey, with predictions (interval, domain, frozen flag) and nearest training compounds', async () => {
    const byId = await w.call(w.tokens.ana, 'GET', `/api/v1/compounds?q=${w.predicted.id}`);
    assert.equal(byId.status, 200, byId.body);
    assert.equal(byId.json.matchedBy, 'id');
    const c = byId.json.compounds[0];
    assert.ok(c.predictions.length >= 1);
    const p = c.predictions[0];
    assert.equal(p.modelVersion, 'logd-rf@1');
    assert.ok(p.interval && p.interval.lower <= p.value && p.value <= p.interval.upper, 'the interval brackets the prediction');
    assert.equal(typeof p.domain.maxSimilarity, 'number');
    assert.equal(p.modelFrozen, false);
    assert.ok(c.nearest.length >= 1, 'the nearest training compound is named');
    assert.equal(c.nearest[0].inchikey, p.domain.nearestTrainingCompound);
    assert.ok(c.nearest[0].measurements.length >= 1, 'with its measurements');
    const bySmiles = await w.call(w.tokens.ana, 'GET', `/api/v1/compounds?q=${encodeURIComponent(w.predicted.smiles)}`);
    assert.equal(bySmiles.json.matchedBy, 'smiles');
    assert.equal(bySmiles.json.compounds[0].inchikey, c.inchikey);
    const byKey = await w.call(w.tokens.ana, 'GET', `/api/v1/compounds?q=${c.inchikey}`);
    assert.equal(byKey.json.matchedBy, 'inchikey');
    assert.equal(byKey.json.compounds[0].predictions.length, c.predictions.length);
    const trained = await w.call(w.tokens.ana, 'GET', `/api/v1/compounds?q=${w.trained.id}`);
    assert.deepEqual(
      trained.json.compounds[0].ids.map((x: { id: string }) => x.id),
      [w.trained.id],
    );
    assert.ok(trained.json.compounds[0].measurements.length >= 1);
  });

  it("shows another team's compounds, measurements and drawings to nobody without a grant", async () => {
    const key = (await w.call(w.tokens.ana, 'GET', `/api/v1/compounds?q=${w.predicted.id}`)).json.compounds[0].inchikey;
    for (const q of [w.predicted.id, w.trained.id, key]) {
      const r = await w.call(w.tokens.olga, 'GET', `/api/v1/compounds?q=${encodeURIComponent(q)}`);
      assert.equal(r.status, 200);
      for (const c of r.json.compounds) {
        assert.deepEqual([c.ids, c.measurements, c.predictions, c.nearest], [[], [], [], []], `olga sees nothing of ${q}`);
      }
    }
    assert.equal((await w.call(w.tokens.olga, 'GET', `/api/v1/compounds/${key}/depiction.svg`)).status, 404);
    const drawing = await w.call(w.tokens.ana, 'GET', `/api/v1/compounds/${key}/depiction.svg`);
    assert.equal(drawing.status, 200);
    assert.match(drawing.type, /image\/svg\+xml/);
    assert.match(drawing.body, /<svg[\s\S]*<\/svg>/);
    assert.equal((await w.call(w.tokens.ana, 'GET', '/api/v1/compounds/AAAAAAAAAAAAAA-BBBBBBBBBB-N/depiction.svg')).status, 404);
    assert.equal((await w.call(w.tokens.ana, 'GET', '/api/v1/compounds/not-a-key/depiction.svg')).status, 400);
  });

  it("draws the model page's charts with the policy's thresholds, and hides the page from other teams", async () => {
    const r = await w.call(w.tokens.ben, 'GET', '/api/v1/models/logd-rf/page');
    assert.equal(r.status, 200, r.body);
    const page = r.json;
    assert.deepEqual(
      page.versions.map((v: { version: string }) => v.version),
      ['logd-rf@2', 'logd-rf@1'],
    );
    assert.equal(page.policy.name, 'dash-monitoring');
    assert.deepEqual(
      page.thresholds.lowSimilarityShare.map((t: { value: number }) => t.value),
      [0.4],
    );
    assert.deepEqual(
      page.thresholds.maeRatio.map((t: { value: number; action: string }) => [t.value, t.action]),
      [[1.5, 'retrain']],
    );
    const lowSim = page.drift.find((d: { metric: string }) => d.metric === 'lowSimilarityShare');
    assert.match(lowSim.svg, /class="threshold" data-threshold="0.4"/);
    assert.ok(page.strip.startsWith('<svg'));
    assert.ok(page.decisions.length >= 1);
    assert.ok(page.versions[1].reliabilitySvg.includes('<svg'));
    assert.ok(page.versions[1].lineageSvg.includes('<svg'));
    assert.equal((await w.call(w.tokens.olga, 'GET', '/api/v1/models/logd-rf/page')).status, 404);
  });

  it('records a refusal with its reason (approver only), and shows it in the approvals queue', async () => {
    assert.equal(
      (await w.call(w.tokens.olga, 'POST', '/api/v1/models/logd-rf/refusals', { version: 'logd-rf@2', reason: 'x' })).status,
      403,
      'a viewer may not refuse',
    );
    const r = await w.call(w.tokens.ben, 'POST', '/api/v1/models/logd-rf/refusals', { version: 'logd-rf@2', reason: 'wait for the new series' });
    assert.equal(r.status, 200, r.body);
    const queue = await w.call(w.tokens.ben, 'GET', '/api/v1/approvals');
    const item = queue.json.find((x: { version: string }) => x.version === 'logd-rf@2');
    assert.equal(item.lastRefusal.actor, 'ben');
    assert.equal(item.lastRefusal.reason, 'wait for the new series');
    assert.equal(item.lastRefusal.code, 'refused_by_approver');
    const events = await readEvents(store.db, { model: 'logd-rf', kind: 'promotion_refused' });
    assert.equal(events.at(-1)?.actor, 'ben');
    assert.equal(
      (await w.call(w.tokens.ben, 'POST', '/api/v1/models/logd-rf/refusals', { version: 'logd-rf@2', reason: ' ' })).status,
      403,
      'a reason is required',
    );
  });

  it('sums up every visible model for the overview (champion, status, latest decision, error trend) and follows a freeze', async () => {
    const overview = async (token: string) => (await w.call(token, 'GET', '/api/v1/models')).json;
    const [m] = await overview(w.tokens.ben);
    assert.equal(m.model, 'logd-rf');
    assert.equal(m.champion, 'logd-rf@1');
    assert.equal(m.latest, 'logd-rf@2');
    assert.equal(m.versions, 2);
    assert.equal(m.latestDecision.actor, 'ana');
    assert.equal(m.status, m.latestDecision.action === 'watch' ? 'watching' : 'live');
    assert.equal(m.errorTrend.length, 1);
    assert.ok(m.lastMonitoredAt);
    await withModelLock(store, 'logd-rf', (trx) =>
      recordFreeze(trx, {
        model: 'logd-rf',
        versionId: 'logd-rf@1',
        actor: 'policy',
        reason: 'assay shift',
        payload: { policyHash: 'a'.repeat(64), window: { label: 'w', start: '2024-01-01T00:00:00.000Z', end: '2024-01-07T23:59:59.999Z' } },
      }),
    );
    const [frozen] = await overview(w.tokens.ben);
    assert.deepEqual([frozen.status, frozen.frozenReason], ['frozen', 'assay shift']);
    await unfreeze(store, { model: 'logd-rf', actor: 'ben', reason: 'shift corrected' });
    assert.equal((await overview(w.tokens.ben))[0].status, m.status);
    assert.deepEqual(await overview(w.tokens.olga), [], 'another team sees no model');
  });

  it('streams visible events as server-sent events, from a sequence number, with the Authorization header', async () => {
    const address = await w.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (w.app.server.address() as AddressInfo).port;
    assert.ok(address.includes(String(port)));
    const read = async (token: string) => {
      const controller = new AbortController();
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/events/stream?after=0`, {
        headers: { authorization: `Bearer ${token}` },
        signal: controller.signal,
      });
      assert.equal(res.status, 200);
      assert.match(String(res.headers.get('content-type')), /text\/event-stream/);
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      // The first poll answers at once: the head, then every visible event so far.
      while (!text.includes('event: head') || (text.match(/\n\n/g) ?? []).length < 2) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
        if (text.includes('event: head') && token === w.tokens.olga) break;
      }
      controller.abort();
      return text;
    };
    const ana = await read(w.tokens.ana);
    assert.match(ana, /id: 0\nevent: head/);
    assert.match(ana, /event: registered\ndata: \{[^\n]*"model":"logd-rf"/);
    const olga = await read(w.tokens.olga);
    assert.doesNotMatch(olga, /logd-rf/, 'no event of a team olga cannot see');
    const anon = await fetch(`http://127.0.0.1:${port}/api/v1/events/stream`);
    assert.equal(anon.status, 401);
  });
});
