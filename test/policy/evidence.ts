import type { WindowEvidence } from '../../src/monitor/evidence.js';
import { parsePolicy, type Policy } from '../../src/policy/policy-file.js';

/** The policy of the brief, as a computational chemist would write it. */
export const EXAMPLE_POLICY = `
policy: sol-monitoring
model: sol-rf                 # model name the policy governs
rules:
  - name: new_chemistry
    when: input.unseenScaffoldShare > 0.3
    sustained: { k: 2, n: 3 }
    action: watch
  - name: performance_decay
    when: performance.maeRatio > 1.3
    sustained: { k: 2, n: 3 }
    action: retrain
  - name: assay_shift
    when: assay.confirmedShift == true
    action: freeze
maturity:
  min_new_labels: 50
  min_labels_on_new_chemistry: 20
  min_label_age_spread_days: 14
  single_protocol_version: true
`;

export function examplePolicy(): Policy {
  return parsePolicy(EXAMPLE_POLICY, 'sol-monitoring.yaml');
}

type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends Array<unknown> ? T[K] : T[K] extends object | null ? DeepPartial<NonNullable<T[K]>> | (null extends T[K] ? null : never) : T[K];
};

/** A stable, mature window (week i of 2024) with fields overridden as given. */
export function windowEvidence(i: number, over: DeepPartial<WindowEvidence> = {}): WindowEvidence {
  const start = new Date(Date.UTC(2024, 0, 1 + 7 * i));
  const end = new Date(Date.UTC(2024, 0, 7 + 7 * i));
  const base: WindowEvidence = {
    model: 'sol-rf@3',
    window: { label: `2024-W${String(i + 1).padStart(2, '0')}`, start: start.toISOString().slice(0, 10), end: end.toISOString().slice(0, 10) },
    predictions: 200,
    input: {
      descriptors: [],
      maxPsi: 0.05,
      unseenScaffoldShare: 0.1,
      meanNearestSimilarity: 0.55,
      lowSimilarityShare: 0.1,
      unseenScaffoldBaseline: 0.1,
      unseenScaffoldExcess: 0,
      unseenScaffoldP: 0.5,
      lowSimilarityBaseline: 0.1,
      lowSimilarityExcess: 0,
      lowSimilarityP: 0.5,
      nearestSimilarityBaseline: 0.55,
      nearestSimilarityShift: 0,
      chemistryMmd: 0.001,
      chemistryShiftP: 0.4,
      novelClusterCount: 1,
      novelClusterBaseline: 1.2,
      novelClusterExcess: -0.2,
      novelClusterP: 0.6,
      newScaffoldPairs: 2,
      newScaffoldPairsBaseline: 1.5,
      newScaffoldPairsP: 0.5,
      trainingNovelPairs: 3,
      trainingNovelPairsBaseline: 2.5,
      trainingNovelPairsP: 0.4,
      driftedDescriptors: 0,
      minDescriptorQ: 0.6,
    },
    output: { meanPrediction: 1.2, predictionShiftSd: 0.1, meanIntervalWidth: 1.1, widthRatio: 1.0, predictionShiftZ: 0.3 },
    errorEstimate: { n: 200, estimatedMae: 0.5, baselineMae: 0.5, estimatedMaeRatio: 1.0, realisedMae: 0.5, realisedN: 40 },
    labels: {
      labelled: 40,
      labelledShare: 0.2,
      oldestUnlabelledDays: 20,
      newLabels: 120,
      newLabelsOnNewChemistry: 35,
      labelAgeSpreadDays: 60,
      protocolVersions: ['sol-ph68@1'],
    },
    performance: { n: 40, mae: 0.5, rmse: 0.65, spearman: 0.7, coverage: 0.9, baselineMae: 0.5, maeRatio: 1.0, worstSeriesMaeRatio: 1.1 },
    assay: {
      references: [],
      medianReferenceShift: 0.02,
      confirmedShift: false,
      referencesCompared: 6,
      pairedShift: 0.02,
      shiftCiLow: -0.1,
      shiftCiHigh: 0.14,
      shiftPValue: 0.6,
      shiftSdDifference: 0.11,
      minimalDetectableShift: 0.3,
      replicateNoise: 0.1,
    },
    proxy: { confidenceMovingChemistryStable: false, chemistryMovingConfidenceFlat: false },
  };
  return merge(base, over) as WindowEvidence;
}

function merge(a: unknown, b: unknown): unknown {
  if (b === undefined) return a;
  if (b === null || Array.isArray(b) || typeof b !== 'object' || a === null || typeof a !== 'object') return b;
  const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
  for (const [k, v] of Object.entries(b as Record<string, unknown>)) out[k] = merge(out[k], v);
  return out;
}

/** Windows 0..overs.length-1, each with its overrides: oldest first, the last is current. */
export function history(...overs: Array<DeepPartial<WindowEvidence>>): WindowEvidence[] {
  return overs.map((o, i) => windowEvidence(i, o));
}

/** Shorthands for one window that makes one example rule's condition true. */
export const NEW_CHEMISTRY = { input: { unseenScaffoldShare: 0.45 } };
export const DECAY = { performance: { maeRatio: 1.5, mae: 0.75 } };
export const SHIFT = { assay: { confirmedShift: true, medianReferenceShift: 0.4 } };
export const STABLE = {};
