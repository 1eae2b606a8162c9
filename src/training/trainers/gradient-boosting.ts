/**
 * Histogram gradient-boosted trees (the LightGBM / XGBoost / scikit-learn
 * HistGradientBoosting family) on fingerprint bits and/or descriptors.
 *
 * Regression boosts squared error (gradient ŷ − y, hessian 1) from the training mean;
 * classification boosts log loss (gradient p − y, hessian p(1 − p)) from the log-odds of
 * the class-1 share and outputs P(class 1). Each round grows one best-first tree
 * (./boosting-tree.ts) and adds learningRate × its leaf values. With members 1,
 * subsample 1 and featureFraction 1 this is scikit-learn's HistGradientBoostingRegressor
 * without early stopping (test/training/gradient-boosting.test.ts matches its predictions
 * on a stored fixture). Differences from scikit-learn: descriptor columns with more than
 * `descriptorBins` distinct values are cut at quantiles of ./binning.ts (scikit-learn uses
 * midpoint percentiles of a subsample), and there is no early stopping.
 *
 * Censored labels (TrainingData.censored, regression): a bound costs nothing while the
 * prediction is on its side and half the squared distance past it otherwise (a Tobit-style
 * squared hinge): gradient max(ŷ − b, 0) for "≤ b", min(ŷ − b, 0) for "≥ b", hessian 1.
 * The baseline is the mean of the exact labels (of all labels if none is exact).
 *
 * Uncertainty: `members` boosted models are trained, each on its own row subsample (and
 * column subsample) from Random.stream(seed, member); the prediction is their mean and the
 * uncertainty the standard deviation (over members, not members − 1) of their predictions,
 * as for the random forest. With one member the uncertainty is 0, and the conformal layer
 * then falls back to unscaled residuals.
 */
import { RotguardError } from '../../core/errors.js';
import { Random } from '../../core/random.js';
import { binDescriptors } from './binning.js';
import { BoostingTreeGrower, walkTree, type BoostedTree, type BoostingData } from './boosting-tree.js';
import { artifactError, decodeFloat64, decodeInt32, encodeFloat64, encodeInt32, storedFeatureShape } from './encoding.js';
import { checkFeatures, checkTrainingData, shapeOf, type FeatureShape } from './features.js';
import { integerParam, knownKeys, paramError } from './params.js';
import { onBitLists } from './tree-builder.js';
import type { FeatureMatrix, ModelArtifact, Prediction, ProgressFn, Task, Trainer, TrainedModel, TrainingData } from './types.js';
import { meanAndSpread } from './member-spread.js';

export const GRADIENT_BOOSTING = 'gradient-boosting';

export interface GradientBoostingParams {
  /** Boosting rounds (trees) per member. */
  iterations: number;
  learningRate: number;
  maxLeafNodes: number;
  minSamplesLeaf: number;
  /** null: no depth limit (the leaf count limits the tree). */
  maxDepth: number | null;
  /** λ, the L2 penalty on leaf values. */
  l2: number;
  /** Share of rows (drawn without replacement) each tree is grown on. */
  subsample: number;
  /** Share of features each tree may split on. */
  featureFraction: number;
  /** Independently subsampled boosted models averaged; their spread is the uncertainty. */
  members: number;
  /** Quantile bins per descriptor column (2 … 256). */
  descriptorBins: number;
}

const KEYS = [
  'iterations',
  'learningRate',
  'maxLeafNodes',
  'minSamplesLeaf',
  'maxDepth',
  'l2',
  'subsample',
  'featureFraction',
  'members',
  'descriptorBins',
] as const;

function fraction(name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v > 0 && v <= 1)) throw paramError(GRADIENT_BOOSTING, name, `must be a number in (0, 1], got ${JSON.stringify(v)}`);
  return v;
}

