import type { VersionCost } from '../compute/cost-report.js';
/**
 * The audit report: everything a reviewer needs to judge the stack offline, as one JSON
 * document. report-html.ts renders it as a self-contained HTML page; the JSON is written
 * beside it for scripts. Assembled read-only from the store by report.ts.
 */
export type ControlStatus = 'pass' | 'fail' | 'n/a';

/** One control checked on one model version (or on the whole workspace when model is null). */
export interface ControlResult {
  /** Stable id, e.g. "data.sources_versioned", "release.second_approver". */
  control: string;
  /** Short title shown in the checklist. */
  title: string;
  status: ControlStatus;
  /** Why it passed or failed, in words a reviewer can act on. */
  reason: string;
}

export interface ModelAudit {
  /** "name@N" */
  version: string;
  model: string;
  endpoint: string;
  team: string;
  /** Aliases currently on this version (champion / challenger). */
  aliases: string[];
  createdAt: string;
  createdBy: string;
  frozen: boolean;
  controls: ControlResult[];
  /** Validation on the held-out test set, null for an imported model without a report. */
  validation: {
    split: string;
    sizes: { train: number; calibration: number; test: number };
    /** Metric name → value (mae, rmse, r2, spearman, …). */
    metrics: Record<string, number | null>;
    /** Conformal coverage at each nominal level. */
    conformal: Array<{ level: number; coverage: number; meanWidth: number }>;
    /** Gaussian reliability: expected vs observed coverage. */
    reliability: Array<{ expected: number; observed: number }>;
    miscalibrationArea: number | null;
  } | null;
  /** Lineage as a small graph: nodes (source files, protocol versions, snapshot, features, build, version) and edges. */
  lineage: { nodes: LineageNode[]; edges: Array<{ from: string; to: string; label?: string }> };
  predictions: number;
  /** What this version's builds cost and what identical rebuilds answered from the cache saved (src/compute); absent without compute jobs. */
  compute?: VersionCompute | null;
}

/** Compute cost of one model version, from its governed jobs. */
export type VersionCompute = Omit<VersionCost, 'versionId'> & { currency: string };

/** Compute spend of one team in one month, against its budget. */
export interface TeamSpendEntry {
  team: string;
  month: string;
  jobs: number;
  cpuHours: number;
  gpuHours: number;
  cost: number;
  savedCost: number;
  budget: number | null;
}

export interface LineageNode {
  id: string;
  kind: 'source' | 'protocol' | 'snapshot' | 'features' | 'recipe' | 'build' | 'version' | 'predictions';
  label: string;
  /** Second line: a hash prefix, a count, a date. */
  detail: string;
}

/** One monitoring window of the governed model, for the drift timelines. */
export interface TimelinePoint {
  window: string;
  end: string;
  version: string;
  predictions: number;
  maxPsi: number | null;
  unseenScaffoldShare: number | null;
  lowSimilarityShare: number | null;
  predictionShiftSd: number | null;
  widthRatio: number | null;
  maeRatio: number | null;
  coverage: number | null;
  labelledShare: number;
  medianReferenceShift: number | null;
  /** The calibrated tests' p-values (absent in reports written before them). */
  lowSimilarityP?: number | null;
  novelClusterP?: number | null;
  newScaffoldPairsP?: number | null;
  trainingNovelPairsP?: number | null;
  chemistryShiftP?: number | null;
  shiftPValue?: number | null;
}

export interface DecisionEntry {
  at: string;
  model: string;
  version: string;
  window: string;
  action: 'continue' | 'watch' | 'freeze' | 'retrain';
  /** The rules that fired, by name. */
  triggered: string[];
  retrainDeferred: boolean;
  reason: string;
  policy: string;
  policyHash: string;
  /** The evidence values each triggered rule read in the current window (path → value). */
  evidence: Record<string, number | boolean | null>;
}

/** A registry transition worth showing on the timeline (promotion, freeze, retrain…). */
export interface TransitionEntry {
  at: string;
  seq: number;
  kind: string;
  model: string;
  version: string | null;
  actor: string;
  reason: string;
}

export interface AuditReport {
  /** Report format version. */
  format: 1;
  generatedAt: string;
  generatedBy: string;
  workspace: string;
  rotguardVersion: string;
  /** Totals for the header. */
  summary: {
    models: number;
    versions: number;
    controlsPassed: number;
    controlsFailed: number;
    predictions: number;
    sources: number;
    measurements: number;
    decisions: number;
  };
  /** Hash-chained event log verification at the time of the report. */
  eventLog: {
    ok: boolean;
    /** Events walked by the chain verification (from the checkpoint on, when there was one). */
    events: number;
    headSeq: number | null;
    headHash: string | null;
    problems: string[];
    /** In words, exactly what was verified (whole log, or from which checkpoint); absent in reports written before checkpoints. */
    verified?: string;
    /** The checkpoint a per-version audit verified from; null when the whole log was walked. */
    fromCheckpoint?: { seq: number; hash: string; verifiedAt: string; verifiedBy: string } | null;
  };
  models: ModelAudit[];
  /** Per governed model: the latest monitoring run's windows, oldest first. */
  timelines: Array<{ model: string; asOf: string; windowKind: string; points: TimelinePoint[] }>;
  decisions: DecisionEntry[];
  transitions: TransitionEntry[];
  /** Compute spend per team and month (src/compute); absent in reports written before compute governance. */
  compute?: { currency: string; spend: TeamSpendEntry[] };
  /** Optional plain-language story (the demo fills it in): headline + bullet lines. */
  narrative: { headline: string; lines: string[] } | null;
}
