import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { AUDIT_HTML_THEME as THEME, renderAuditHtml } from '../../src/audit/report-html.js';
import type { AuditReport, LineageNode, TimelinePoint } from '../../src/audit/report-types.js';
import { decodePng, pngHeader, type PngImage } from './png.js';
import { sampleAuditReport } from './sample-report.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'rotguard-report-html-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const HOSTILE = `<script>alert("x")</script>&'`;

function emptyReport(): AuditReport {
  return {
    format: 1,
    generatedAt: '2025-01-01T00:00:00.000Z',
    generatedBy: 'ci',
    workspace: '/tmp/empty',
    rotguardVersion: '0.1.0',
    summary: { models: 0, versions: 0, controlsPassed: 0, controlsFailed: 0, predictions: 0, sources: 0, measurements: 0, decisions: 0 },
    eventLog: { ok: true, events: 0, headSeq: null, headHash: null, problems: [] },
    models: [],
    timelines: [],
    decisions: [],
    transitions: [],
    narrative: null,
  };
}

function point(window: string, values: Partial<TimelinePoint> = {}): TimelinePoint {
  return {
    window,
    end: '2024-01-07T23:59:59.999Z',
    version: 'm@1',
    predictions: 10,
    maxPsi: null,
    unseenScaffoldShare: null,
    lowSimilarityShare: null,
    predictionShiftSd: null,
    widthRatio: null,
    maeRatio: null,
    coverage: null,
    labelledShare: 0,
    medianReferenceShift: null,
    ...values,
  };
}

/** The `<svg …data-metric="key"…>…</svg>` of one drift chart. */
function driftChart(html: string, key: string): string {
  const start = html.indexOf(`data-metric="${key}"`);
  assert.ok(start > 0, `drift chart ${key} present`);
  const open = html.lastIndexOf('<svg', start);
  return html.slice(open, html.indexOf('</svg>', start) + 6);
}

function hostileReport(): AuditReport {
  const r = sampleAuditReport();
  r.workspace = `/ws/${HOSTILE}`;
  r.generatedBy = HOSTILE;
  const m = r.models[0]!;
  m.version = `${HOSTILE}@1`;
  m.model = HOSTILE;
  m.team = HOSTILE;
  m.aliases = [HOSTILE];
  m.controls[0]!.title = HOSTILE;
  m.controls[0]!.reason = HOSTILE;
  m.lineage.nodes[0]!.label = HOSTILE;
  m.lineage.nodes[0]!.detail = HOSTILE;
  r.timelines[0]!.model = HOSTILE;
  r.timelines[0]!.points[0]!.window = HOSTILE;
  r.decisions[20]!.reason = HOSTILE;
  r.decisions[20]!.triggered = [HOSTILE];
  r.decisions[20]!.evidence = { [HOSTILE]: 1 };
  r.transitions[0]!.actor = HOSTILE;
  r.transitions[0]!.kind = HOSTILE;
  r.narrative!.headline = HOSTILE;
  r.eventLog = { ok: false, events: 12, headSeq: 12, headHash: HOSTILE, problems: [HOSTILE] };
  return r;
}