function resolveBoostingParams(params: Partial<GradientBoostingParams>): GradientBoostingParams {
  knownKeys(GRADIENT_BOOSTING, params, KEYS);
  const l2 = params.l2 ?? 0;
  if (typeof l2 !== 'number' || !Number.isFinite(l2) || l2 < 0) throw paramError(GRADIENT_BOOSTING, 'l2', `must be a number ≥ 0, got ${JSON.stringify(l2)}`);
  const descriptorBins = integerParam(GRADIENT_BOOSTING, 'descriptorBins', params.descriptorBins ?? 255, 2);
  if (descriptorBins > 256) throw paramError(GRADIENT_BOOSTING, 'descriptorBins', `must be at most 256, got ${descriptorBins}`);
  const maxDepth = params.maxDepth ?? null;
  const learningRate = params.learningRate ?? 0.05;
  if (typeof learningRate !== 'number' || !(learningRate > 0 && learningRate <= 1))
    throw paramError(GRADIENT_BOOSTING, 'learningRate', `must be in (0, 1], got ${JSON.stringify(learningRate)}`);
  const maxLeafNodes = integerParam(GRADIENT_BOOSTING, 'maxLeafNodes', params.maxLeafNodes ?? 31, 2);
  return {
    iterations: integerParam(GRADIENT_BOOSTING, 'iterations', params.iterations ?? 300, 1),
    learningRate,
    maxLeafNodes,
    minSamplesLeaf: integerParam(GRADIENT_BOOSTING, 'minSamplesLeaf', params.minSamplesLeaf ?? 10, 1),
    maxDepth: maxDepth === null ? null : integerParam(GRADIENT_BOOSTING, 'maxDepth', maxDepth, 1),
    l2,
    subsample: fraction('subsample', params.subsample ?? 0.8),
    featureFraction: fraction('featureFraction', params.featureFraction ?? 0.5),
    members: integerParam(GRADIENT_BOOSTING, 'members', params.members ?? 5, 1),
    descriptorBins,
  };
}

interface BoostedMember {
  /** Raw score before the first tree (mean label, or log-odds). */
  baseline: number;
  trees: BoostedTree[];
}

interface BoostingState {
  task: Task;
  params: GradientBoostingParams;
  shape: FeatureShape;
  members: BoostedMember[];
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

export class GradientBoostingModel implements TrainedModel {
  readonly kind = GRADIENT_BOOSTING;
  readonly task: Task;
  private readonly s: BoostingState;

  constructor(state: BoostingState) {
    this.s = state;
    this.task = state.task;
  }

  /** Each member's prediction, members × rows (probabilities for classification). */
  predictMembers(x: FeatureMatrix): Float64Array {
    checkFeatures(x, this.s.shape, GRADIENT_BOOSTING);
    const words = this.s.shape.fingerprintWords ?? 0;
    const columns = this.s.shape.descriptorColumns ?? 0;
    const out = new Float64Array(this.s.members.length * x.rows);
    this.s.members.forEach((m, k) => {
      for (let r = 0; r < x.rows; r++) {
        let raw = m.baseline;
        for (const t of m.trees) raw += walkTree(t, x.fingerprints?.data, words, x.descriptors?.data, columns, r);
        out[k * x.rows + r] = this.task === 'classification' ? sigmoid(raw) : raw;
      }
    });
    return out;
  }

  predict(x: FeatureMatrix): Prediction {
    return meanAndSpread(this.predictMembers(x), this.s.members.length, x.rows);
  }

  toJSON(): ModelArtifact {
    const s = this.s;
    return {
      kind: GRADIENT_BOOSTING,
      formatVersion: 1,
      task: s.task,
      params: { ...s.params },
      fingerprintWords: s.shape.fingerprintWords,
      descriptorColumns: s.shape.descriptorColumns,
      // Leaf values already include the learning rate. Feature numbering as in random-forest.ts.
      members: s.members.map((m) => ({
        baseline: m.baseline,
        trees: m.trees.map((t) => ({ feature: encodeInt32(t.feature), left: encodeInt32(t.left), right: encodeInt32(t.right), value: encodeFloat64(t.value) })),
      })),
    };
  }

