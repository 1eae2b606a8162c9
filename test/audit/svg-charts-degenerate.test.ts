import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DRIFT_METRICS, driftChartSvg, timelineContext } from '../../src/audit/svg-charts.js';
import type { TimelinePoint } from '../../src/audit/report-types.js';

function point(values: Partial<TimelinePoint>): TimelinePoint {
  return {
    window: '2026-W49',
    end: '2026-12-06T23:59:59.999Z',
    version: 'm@1',
    predictions: 20,
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

/** A weekly timeline of model m as of `asOf`. */
function timelineOf(asOf: string, points: TimelinePoint[]) {
  return { model: 'm', asOf, windowKind: 'week', points };
}

describe('drift charts on degenerate ranges', () => {
  it('draws a metric whose only value sits within rounding of its reference line (a width ratio of 0.9999999999999998)', () => {
    // The y range was [0.9999999999999998, 1]: a tick step below the spacing of doubles near 1 never advanced (the process died growing the tick array).
    const tl = timelineOf('2026-12-07T00:00:00.000Z', [point({ widthRatio: 0.9999999999999998 })]);
    const ctx = timelineContext(tl, [], []);
    const svg = driftChartSvg(tl, ctx, DRIFT_METRICS.find((m) => m.key === 'widthRatio')!, 'u');
    assert.match(svg, /^<svg[\s\S]*<\/svg>$/);
    const ticks = [...svg.matchAll(/class="tick">([^<]*)</g)].length;
    assert.ok(ticks >= 2 && ticks < 20, `a handful of ticks (${ticks})`);
  });

  it("draws a policy threshold as a line in the rule's action colour, and stretches the range to show it", () => {
    const tl = timelineOf('2026-12-07T00:00:00.000Z', [point({ maeRatio: 0.8 }), point({ window: '2026-W50', maeRatio: 0.9 })]);
    const ctx = timelineContext(tl, [], []);
    const metric = DRIFT_METRICS.find((m) => m.key === 'maeRatio')!;
    const svg = driftChartSvg(tl, ctx, metric, 'u', [{ value: 1.5, label: 'performance_decay → retrain: >', action: 'retrain' }]);
    assert.match(svg, /class="threshold" data-threshold="1.5"/);
    assert.match(svg, /performance_decay → retrain: &gt; 1.50×/);
    assert.doesNotMatch(driftChartSvg(tl, ctx, metric, 'u'), /class="threshold"/);
  });

  it('draws a p-value as evidence −log10 p, labelled as p, with the policy threshold at its p', () => {
    const tl = timelineOf('2026-12-14T00:00:00.000Z', [point({ novelClusterP: 0.5 }), point({ window: '2026-W50', novelClusterP: 0.0001 })]);
    const ctx = timelineContext(tl, [], []);
    const metric = DRIFT_METRICS.find((m) => m.key === 'novelClusterP')!;
    const svg = driftChartSvg(tl, ctx, metric, 'u', [{ value: 0.001, label: 'new_chemistry → watch: <', action: 'watch' }]);
    assert.match(svg, /class="threshold" data-threshold="0.001"/);
    assert.match(svg, /new_chemistry → watch: &lt; 1e−3/);
    assert.match(svg, /latest 1e−4 \(2026-W50\)/);
    // The stronger evidence (p 1e-4) is drawn higher (smaller y) than p 0.5.
    const ys = [...svg.matchAll(/<circle cx="[^"]+" cy="([^"]+)"/g)].map((m) => Number(m[1]));
    assert.equal(ys.length, 2);
    assert.ok(ys[1]! < ys[0]!, `y of p 1e-4 (${ys[1]}) above y of p 0.5 (${ys[0]})`);
  });
});
