/**
 * What monitoring measures for one model version over one window (a week or a batch):
 * the evidence a policy decides on. Every number is computed from stored prediction
 * records and measurements; null means "not measurable in this window" (e.g. no labels yet).
 */
export interface DescriptorDrift {
  descriptor: string;
  psi: number;
  ks: number;
  ksPValue: number;
  wasserstein: number;
}

export interface WindowEvidence {
  /** The model version that served most of the window's predictions ("name@N"). */
  model: string;
  window: { label: string; start: string; end: string };
  predictions: number;
  input: {
    descriptors: DescriptorDrift[];
    /** Largest PSI over the descriptor dictionary. */
    maxPsi: number | null;
    /** Share of predictions whose Bemis–Murcko scaffold was not in the training set. */
    unseenScaffoldShare: number | null;
    meanNearestSimilarity: number | null;
    /** Share of predictions with nearest-neighbour Tanimoto to train below 0.3. */
    lowSimilarityShare: number | null;
  };
  output: {
    meanPrediction: number | null;
    /** Mean prediction minus the validation test set's mean prediction, in units of its SD. */
    predictionShiftSd: number | null;
    meanIntervalWidth: number | null;
    /** Window mean interval width / validation mean interval width. */
    widthRatio: number | null;
  };
  labels: {
    /** Predictions in this window with a measured label by now. */
    labelled: number;
    labelledShare: number;
    oldestUnlabelledDays: number | null;
    /** Labels a retrain would add: measurements not in the version's training snapshot. */
    newLabels: number;
    /** Of those, labels on scaffolds absent from the training snapshot. */
    newLabelsOnNewChemistry: number;
    /** Days between the earliest and latest measured_at of the new labels. */
    labelAgeSpreadDays: number | null;
    protocolVersions: string[];
  };
  performance: {
    n: number;
    mae: number;
    rmse: number;
    spearman: number | null;
    coverage: number | null;
    baselineMae: number;
    /** mae / baselineMae: above 1 means worse than at validation. */
    maeRatio: number;
    /** The largest MAE ratio among chemical series with at least 5 labelled predictions. */
    worstSeriesMaeRatio?: number | null;
  } | null;
  /** Performance per chemical series (generic framework), series with ≥ 5 labelled predictions. */
  performanceBySeries?: Array<{ series: string; n: number; mae: number; maeRatio: number; coverage: number | null }>;
  assay: {
    /** Reference (control) compounds measured under more than one protocol version. */
    references: Array<{ inchikey: string; from: string; to: string; before: number; after: number; shift: number }>;
    /** Median shift of the reference compounds after the latest protocol change, in label units. */
    medianReferenceShift: number | null;
    /** True when the references moved together by more than the assay's noise after a protocol change. */
    confirmedShift: boolean;
    /** The assay's noise: pooled within-version replicate SD in label units (0.1 when there are no replicates). */
    noiseSd?: number;
    /** Where noiseSd came from: replicates (with their degrees of freedom) or the default. */
    noiseSource?: { kind: 'replicates'; dof: number } | { kind: 'default' };
    /** |median shift| must exceed this (2 × noiseSd) to confirm a shift. */
    threshold?: number;
    /** Share of reference shifts in the median's direction (≥ 0.8 needed); null without references. */
    agreement?: number | null;
    /** Why the shift was or was not confirmed, in words, with the numbers. */
    explanation?: string;
  };
  proxy: {
    /** Confidence (interval width) moving fast while chemistry is stable. */
    confidenceMovingChemistryStable: boolean;
    /** Chemistry moving fast while confidence stays flat. */
    chemistryMovingConfidenceFlat: boolean;
  };
}