  static fromJSON(artifact: unknown): GradientBoostingModel {
    const a = artifact as Record<string, unknown>;
    if (a?.kind !== GRADIENT_BOOSTING || a.formatVersion !== 1) throw artifactError(`not a ${GRADIENT_BOOSTING} artifact of format 1`);
    if (a.task !== 'regression' && a.task !== 'classification') throw artifactError('task must be regression or classification');
    const { shape, features: p } = storedFeatureShape(a);
    if (p === 0) throw artifactError('boosted trees need fingerprints or descriptors');
    let params: GradientBoostingParams;
    try {
      params = resolveBoostingParams((a.params ?? {}) as Partial<GradientBoostingParams>);
    } catch (e) {
      throw artifactError(`params: ${(e as Error).message}`);
    }
    if (!Array.isArray(a.members) || a.members.length === 0) throw artifactError('members must be a non-empty array');
    const members = a.members.map((m: Record<string, unknown>, k: number) => {
      if (typeof m?.baseline !== 'number' || !Number.isFinite(m.baseline)) throw artifactError(`members[${k}].baseline must be a finite number`);
      if (!Array.isArray(m.trees)) throw artifactError(`members[${k}].trees must be an array`);
      const trees = m.trees.map((t: Record<string, unknown>, i: number) => {
        const field = `members[${k}].trees[${i}]`;
        const feature = decodeInt32(t?.feature, `${field}.feature`);
        const tree = {
          feature,
          left: decodeInt32(t.left, `${field}.left`, feature.length),
          right: decodeInt32(t.right, `${field}.right`, feature.length),
          value: decodeFloat64(t.value, `${field}.value`, feature.length),
        };
        checkBoostedTree(tree, p, field);
        return tree;
      });
      return { baseline: m.baseline, trees };
    });
    return new GradientBoostingModel({ task: a.task, params, shape, members });
  }
}

/** A stored tree must be walkable: features in range, children after their parent. */
function checkBoostedTree(t: BoostedTree, p: number, field: string): void {
  const n = t.feature.length;
  if (n === 0) throw artifactError(`${field} is empty`);
  for (let i = 0; i < n; i++) {
    const f = t.feature[i]!;
    if (f >= p || f < -1) throw artifactError(`${field} node ${i} splits on feature ${f}, outside 0 … ${p - 1}`);
    if (f >= 0 && !(t.left[i]! > i && t.left[i]! < n && t.right[i]! > i && t.right[i]! < n))
      throw artifactError(`${field} node ${i} has children ${t.left[i]}, ${t.right[i]}`);
    if (!Number.isFinite(t.value[i]!)) throw artifactError(`${field} node ${i} has a non-finite value`);
  }
}

function trainBoosting(data: TrainingData, partial: Partial<GradientBoostingParams>, seed: number, onProgress?: ProgressFn): GradientBoostingModel {
  const params = resolveBoostingParams(partial);
  const shape = shapeOf(data);
  if (shape.descriptorColumns === null && shape.fingerprintWords === null) {
    throw new RotguardError('feature_mismatch', `${GRADIENT_BOOSTING} needs fingerprints, descriptors or both`, { field: 'features' });
  }
  checkTrainingData(data, shape, GRADIENT_BOOSTING, 2);
  const n = data.rows;
  const words = shape.fingerprintWords ?? 0;
  const columns = shape.descriptorColumns ?? 0;
  const fingerprints = data.fingerprints?.data ?? new Uint32Array(0);
  const { onBitStart, onBits } = onBitLists(fingerprints, n, words);
  const boostingData: BoostingData = {
    rows: n,
    fingerprintBits: words * 32,
    fingerprintWords: words,
    fingerprints,
    onBitStart,
    onBits,
    bins: columns > 0 ? binDescriptors(data.descriptors!.data, n, columns, params.descriptorBins) : null,
  };
  const grower = new BoostingTreeGrower(boostingData, {
    maxLeafNodes: params.maxLeafNodes,
    minSamplesLeaf: params.minSamplesLeaf,
    maxDepth: params.maxDepth ?? Infinity,
    l2: params.l2,
  });
  const y = data.labels;
  const classification = data.task === 'classification';
  const censored = !classification && data.censored ? data.censored : null;
  if (censored && censored.length !== n)
    throw new RotguardError('invalid_training_data', `${censored.length} censoring flags for ${n} rows`, { field: 'labels' });
  let mean = 0;
  let exact = 0;
  for (let i = 0; i < n; i++) {
    if (censored && censored[i] !== 0) continue;
    mean += y[i]!;
    exact++;
  }
  if (exact === 0) {
    for (let i = 0; i < n; i++) mean += y[i]!;
    exact = n;
  }
  mean /= exact;
  // Log-odds of the class-1 share, kept finite when one class is absent.
  const baseline = classification ? Math.log(Math.min(Math.max(mean, 1e-12), 1 - 1e-12) / (1 - Math.min(Math.max(mean, 1e-12), 1 - 1e-12))) : mean;
  const p = words * 32 + columns;
  const rowsPerTree = Math.max(1, Math.round(params.subsample * n));
  const featuresPerTree = Math.max(1, Math.round(params.featureFraction * p));
  const grad = new Float64Array(n);
  const hess = new Float64Array(n).fill(1);
  const raw = new Float64Array(n);
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const samples = new Int32Array(rowsPerTree);
  const allowed = featuresPerTree < p ? new Uint8Array(p) : null;
  const featureOrder = Int32Array.from({ length: p }, (_, i) => i);
  const members: BoostedMember[] = [];
  const total = params.members * params.iterations;
  for (let k = 0; k < params.members; k++) {
    const rng = Random.stream(seed, k);
    raw.fill(baseline);
    const trees: BoostedTree[] = [];
    for (let it = 0; it < params.iterations; it++) {
      for (let i = 0; i < n; i++) {
        if (classification) {
          const q = sigmoid(raw[i]!);
          grad[i] = q - y[i]!;
          hess[i] = q * (1 - q);
        } else {
          const d = raw[i]! - y[i]!;
          const c = censored ? censored[i]! : 0;
          grad[i] = c === 0 ? d : c < 0 ? Math.max(d, 0) : Math.min(d, 0);
        }
      }
      // Rows: a partial Fisher–Yates shuffle picks rowsPerTree of n; sorted so sums run in row order.
      if (rowsPerTree < n) {
        for (let i = 0; i < rowsPerTree; i++) {
          const j = i + rng.below(n - i);
          const t = all[j]!;
          all[j] = all[i]!;
          all[i] = t;
        }
        samples.set(all.subarray(0, rowsPerTree));
        samples.sort();
      } else samples.set(all);
      if (allowed) {
        allowed.fill(0);
        for (let i = 0; i < featuresPerTree; i++) {
          const j = i + rng.below(p - i);
          const t = featureOrder[j]!;
          featureOrder[j] = featureOrder[i]!;
          featureOrder[i] = t;
          allowed[t] = 1;
        }
      }
      const tree = grower.grow(samples, grad, hess, allowed);
      for (let i = 0; i < tree.value.length; i++) if (tree.feature[i] === -1) tree.value[i] = tree.value[i]! * params.learningRate + 0;
      for (let i = 0; i < n; i++) raw[i] = raw[i]! + walkTree(tree, fingerprints, words, data.descriptors?.data, columns, i);
      trees.push(tree);
      onProgress?.(k * params.iterations + it + 1, total);
    }
    members.push({ baseline, trees });
  }
  return new GradientBoostingModel({ task: data.task, params, shape, members });
}

export const gradientBoostingTrainer: Trainer<GradientBoostingParams> = {
  name: GRADIENT_BOOSTING,
  censoring: true,
  resolveParams: resolveBoostingParams,
  train: trainBoosting,
};
