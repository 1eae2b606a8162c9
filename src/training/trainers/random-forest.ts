/**
 * Random forest on fingerprint bits and/or descriptors (whichever blocks the training data
 * carries), for regression (squared-error splits, leaf = mean label) and classification
 * (Gini splits, leaf = fraction of class 1, so the forest outputs P(class 1)).
 *
 * Each tree is grown on a bootstrap sample from its own random stream, Random.stream(seed,
 * tree index), so a tree depends only on the seed and its index. Growing is in
 * ./tree-builder.ts; descriptor splits use 64 quantile bins per column by default
 * (./binning.ts).
 *
 * Defaults: 100 trees, min_samples_leaf 1, unlimited depth (scikit-learn's), and
 * max_features 'auto' = p/3 for regression (Breiman's and R randomForest's choice, common in
 * QSAR) or √p for classification (scikit-learn's). We do not take scikit-learn's regression
 * default (all features, i.e. bagging): with thousands of correlated fingerprint bits it
 * makes trees alike, and the spread between trees is our uncertainty.
 *
 * Uncertainty: the standard deviation (over T, not T − 1) of the T per-tree predictions.
 */
import { RotguardError } from '../../core/errors.js';
import { Random } from '../../core/random.js';
import { binDescriptors } from './binning.js';
import { artifactError, decodeFloat64, decodeInt32, encodeFloat64, encodeInt32, storedFeatureShape } from './encoding.js';
import { checkFeatures, checkTrainingData, shapeOf, type FeatureShape } from './features.js';
import { integerParam, knownKeys, paramError } from './params.js';
import { onBitLists, TreeBuilder, type ForestData, type TreeArrays } from './tree-builder.js';
import type { FeatureMatrix, ModelArtifact, Prediction, ProgressFn, Task, Trainer, TrainedModel, TrainingData } from './types.js';
import { meanAndSpread } from './member-spread.js';

export const RANDOM_FOREST = 'random-forest';

export interface RandomForestParams {
  nEstimators: number;
  /** 'auto' (p/3 regression, √p classification), 'sqrt', 'third', or a fraction in (0, 1] of p. */
  maxFeatures: 'auto' | 'sqrt' | 'third' | number;
  minSamplesLeaf: number;
  /** null: grow until leaves are pure or too small to split. */
  maxDepth: number | null;
  /** Quantile bins per descriptor column (2 … 256). */
  descriptorBins: number;
}

const KEYS = ['nEstimators', 'maxFeatures', 'minSamplesLeaf', 'maxDepth', 'descriptorBins'] as const;

function resolveForestParams(params: Partial<RandomForestParams>): RandomForestParams {
  knownKeys(RANDOM_FOREST, params, KEYS);
  const maxFeatures = params.maxFeatures ?? 'auto';
  if (
    !(maxFeatures === 'auto' || maxFeatures === 'sqrt' || maxFeatures === 'third' || (typeof maxFeatures === 'number' && maxFeatures > 0 && maxFeatures <= 1))
  ) {
    throw paramError(RANDOM_FOREST, 'maxFeatures', `must be 'auto', 'sqrt', 'third' or a fraction in (0, 1], got ${JSON.stringify(maxFeatures)}`);
  }
  const maxDepth = params.maxDepth ?? null;
  const descriptorBins = integerParam(RANDOM_FOREST, 'descriptorBins', params.descriptorBins ?? 64, 2);
  if (descriptorBins > 256) throw paramError(RANDOM_FOREST, 'descriptorBins', `must be at most 256, got ${descriptorBins}`);
  return {
    nEstimators: integerParam(RANDOM_FOREST, 'nEstimators', params.nEstimators ?? 100, 1),
    maxFeatures,
    minSamplesLeaf: integerParam(RANDOM_FOREST, 'minSamplesLeaf', params.minSamplesLeaf ?? 1, 1),
    maxDepth: maxDepth === null ? null : integerParam(RANDOM_FOREST, 'maxDepth', maxDepth, 1),
    descriptorBins,
  };
}

/** Features tried per split for `p` features. */
export function resolveMtry(maxFeatures: RandomForestParams['maxFeatures'], p: number, task: Task): number {
  const rule = maxFeatures === 'auto' ? (task === 'regression' ? 'third' : 'sqrt') : maxFeatures;
  const m = rule === 'sqrt' ? Math.floor(Math.sqrt(p)) : rule === 'third' ? Math.floor(p / 3) : Math.floor(rule * p);
  return Math.min(p, Math.max(1, m));
}

interface ForestState {
  task: Task;
  params: RandomForestParams;
  mtry: number;
  shape: FeatureShape;
  trees: TreeArrays[];
}

export class RandomForestModel implements TrainedModel {
  readonly kind = RANDOM_FOREST;
  readonly task: Task;
  private readonly s: ForestState;

  constructor(state: ForestState) {
    this.s = state;
    this.task = state.task;
  }

  get treeCount(): number {
    return this.s.trees.length;
  }

  /** Per-tree predictions, trees × rows (row-major by tree). */
  predictTrees(x: FeatureMatrix): Float64Array {
    checkFeatures(x, this.s.shape, RANDOM_FOREST);
    const words = this.s.shape.fingerprintWords ?? 0;
    const bits = words * 32;
    const columns = this.s.shape.descriptorColumns ?? 0;
    const fp = x.fingerprints?.data;
    const desc = x.descriptors?.data;
    const out = new Float64Array(this.s.trees.length * x.rows);
    this.s.trees.forEach((tree, t) => {
      const { feature, right, value } = tree;
      for (let r = 0; r < x.rows; r++) {
        let node = 0;
        for (let f = feature[0]!; f >= 0; f = feature[node]!) {
          const goRight = f < bits ? ((fp![r * words + (f >>> 5)]! >>> (f & 31)) & 1) === 1 : desc![r * columns + f - bits]! > value[node]!;
          node = goRight ? right[node]! : node + 1;
        }
        out[t * x.rows + r] = value[node]!;
      }
    });
    return out;
  }