describe('audit report HTML: structure', () => {
  const html = renderAuditHtml(sampleAuditReport());

  it('has every section, for every model version', () => {
    assert.match(html, /^<!DOCTYPE html>/);
    for (const id of ['summary', 'event-log', 'narrative', 'models', 'monitoring', 'decisions', 'transitions']) {
      assert.ok(html.includes(`id="${id}"`), `section #${id}`);
    }
    for (const cls of ['controls-section', 'lineage-section', 'validation-section']) {
      assert.equal(html.split(`class="sub-section ${cls}"`).length - 1, 2, `${cls} once per version`);
    }
    const count = (re: RegExp) => (html.match(re) ?? []).length;
    assert.equal(count(/<svg class="chart lineage"/g), 2);
    assert.equal(count(/<svg class="chart reliability"/g), 2);
    assert.equal(count(/<svg class="chart strip"/g), 1);
    assert.equal(count(/<svg class="chart drift"/g), 14);
    for (const key of [
      'maxPsi',
      'unseenScaffoldShare',
      'lowSimilarityShare',
      'predictionShiftSd',
      'widthRatio',
      'maeRatio',
      'coverage',
      'medianReferenceShift',
      'lowSimilarityP',
      'novelClusterP',
      'newScaffoldPairsP',
      'trainingNovelPairsP',
      'chemistryShiftP',
      'shiftPValue',
    ]) {
      assert.ok(html.includes(`data-metric="${key}"`), key);
    }
    assert.ok(html.includes('Event log verified'));
    assert.ok(html.includes('@media print'));
    assert.doesNotMatch(html, /NaN|Infinity|undefined|\[object Object\]/);
  });

  it('is self-contained: no scripts and no external references', () => {
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<(img|link|iframe|object|embed)\b/i);
    assert.doesNotMatch(html, /\s(src|href)\s*=\s*["']?\s*(https?:|\/\/|data:|file:)/i);
    assert.doesNotMatch(html, /@import/i);
    assert.doesNotMatch(html, /url\(\s*["']?\s*(?!#)/i, 'url() only for in-page markers');
    // The only absolute URL is the SVG namespace, which is a name, not a fetch.
    const urls = (html.match(/https?:\/\/[^\s"'<>)]+/g) ?? []).filter((u) => u !== 'http://www.w3.org/2000/svg');
    assert.deepEqual(urls, []);
    // Internal anchors all resolve.
    for (const [, target] of html.matchAll(/href="#([^"]+)"/g)) assert.ok(html.includes(`id="${target}"`), `#${target} exists`);
  });

  it('escapes every data string', () => {
    const out = renderAuditHtml(hostileReport());
    assert.doesNotMatch(out, /<script/i);
    assert.ok(!out.includes(HOSTILE), 'the raw string never appears');
    assert.ok(out.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;'), 'it appears escaped');
    assert.ok(out.includes('Event log verification FAILED'), 'a failed chain shows the red banner');
    assert.match(out, /class="banner banner-bad"[^>]*role="alert"/);
  });

  it('sorts failed controls first and counts passes per version', () => {
    const v1 = html.slice(html.indexOf('Controls for sol-rf@1'), html.indexOf('Lineage for sol-rf@1'));
    const statuses = [...v1.matchAll(/<tr class="ctl ctl-(\w+)">/g)].map((m) => m[1]);
    assert.deepEqual(statuses.slice(0, 2), ['fail', 'fail']);
    assert.equal(statuses[statuses.length - 1], 'na');
    assert.ok(v1.includes('<span class="num-pass">8</span>/10 pass'));
  });

  it('folds runs of continue into one line, and repeated identical decisions too', () => {
    assert.ok(html.includes('13 weeks: continue'));
    assert.ok(html.includes('11 weeks: continue'));
    assert.ok(html.includes('6 weeks: watch (retrain deferred)'));
    assert.ok(html.includes('3 weeks: freeze'));
    assert.ok(html.includes('<details class="evidence">'), 'evidence opens without scripts');
    const rows = (html.slice(html.indexOf('id="decisions"')).match(/<tr class="dec /g) ?? []).length;
    assert.ok(rows < 15, `a year of weekly decisions stays short (${rows} rows for 45 decisions)`);
  });

  it('draws null windows as gaps, not zeros', () => {
    const r = emptyReport();
    r.timelines = [
      {
        model: 'm',
        asOf: '2024-03-01T00:00:00.000Z',
        windowKind: 'week',
        points: [0.2, 0.25, null, null, 0.3, 0.35, null, 0.1].map((v, i) => point(`2024-W0${i + 1}`, { maxPsi: v })),
      },
    ];
    const chart = driftChart(renderAuditHtml(r), 'maxPsi');
    const lines = [...chart.matchAll(/<polyline points="([^"]+)"/g)].map((m) => m[1]!.split(' ').length);
    assert.deepEqual(lines, [2, 2], 'two segments of two points; the nulls break the line');
    assert.equal((chart.match(/not measured<\/title>/g) ?? []).length, 3, 'each null window is marked as not measured');
    assert.equal((chart.match(/<circle /g) ?? []).length, 5, 'a dot for each measured window, including the isolated last one');
    const allNull = driftChart(renderAuditHtml(r), 'coverage');
    assert.ok(allNull.includes('Not measured in any window'));
    assert.doesNotMatch(allNull, /<polyline|<circle/);
  });

  it('renders the empty report and sparse edge cases', () => {
    const empty = renderAuditHtml(emptyReport());
    for (const text of [
      'No model versions are registered',
      'No monitoring runs yet',
      'No policy decisions have been recorded',
      'No registry transitions recorded',
    ]) {
      assert.ok(empty.includes(text), text);
    }
    assert.doesNotMatch(empty, /<svg class="chart/);
    assert.doesNotMatch(empty, /NaN|Infinity|undefined/);

    const r = sampleAuditReport();
    r.models[0]!.validation = null;
    r.models[1]!.controls = [];
    r.models[1]!.lineage = { nodes: [], edges: [] };
    const sources: LineageNode[] = Array.from({ length: 20 }, (_, i) => ({
      id: `s${i}`,
      kind: 'source',
      label: `assay_batch_${String(i).padStart(2, '0')}.csv`,
      detail: `${i * 10} rows`,
    }));
    r.models[0]!.lineage.nodes.push(...sources);
    r.models[0]!.lineage.edges.push(...sources.map((s) => ({ from: s.id, to: 'p1' })), { from: 'nowhere', to: 'p1' });
    r.timelines.push({
      model: 'one-window',
      asOf: '2024-01-08T00:00:00.000Z',
      windowKind: 'request',
      points: [point('req-1', { maxPsi: 0.1, coverage: 0.9 })],
    });
    r.timelines.push({ model: 'no-windows', asOf: '2024-01-08T00:00:00.000Z', windowKind: 'week', points: [] });
    r.narrative = null;
    r.transitions = [];
    const out = renderAuditHtml(r);
    assert.doesNotMatch(out, /NaN|Infinity|undefined/);
    assert.ok(out.includes('No validation report'));
    assert.ok(out.includes('No controls were evaluated'));
    assert.ok(out.includes('No lineage recorded'));
    assert.ok(out.includes('The latest monitoring run has no windows'));
    assert.ok(!out.includes('id="narrative"'));
    for (const s of sources) assert.ok(out.includes(s.label), `${s.label} drawn`);
    const lineage = out.match(/<svg class="chart lineage" viewBox="0 0 ([\d.]+) ([\d.]+)"/)!;
    assert.ok(Number(lineage[2]) < 1000, `20 stacked sources stay within a screen or so (${lineage[2]} px)`);
    const single = driftChart(out.slice(out.indexOf('one-window')), 'maxPsi');
    assert.match(single, /<circle cx="[\d.]+" cy="[\d.]+" r="2.8"/, 'a one-window series is a visible dot');
  });
});

// ---------------------------------------------------------------------------------------
// Real rendering in headless Chromium

function findChromium(): string | null {
  const fromEnv = process.env.ROTGUARD_CHROMIUM;
  if (fromEnv) return fromEnv;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    for (const d of (process.env.PATH ?? '').split(delimiter)) {
      if (!d) continue;
      const p = join(d, name);
      try {
        accessSync(p, constants.X_OK);
        if (statSync(p).isFile()) return p;
      } catch {
        // not here
      }
    }
  }
  return null;
}

const chromium = findChromium();
const INSTALL_HINT =
  'no Chromium found (looked for chromium, chromium-browser, google-chrome on PATH and ROTGUARD_CHROMIUM): install it with `apt-get install -y chromium` (Debian/Ubuntu) to run the rendering test';
const skip = chromium ? false : process.env.ROTGUARD_REQUIRE_CHROMIUM === '1' ? false : INSTALL_HINT;

async function chrome(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const profile = mkdtempSync(join(dir, 'profile-'));
  try {
    return await run(
      chromium!,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--hide-scrollbars',
        '--force-color-profile=srgb',
        '--no-first-run',
        '--no-default-browser-check',
        '--disable-extensions',
        `--user-data-dir=${profile}`,
        ...args,
      ],
      { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
    );
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

async function screenshot(html: string, name: string, width: number, height: number): Promise<PngImage> {
  const file = join(dir, `${name}.html`);
  const png = join(dir, `${name}.png`);
  writeFileSync(file, html);
  const res = await chrome([`--screenshot=${png}`, `--window-size=${width},${height}`, pathToFileURL(file).href]);
  assert.ok(existsSync(png), `Chromium wrote no screenshot; its stderr ended:\n${res.stderr.slice(-2000)}`);
  const keep = process.env.ROTGUARD_SCREENSHOT_DIR;
  if (keep) {
    mkdirSync(keep, { recursive: true });
    copyFileSync(png, join(keep, `${name}.png`));
    copyFileSync(file, join(keep, `${name}.html`));
  }
  const bytes = readFileSync(png);
  const head = pngHeader(bytes);
  assert.equal(head.width, width, 'screenshot width');
  assert.equal(head.height, height, 'screenshot height');
  return decodePng(bytes);
}

function hexRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Pixel statistics: how many pixels are near each colour, how many colours, luminance spread. */
function pixelStats(img: PngImage, colours: Record<string, string>) {
  const targets = Object.entries(colours).map(([k, v]) => ({ k, rgb: hexRgb(v), hits: 0 }));
  const distinct = new Uint8Array(1 << 15);
  let sum = 0,
    sum2 = 0,
    nonWhite = 0;
  const n = img.width * img.height,
    ch = img.channels,
    px = img.pixels;
  for (let i = 0; i < n * ch; i += ch) {
    const r = px[i]!,
      g = ch >= 3 ? px[i + 1]! : r,
      b = ch >= 3 ? px[i + 2]! : r;
    distinct[((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3)] = 1;
    const l = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    sum += l;
    sum2 += l * l;
    if (r < 245 || g < 245 || b < 245) nonWhite++;
    for (const t of targets) if (Math.abs(r - t.rgb[0]) <= 3 && Math.abs(g - t.rgb[1]) <= 3 && Math.abs(b - t.rgb[2]) <= 3) t.hits++;
  }
  const mean = sum / n;
  return {
    hits: Object.fromEntries(targets.map((t) => [t.k, t.hits])) as Record<string, number>,
    distinct: distinct.reduce((a, v) => a + v, 0),
    sd: Math.sqrt(Math.max(0, sum2 / n - mean * mean)),
    nonWhiteShare: nonWhite / n,
  };
}

describe('audit report HTML in headless Chromium', () => {
  it('renders: a 1280×4000 screenshot with the pass and fail pills, charts and text', { skip, timeout: 300_000 }, async () => {
    assert.ok(chromium, INSTALL_HINT);
    const html = renderAuditHtml(sampleAuditReport());
    const top = await screenshot(html, 'audit-report-top', 1280, 4000);
    const s = pixelStats(top, { pass: THEME.passBg, fail: THEME.failBg, ok: THEME.okBg, series: THEME.series });
    assert.ok(s.hits.pass! > 300, `pass-green pills visible (${s.hits.pass} px)`);
    assert.ok(s.hits.fail! > 300, `fail-red pills visible (${s.hits.fail} px)`);
    assert.ok(s.hits.ok! > 5000, `the green event-log banner is visible (${s.hits.ok} px)`);
    assert.ok(s.hits.series! > 200, `chart lines in the series colour (${s.hits.series} px)`);
    assert.ok(s.distinct > 200, `many distinct colours, not a blank page (${s.distinct})`);
    assert.ok(s.sd > 10, `luminance varies (sd ${s.sd.toFixed(1)})`);
    assert.ok(s.nonWhiteShare > 0.05 && s.nonWhiteShare < 0.8, `ink covers a plausible share of the page (${(s.nonWhiteShare * 100).toFixed(1)}%)`);

    // Further down: the drift timelines, with watch (amber), retrain (blue) and freeze (red) decisions.
    const full = await screenshot(html, 'audit-report-drift', 1280, 5600);
    const f = pixelStats(full, { watch: THEME.action.watch!, retrain: THEME.action.retrain!, freeze: THEME.action.freeze! });
    for (const k of ['watch', 'retrain', 'freeze']) assert.ok(f.hits[k]! > 100, `${k} markers visible (${f.hits[k]} px)`);

    // A failed event log shows a red banner at the top.
    const bad = await screenshot(renderAuditHtml(hostileReport()), 'audit-report-bad-log', 1280, 600);
    const b = pixelStats(bad, { bad: THEME.badBg });
    assert.ok(b.hits.bad! > 5000, `red event-log banner visible (${b.hits.bad} px)`);
  });

  it('keeps every SVG through a real HTML parser (--dump-dom), and no script appears', { skip, timeout: 120_000 }, async () => {
    assert.ok(chromium, INSTALL_HINT);
    const html = renderAuditHtml(hostileReport());
    const file = join(dir, 'dom.html');
    writeFileSync(file, html);
    const { stdout: dom } = await chrome(['--dump-dom', pathToFileURL(file).href]);
    const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;
    assert.ok(count(html, /<svg class="chart/g) > 10);
    assert.equal(count(dom, /<svg class="chart/g), count(html, /<svg class="chart/g), 'every chart survived parsing');
    assert.equal(count(dom, /<\/svg>/g), count(html, /<\/svg>/g));
    assert.equal(count(dom, /<polyline /g), count(html, /<polyline /g));
    assert.equal(count(dom, /<details/g), count(html, /<details/g));
    assert.doesNotMatch(dom, /<script/i, 'the hostile name stayed text');
    assert.ok(dom.includes('&lt;script&gt;alert("x")&lt;/script&gt;'), 'the hostile name is shown as text');
  });
});
