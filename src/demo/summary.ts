import type { DemoResult, WeekRecord } from './run.js';

/**
 * The demo's year in plain words: what happened to the model and what rotguard did about
 * it. Consecutive weeks with the same outcome are told once, as a range.
 */
export interface DemoStory {
  headline: string;
  lines: string[];
}

const f2 = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : x.toFixed(2));
const pct = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : `${(x * 100).toFixed(0)} %`);

/** What kind of week it was, for grouping. */
function kindOf(w: WeekRecord): string {
  if (w.retrain) return 'retrain';
  if (w.froze) return 'froze';
  if (w.decision.action === 'freeze') return 'frozen';
  if (w.decision.retrainDeferred) return 'deferred';
  if (w.decision.action === 'watch') return `watch:${w.decision.triggered.join(',')}`;
  return w.servedFrozen ? 'frozen' : 'continue';
}

export function demoStory(r: DemoResult): DemoStory {
  const s = r.programme.scenario;
  const newSeries = r.programme.series.find((x) => x.arrivesWeek !== null);
  const lines: string[] = [];
  lines.push(
    `Week 0 (${r.programme.weekStart(0).toISOString().slice(0, 10)}): ${r.v1.version} trained on ${r.v1.compounds} compounds from ${s.historyWeeks} weeks of history at two sites; test MAE ${f2(r.v1.testMae)} log units on a ${r.v1.split} split; the release gate passed and a second person promoted it to champion.`,
  );
  const groups: WeekRecord[][] = [];
  for (const w of r.weeks) {
    const last = groups[groups.length - 1];
    if (last && kindOf(last[0]!) === kindOf(w) && !['retrain', 'froze'].includes(kindOf(w))) last.push(w);
    else groups.push([w]);
  }
  for (const g of groups) {
    const first = g[0]!;
    const lastW = g[g.length - 1]!;
    const when = g.length === 1 ? `Week ${first.week} (${first.monday})` : `Weeks ${first.week}–${lastW.week}`;
    lines.push(`${when}: ${describeGroup(g, r)}`);
  }
  const retrains = r.weeks.filter((w) => w.retrain);
  const freeze = r.weeks.find((w) => w.froze);
  const flagged = r.weeks.filter((w) => w.servedFrozen).reduce((n, w) => n + w.predicted, 0);
  const arrival = newSeries?.arrivesWeek ?? null;
  const flaggedAt = arrival !== null ? r.weeks.find((w) => w.week >= arrival && w.decision.triggered.length) : undefined;
  const parts: string[] = [];
  if (newSeries && flaggedAt)
    parts.push(
      `a new chemical series was flagged ${flaggedAt.week === arrival ? 'the week it arrived' : `${flaggedAt.week - arrival!} weeks after it arrived`}`,
    );
  const promoted = retrains.filter((w) => w.retrain!.promoted).length;
  if (retrains.length) {
    parts.push(
      `the model was retrained only once its labels had matured${retrains.length > promoted ? ` (${retrains.length} builds; the release gate refused ${retrains.length - promoted})` : ''}`,
    );
  }
  if (freeze) parts.push(`a protocol change was caught from the reference compounds and answered with a freeze, not a retrain`);
  const predicted = r.weeks.reduce((n, w) => n + w.predicted, 0);
  const headline = `A year, ${predicted} predictions: ${parts.length ? parts.join('; ') : 'no intervention was needed'}.`;
  if (freeze)
    lines.push(
      `Since week ${freeze.week}, ${flagged} predictions were served flagged as coming from a frozen model. It stays frozen until someone bridges the assay change and says why (rotguard policy unfreeze --reason …).`,
    );
  return { headline, lines };
}

function describeGroup(g: WeekRecord[], r: DemoResult): string {
  const w = g[0]!;
  const d = w.decision;
  const e = d.evidence;
  switch (kindOf(w)) {
    case 'continue':
      return g.length === 1 ? 'continue: no rule triggered.' : 'stable: every weekly decision was continue.';
    case 'retrain': {
      const rt = w.retrain!;
      return (
        `retrain. ${d.triggered.includes('performance_decay') ? `Performance decay confirmed on the labels that arrived (MAE up to ${f2(d.recentMaeRatio)}× the validation MAE in the worst-hit series)` : `Rules ${d.triggered.join(', ')} fired`}, and the data-maturity gate passed (${e.newLabels} new labels, ${e.newLabelsOnNewChemistry} on new chemistry). ` +
        `${rt.version}, trained on ${rt.trainedOn} compounds from the policy's recipe, ${rt.promoted ? 'passed the release gate and was promoted by a second person' : `was not promoted: ${rt.refusal}`}.`
      );
    }
    case 'froze':
      return `freeze. The ${e.referencesCompared} reference compounds measured under sol-site1@1 and @2 moved by ${f2(e.pairedShift ?? e.medianReferenceShift)} log units on average (95 % CI ${f2(e.shiftCiLow)} to ${f2(e.shiftCiHigh)}, paired test p ${e.shiftPValue !== null && e.shiftPValue < 1e-4 ? '< 0.0001' : `= ${e.shiftPValue?.toPrecision(2) ?? '-'}`}): the assay shifted, not the chemistry. A retrain would have learned the shift into the model${d.triggered.includes('performance_decay') ? ' (performance decay fired as well; freeze takes precedence)' : ''}.`;
    case 'frozen':
      return `frozen: still monitored and decided on every week; predictions served flagged.`;
    case 'deferred': {
      const failed = g[g.length - 1]!.decision.reason.split('data-maturity gate failed: ')[1]?.split('.')[0];
      const worst = Math.max(...g.map((x) => x.decision.recentMaeRatio ?? 0));
      return `performance decay confirmed on the labels that arrived (MAE up to ${f2(worst)}× the validation MAE in the worst-hit series), but the retrain was deferred: the data-maturity gate failed${failed ? ` (${failed})` : ''}. Watching.`;
    }
    default: {
      const low = g.map((x) => x.decision.evidence.lowSimilarityShare ?? 0);
      const unseen = g.map((x) => x.decision.evidence.unseenScaffoldShare ?? 0);
      const series = g.some((x) => x.newSeriesShare > 0);
      const range = (xs: number[]) =>
        xs.length === 1 || Math.min(...xs) === Math.max(...xs) ? pct(xs[0]) : `${(Math.min(...xs) * 100).toFixed(0)}–${pct(Math.max(...xs))}`;
      const isArrival = r.programme.series.some((x) => x.arrivesWeek === w.week);
      const each = g.length === 1 ? "the week's" : "each week's";
      return `watch (${d.triggered.join(', ')}): ${range(low)} of ${each} compounds were far from the training set (nearest Tanimoto < 0.3) and ${range(unseen)} had unseen scaffolds${isArrival ? `: the new series arrived in week ${w.week}` : series ? ' (the new series)' : ''}. Monitoring widened to every batch.`;
    }
  }
}
