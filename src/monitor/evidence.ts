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
  /** Permutation-KS p-value at the window's own size (ties included), and its Benjamini–Hochberg q across the dictionary. */
  pValue?: number | null;
  qValue?: number | null;
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
    // Calibrated against the model's own baseline (its held-out calibration + test compounds, recorded at build).
    /** The baseline share; the window's excess over it; one-sided Fisher exact p of the window's count against the baseline's held-out sample. */
    unseenScaffoldBaseline?: number | null;
    unseenScaffoldExcess?: number | null;
    unseenScaffoldP?: number | null;
    lowSimilarityBaseline?: number | null;
    lowSimilarityExcess?: number | null;
    lowSimilarityP?: number | null;
    /** Mean nearest-neighbour similarity of the held-out compounds. */
    nearestSimilarityBaseline?: number | null;
    /**
     * Mean nearest-neighbour similarity over the chemistry tests' two-window horizon minus
     * that baseline: < 0 when those compounds are less familiar to the model than its
     * held-out compounds (the direction the MMD branch of the default policy asks for).
     */
    nearestSimilarityShift?: number | null;
    /**
     * MMD² (Tanimoto kernel) of the fingerprints of this window and the one before (the
     * chemistry tests' two-window horizon) against the in-distribution reference, and its
     * permutation p-value.
     */
    chemistryMmd?: number | null;
    chemistryShiftP?: number | null;
    /**
     * A new series before labels, over the same two-window horizon: novel pairs, i.e. for
     * each out-of-domain horizon compound (nearest training Tanimoto below the baseline's
     * `far`, 0.3) the horizon compounds closer to it than any training compound; the mean
     * of that count over permutations of the horizon pooled with the held-out compounds;
     * its permutation p (stats/novel-cluster.ts).
     */
    novelClusterCount?: number | null;
    novelClusterBaseline?: number | null;
    /** Count minus that null mean: > 0 when the window holds more such pairs than held-out windows do on average. */
    novelClusterExcess?: number | null;
    novelClusterP?: number | null;
    /**
     * A new series by its scaffold, over the same horizon: ordered pairs of distinct horizon
     * compounds on the same Murcko scaffold, a scaffold the training set lacks, among compounds
     * whose nearest training similarity is below 0.5 (outside the in-domain band); the mean of
     * that count over permutations of the horizon pooled with the held-out compounds; its
     * permutation p (stats/new-scaffold-pairs.ts). Null for builds that did not record the
     * held-out scaffolds.
     */
    newScaffoldPairs?: number | null;
    newScaffoldPairsBaseline?: number | null;
    newScaffoldPairsP?: number | null;
    /**
     * The novel-pairs count of the same horizon against the training set, with the training
     * compounds in the permutation pool (each random subset of the horizon's size plays the
     * window, the rest the training set): the mean of the count over those permutations and its
     * p (stats/training-novel-pairs.ts). For training sets up to 2,000 compounds, whose held-out
     * sample is too small a null; null above that and for windows of training compounds only.
     */
    trainingNovelPairs?: number | null;
    trainingNovelPairsBaseline?: number | null;
    trainingNovelPairsP?: number | null;
    /** Descriptors drifted at FDR 5 % (permutation KS, Benjamini–Hochberg), and the smallest q. */
    driftedDescriptors?: number | null;
    minDescriptorQ?: number | null;
  };
  output: {
    meanPrediction: number | null;
    /** Mean prediction minus the validation test set's mean prediction, in units of its SD. */
    predictionShiftSd: number | null;
    meanIntervalWidth: number | null;
    /** Window mean interval width / validation mean interval width. */
    widthRatio: number | null;
    /** (window mean prediction − test-set mean) / (test-set SD / √n): a z-score at the window's size. */
    predictionShiftZ?: number | null;
  };
  /**
   * Error expected before labels arrive (direct loss estimation from σ and similarity,
   * fitted on the calibration set), next to the realised error on the labels known so far.
   */
  errorEstimate?: {
    n: number;
    estimatedMae: number;
    baselineMae: number;
    estimatedMaeRatio: number;
    realisedMae: number | null;
    realisedN: number;
  } | null;
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
    /** The largest MAE ratio among chemical series with at least 5 labelled predictions; the window's own ratio when no series has 5. */
    worstSeriesMaeRatio?: number | null;
  } | null;
  /** Performance per chemical series (generic framework), series with ≥ 5 labelled predictions. */
  performanceBySeries?: Array<{ series: string; n: number; mae: number; maeRatio: number; coverage: number | null }>;
  assay: {
    /** Reference (control) compounds measured under more than one protocol version. */
    references: Array<{ inchikey: string; from: string; to: string; before: number; after: number; shift: number }>;
    /** Median shift of the reference compounds after the latest protocol change, in label units. */
    medianReferenceShift: number | null;
    /**
     * True when the paired test over the references (after − before per compound) rejects
     * "no shift" at two-sided p < 0.001 with at least 3 references.
     */
    confirmedShift: boolean;
    /** The paired estimate: references compared, mean shift with its 95 % CI, p-value, SD of the differences. */
    referencesCompared?: number;
    pairedShift?: number | null;
    shiftCiLow?: number | null;
    shiftCiHigh?: number | null;
    shiftPValue?: number | null;
    shiftSdDifference?: number | null;
    /** The smallest shift these references detect with 80 % power at the test's level. */
    minimalDetectableShift?: number | null;
    /** Pooled within-version replicate SD of the endpoint's measurements (the assay's own noise; 0.1 without replicates). */
    replicateNoise?: number;
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
