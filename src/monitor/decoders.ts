/**
 * Decoders for what monitoring stores: the monitoring-run blob (every window's evidence,
 * named by the monitor_run event) and WindowEvidence itself, which decisions embed.
 * Pure (core only).
 */
import { d, readJsonBlob, type Decoder } from '../core/decode.js';
import type { DescriptorDrift, WindowEvidence } from './evidence.js';

// Evidence is stored through nonFiniteAsNull: a NaN or infinite number comes back as null.
const n = d.reportNumber;
const nOrNull = d.nullable(d.reportNumber);

const descriptorDrift: Decoder<DescriptorDrift> = d.object({ descriptor: d.string, psi: n, ks: n, ksPValue: n, wasserstein: n });

export const windowEvidenceDecoder: Decoder<WindowEvidence> = d.object({
  model: d.string,
  window: d.object({ label: d.string, start: d.string, end: d.string }),
  predictions: d.integer,
  input: d.object({
    descriptors: d.array(descriptorDrift),
    maxPsi: nOrNull,
    unseenScaffoldShare: nOrNull,
    meanNearestSimilarity: nOrNull,
    lowSimilarityShare: nOrNull,
  }),
  output: d.object({ meanPrediction: nOrNull, predictionShiftSd: nOrNull, meanIntervalWidth: nOrNull, widthRatio: nOrNull }),
  labels: d.object({
    labelled: d.integer,
    labelledShare: n,
    oldestUnlabelledDays: nOrNull,
    newLabels: d.integer,
    newLabelsOnNewChemistry: d.integer,
    labelAgeSpreadDays: nOrNull,
    protocolVersions: d.array(d.string),
  }),
  performance: d.nullable(
    d.object({
      n: d.integer,
      mae: n,
      rmse: n,
      spearman: nOrNull,
      coverage: nOrNull,
      baselineMae: n,
      maeRatio: n,
      worstSeriesMaeRatio: d.optional(nOrNull),
    }),
  ),
  performanceBySeries: d.optional(d.array(d.object({ series: d.string, n: d.integer, mae: n, maeRatio: n, coverage: nOrNull }))),
  assay: d.object({
    references: d.array(d.object({ inchikey: d.string, from: d.string, to: d.string, before: n, after: n, shift: n })),
    medianReferenceShift: nOrNull,
    confirmedShift: d.boolean,
  }),
  proxy: d.object({ confidenceMovingChemistryStable: d.boolean, chemistryMovingConfidenceFlat: d.boolean }),
});

/** A monitoring run as stored: the model, the as-of time, the window kind and every window's evidence. */
export interface MonitorRun {
  model: string;
  asOf: string;
  window: string;
  windows: WindowEvidence[];
}

export const monitorRunDecoder: Decoder<MonitorRun> = d.object({ model: d.string, asOf: d.string, window: d.string, windows: d.array(windowEvidenceDecoder) });

export function readMonitorRun(blobs: { get(hash: string): Promise<Uint8Array> }, hash: string): Promise<MonitorRun> {
  return readJsonBlob(blobs, hash, monitorRunDecoder, 'monitoring run');
}