  predict(x: FeatureMatrix): Prediction {
    return meanAndSpread(this.predictTrees(x), this.s.trees.length, x.rows);
  }

  toJSON(): ModelArtifact {
    const s = this.s;
    return {
      kind: RANDOM_FOREST,
      formatVersion: 1,
      task: s.task,
      params: { ...s.params },
      mtry: s.mtry,
      fingerprintWords: s.shape.fingerprintWords,
      descriptorColumns: s.shape.descriptorColumns,
      // Feature f < 32·fingerprintWords is fingerprint bit f (unset: left), else descriptor column
      // f − 32·fingerprintWords (x ≤ value: left). Preorder: a split's left child is the next node.
      trees: s.trees.map((t) => ({ feature: encodeInt32(t.feature), right: encodeInt32(t.right), value: encodeFloat64(t.value) })),
    };
  }

  static fromJSON(artifact: unknown): RandomForestModel {
    const a = artifact as Record<string, unknown>;
    if (a?.kind !== RANDOM_FOREST || a.formatVersion !== 1) throw artifactError(`not a ${RANDOM_FOREST} artifact of format 1`);
    if (a.task !== 'regression' && a.task !== 'classification') throw artifactError('task must be regression or classification');
    const { shape, features: p } = storedFeatureShape(a);
    if (p === 0) throw artifactError('a forest needs fingerprints or descriptors');
    if (!Array.isArray(a.trees) || a.trees.length === 0) throw artifactError('trees must be a non-empty array');
    const trees = a.trees.map((t: Record<string, unknown>, i: number) => {
      const feature = decodeInt32(t?.feature, `trees[${i}].feature`);
      const tree = {
        feature,
        right: decodeInt32(t.right, `trees[${i}].right`, feature.length),
        value: decodeFloat64(t.value, `trees[${i}].value`, feature.length),
      };
      checkTree(tree, p, i);
      return tree;
    });
    let params: RandomForestParams;
    try {
      params = resolveForestParams((a.params ?? {}) as Partial<RandomForestParams>);
    } catch (e) {
      throw artifactError(`params: ${(e as Error).message}`);
    }
    const mtry = a.mtry;
    if (typeof mtry !== 'number' || !Number.isInteger(mtry) || mtry < 1 || mtry > p) throw artifactError(`mtry must be an integer in 1 … ${p}`);
    return new RandomForestModel({ task: a.task, params, mtry, shape, trees });
  }
}

/** A stored tree must be walkable: features in range, right children after their parent. */
function checkTree(t: TreeArrays, p: number, index: number): void {
  const n = t.feature.length;
  if (n === 0) throw artifactError(`trees[${index}] is empty`);
  for (let i = 0; i < n; i++) {
    const f = t.feature[i]!;
    if (f >= p || f < -1) throw artifactError(`trees[${index}] node ${i} splits on feature ${f}, outside 0 … ${p - 1}`);
    if (f >= 0 && !(t.right[i]! > i + 1 && t.right[i]! < n)) throw artifactError(`trees[${index}] node ${i} has right child ${t.right[i]}`);
    if (!Number.isFinite(t.value[i]!)) throw artifactError(`trees[${index}] node ${i} has a non-finite value`);
  }
}

function trainForest(data: TrainingData, partial: Partial<RandomForestParams>, seed: number, onProgress?: ProgressFn): RandomForestModel {
  const params = resolveForestParams(partial);
  const shape = shapeOf(data);
  if (shape.descriptorColumns === null && shape.fingerprintWords === null) {
    throw new RotguardError('feature_mismatch', `${RANDOM_FOREST} needs fingerprints, descriptors or both`, { field: 'features' });
  }
  checkTrainingData(data, shape, RANDOM_FOREST);
  const words = shape.fingerprintWords ?? 0;
  const columns = shape.descriptorColumns ?? 0;
  const fingerprints = data.fingerprints?.data ?? new Uint32Array(0);
  const { onBitStart, onBits } = onBitLists(fingerprints, data.rows, words);
  const forestData: ForestData = {
    rows: data.rows,
    labels: data.labels,
    classification: data.task === 'classification',
    fingerprintBits: words * 32,
    fingerprintWords: words,
    fingerprints,
    onBitStart,
    onBits,
    bins: columns > 0 ? binDescriptors(data.descriptors!.data, data.rows, columns, params.descriptorBins) : null,
  };
  const mtry = resolveMtry(params.maxFeatures, words * 32 + columns, data.task);
  const builder = new TreeBuilder(forestData, { mtry, minSamplesLeaf: params.minSamplesLeaf, maxDepth: params.maxDepth ?? Infinity });
  const trees: TreeArrays[] = [];
  for (let t = 0; t < params.nEstimators; t++) {
    trees.push(builder.grow(Random.stream(seed, t)));
    onProgress?.(t + 1, params.nEstimators);
  }
  return new RandomForestModel({ task: data.task, params, mtry, shape, trees });
}

export const randomForestTrainer: Trainer<RandomForestParams> = {
  name: RANDOM_FOREST,
  resolveParams: resolveForestParams,
  train: trainForest,
};
