import { auditReport } from '../audit/report.js';
import type { AuditReport } from '../audit/report-types.js';
import type { ChartThreshold } from '../audit/svg-charts.js';
import { parseCondition, type Condition } from '../policy/conditions.js';
import { decodeEventPayload } from '../store/event-kinds.js';
import { latestEvent } from '../store/event-log.js';
import { inContext, type Context } from './context.js';

/**
 * What a model's dashboard page shows: the audit report's view of one model (every
 * version with its controls, validation and lineage; the monitoring timeline; decisions
 * with their evidence; registry transitions) plus the thresholds of the policy that last
 * decided, keyed by the timeline metric each one bounds, so the charts can draw them.
 */
export interface ModelPage {
  report: AuditReport;
  policy: { name: string; hash: string; decidedAt: string } | null;
  /** Timeline metric key (maxPsi, maeRatio, …) → the policy's thresholds on it. */
  thresholds: Record<string, ChartThreshold[]>;
}

/** Evidence paths a policy can compare, by the timeline metric that plots them. */
const METRIC_OF_PATH: Record<string, string> = {
  'input.maxPsi': 'maxPsi',
  'input.unseenScaffoldShare': 'unseenScaffoldShare',
  'input.lowSimilarityShare': 'lowSimilarityShare',
  'output.predictionShiftSd': 'predictionShiftSd',
  'output.widthRatio': 'widthRatio',
  'performance.maeRatio': 'maeRatio',
  'performance.coverage': 'coverage',
  'assay.medianReferenceShift': 'medianReferenceShift',
  'input.lowSimilarityP': 'lowSimilarityP',
  'input.novelClusterP': 'novelClusterP',
  'input.newScaffoldPairsP': 'newScaffoldPairsP',
  'input.trainingNovelPairsP': 'trainingNovelPairsP',
  'input.chemistryShiftP': 'chemistryShiftP',
  'assay.shiftPValue': 'shiftPValue',
};

export function modelPage(ctx: Context, model: string, teams: readonly string[]): Promise<ModelPage> {
  return inContext(ctx, async () => {
    const report = await auditReport(ctx.store, { workspace: ctx.workspace ?? ctx.store.location, actor: ctx.actor, teams, models: [model] });
    const event = await latestEvent(ctx.store.db, { model, kind: 'decision' });
    if (!event) return { report, policy: null, thresholds: {} };
    const d = decodeEventPayload(event, 'decision').decision;
    const thresholds: Record<string, ChartThreshold[]> = {};
    for (const rule of d.rules) {
      for (const c of comparisons(parseCondition(rule.when))) {
        const metric = METRIC_OF_PATH[c.path];
        if (!metric || typeof c.value !== 'number') continue;
        (thresholds[metric] ??= []).push({ value: c.value, label: `${rule.rule} → ${rule.action}: ${c.op}`, action: rule.action });
      }
    }
    return { report, policy: { name: d.policy, hash: d.policyHash, decidedAt: event.at }, thresholds };
  });
}

function comparisons(c: Condition): Extract<Condition, { kind: 'compare' }>[] {
  return c.kind === 'compare' ? [c] : c.terms.flatMap(comparisons);
}
