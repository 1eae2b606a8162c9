import type { WindowEvidence } from '../monitor/evidence.js';

/**
 * The one list of WindowEvidence fields a policy condition may name, with their kind.
 * The type below derives every numeric and boolean leaf of WindowEvidence, and the list
 * must match it exactly (`satisfies`): a field added to or removed from the evidence
 * type fails the build here until this list follows. Lists (descriptor drift rows,
 * protocol versions, reference compounds) and strings are not condition material.
 */
type LeafPaths<T, V, Prefix extends string = ''> = {
  [K in keyof T & string]: NonNullable<T[K]> extends V
    ? `${Prefix}${K}`
    : NonNullable<T[K]> extends readonly unknown[]
      ? never
      : NonNullable<T[K]> extends object
        ? LeafPaths<NonNullable<T[K]>, V, `${Prefix}${K}.`>
        : never;
}[keyof T & string];

export type NumericPath = LeafPaths<WindowEvidence, number>;
export type BooleanPath = LeafPaths<WindowEvidence, boolean>;
export type EvidencePath = NumericPath | BooleanPath;
export type PathKind = 'number' | 'boolean';

export const EVIDENCE_PATHS = {
  predictions: 'number',
  'input.maxPsi': 'number',
  'input.unseenScaffoldShare': 'number',
  'input.meanNearestSimilarity': 'number',
  'input.lowSimilarityShare': 'number',
  'input.unseenScaffoldBaseline': 'number',
  'input.unseenScaffoldExcess': 'number',
  'input.unseenScaffoldP': 'number',
  'input.lowSimilarityBaseline': 'number',
  'input.lowSimilarityExcess': 'number',
  'input.lowSimilarityP': 'number',
  'input.nearestSimilarityBaseline': 'number',
  'input.nearestSimilarityShift': 'number',
  'input.chemistryMmd': 'number',
  'input.chemistryShiftP': 'number',
  'input.novelClusterCount': 'number',
  'input.novelClusterBaseline': 'number',
  'input.novelClusterExcess': 'number',
  'input.novelClusterP': 'number',
  'input.newScaffoldPairs': 'number',
  'input.newScaffoldPairsBaseline': 'number',
  'input.newScaffoldPairsP': 'number',
  'input.trainingNovelPairs': 'number',
  'input.trainingNovelPairsBaseline': 'number',
  'input.trainingNovelPairsP': 'number',
  'input.driftedDescriptors': 'number',
  'input.minDescriptorQ': 'number',
  'output.meanPrediction': 'number',
  'output.predictionShiftSd': 'number',
  'output.meanIntervalWidth': 'number',
  'output.widthRatio': 'number',
  'output.predictionShiftZ': 'number',
  'errorEstimate.n': 'number',
  'errorEstimate.estimatedMae': 'number',
  'errorEstimate.baselineMae': 'number',
  'errorEstimate.estimatedMaeRatio': 'number',
  'errorEstimate.realisedMae': 'number',
  'errorEstimate.realisedN': 'number',
  'labels.labelled': 'number',
  'labels.labelledShare': 'number',
  'labels.oldestUnlabelledDays': 'number',
  'labels.newLabels': 'number',
  'labels.newLabelsOnNewChemistry': 'number',
  'labels.labelAgeSpreadDays': 'number',
  'performance.n': 'number',
  'performance.mae': 'number',
  'performance.rmse': 'number',
  'performance.spearman': 'number',
  'performance.coverage': 'number',
  'performance.baselineMae': 'number',
  'performance.maeRatio': 'number',
  'performance.worstSeriesMaeRatio': 'number',
  'assay.medianReferenceShift': 'number',
  'assay.confirmedShift': 'boolean',
  'assay.referencesCompared': 'number',
  'assay.pairedShift': 'number',
  'assay.shiftCiLow': 'number',
  'assay.shiftCiHigh': 'number',
  'assay.shiftPValue': 'number',
  'assay.shiftSdDifference': 'number',
  'assay.minimalDetectableShift': 'number',
  'assay.replicateNoise': 'number',
  'proxy.confidenceMovingChemistryStable': 'boolean',
  'proxy.chemistryMovingConfidenceFlat': 'boolean',
} as const satisfies { [P in NumericPath]: 'number' } & { [P in BooleanPath]: 'boolean' };

export function isEvidencePath(path: string): path is EvidencePath {
  return Object.hasOwn(EVIDENCE_PATHS, path);
}

/**
 * The value at a path, or null when it is not measurable in this window: the field is
 * null, a containing object is null (no `performance` without labels), or the number is
 * not finite. A value of the wrong kind (evidence built outside the type) is also null.
 */
export function readEvidence(evidence: WindowEvidence, path: EvidencePath): number | boolean | null {
  let v: unknown = evidence;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return null;
    v = (v as Record<string, unknown>)[part];
  }
  const kind = EVIDENCE_PATHS[path];
  if (kind === 'number') return typeof v === 'number' && Number.isFinite(v) ? v : null;
  return typeof v === 'boolean' ? v : null;
}

/** Known paths closest to a misspelt one (edit distance), for "did you mean" messages. */
export function closestPaths(path: string, max = 2): EvidencePath[] {
  const scored = (Object.keys(EVIDENCE_PATHS) as EvidencePath[]).map((p) => ({ p, d: editDistance(path.toLowerCase(), p.toLowerCase()) }));
  const limit = Math.max(3, Math.floor(path.length / 3));
  return scored
    .filter((s) => s.d <= limit)
    .sort((a, b) => a.d - b.d || (a.p < b.p ? -1 : 1))
    .slice(0, max)
    .map((s) => s.p);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
