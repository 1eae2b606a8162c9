import { RotguardError } from '../core/errors.js';
import { Random } from '../core/random.js';

/**
 * Train / calibration / test splits for ADMET validation.
 *  - scaffold: whole Bemis–Murcko scaffold groups go to one side, so the test set holds
 *    chemistry the model has not seen. As TDC (chemprop's balanced scaffold split): groups
 *    too big for the calibration or test share go first, the rest follow, each part
 *    shuffled by the seed; train is filled first, then calibration, then test.
 *  - time: by each compound's first measurement date (earliest → train, latest → test),
 *    the split that mimics prospective use.
 *  - random: a seeded shuffle (optimistic; for comparison only).
 *  - cluster: as scaffold, with Butina clusters on Tanimoto distance as the groups (the
 *    caller clusters, src/chem/butina.ts; `cutoff` is recorded with the rule). Stricter than
 *    scaffolds: close analogues on different scaffolds stay on one side.
 *  - predefined: the test compounds are named (by InChIKey, resolved from a file by the
 *    build), so a published benchmark split is used exactly. Calibration compounds are
 *    named too, or else a seeded random `fractions.calibration` share of the rest; the
 *    rest train. `fractions.train` and `fractions.test` are not used.
 * The calibration set (for conformal intervals) is held out the same way as the test set.
 */
export type SplitMethod = 'scaffold' | 'time' | 'random' | 'cluster' | 'predefined';

/** Compounds named for one part of a predefined split, and where the names came from. */
export interface NamedCompounds {
  /** The file they are read from (a path in a recipe; once resolved, its base name) and its sha256. */
  file?: string;
  sha256?: string;
  /** Standard InChIKeys, sorted and unique (empty until the build resolves `file`). */
  inchikeys: string[];
}

export interface SplitRule {
  method: SplitMethod;
  seed: number;
  fractions: { train: number; calibration: number; test: number };
  /** cluster: the Butina Tanimoto-distance cutoff. */
  cutoff?: number;
  /** predefined: the test compounds, and optionally the calibration compounds. */
  test?: NamedCompounds;
  calibration?: NamedCompounds;
}

export interface SplitItem {
  /** Bemis–Murcko scaffold SMILES ('' for acyclic molecules). */
  scaffold: string;
  /** ISO date of the compound's first measurement; required for time splits. */
  firstMeasured?: string | null;
  /** Butina cluster id; required for cluster splits. */
  cluster?: number;
  /** Standard InChIKey; required for predefined splits. */
  inchikey?: string;
}

/** The default Butina cutoff: neighbours at Tanimoto ≥ 0.35 (distance ≤ 0.65) on Morgan r2. */
export const DEFAULT_CLUSTER_CUTOFF = 0.65;

export interface Split {
  train: number[];
  calibration: number[];
  test: number[];
}

export function validateSplitRule(rule: SplitRule): SplitRule {
  if (!['scaffold', 'time', 'random', 'cluster', 'predefined'].includes(rule.method)) {
    throw new RotguardError('bad_split', `split method must be scaffold, cluster, time, random or predefined, got "${rule.method}"`, { field: 'split.method' });
  }
  if (!Number.isInteger(rule.seed)) throw new RotguardError('bad_split', `split seed must be an integer, got ${rule.seed}`, { field: 'split.seed' });
  if (rule.method === 'cluster' && !(typeof rule.cutoff === 'number' && rule.cutoff > 0 && rule.cutoff < 1)) {
    throw new RotguardError('bad_split', `split cutoff must be a Tanimoto distance in (0, 1), got ${rule.cutoff}`, { field: 'split.cutoff' });
  }
  if (rule.method !== 'cluster' && rule.cutoff !== undefined)
    throw new RotguardError('bad_split', 'split cutoff is for cluster splits only', { field: 'split.cutoff' });
  if (rule.method !== 'predefined' && (rule.test !== undefined || rule.calibration !== undefined)) {
    throw new RotguardError('bad_split', 'named test or calibration compounds are for predefined splits only', { field: 'split.test' });
  }
  if (rule.method === 'predefined') {
    if (!rule.test || (!rule.test.file && rule.test.inchikeys.length === 0))
      throw new RotguardError('bad_split', 'a predefined split needs its test compounds: a file or a list of InChIKeys', { field: 'split.test' });
    const c = rule.fractions.calibration;
    if (!(typeof c === 'number' && c >= 0 && c < 1))
      throw new RotguardError('bad_split', `split calibration share must be in [0, 1), got ${c}`, { field: 'split.calibration' });
    return rule;
  }
  const { train, calibration, test } = rule.fractions;
  for (const [name, f] of Object.entries(rule.fractions)) {
    if (!(typeof f === 'number' && f >= 0 && f < 1))
      throw new RotguardError('bad_split', `split fraction ${name} must be in [0, 1), got ${f}`, { field: `split.fractions.${name}` });
  }
  if (Math.abs(train + calibration + test - 1) > 1e-9) {
    throw new RotguardError('bad_split', `split fractions must add up to 1, got ${train + calibration + test}`, { field: 'split.fractions' });
  }
  if (train <= 0 || test <= 0) throw new RotguardError('bad_split', 'split needs a train and a test share', { field: 'split.fractions' });
  return rule;
}

export function splitIndices(items: SplitItem[], rule: SplitRule): Split {
  validateSplitRule(rule);
  switch (rule.method) {
    case 'random':
      return fillByCapacity(new Random(rule.seed).shuffle(items.map((_, i) => [i])), items.length, rule);
    case 'scaffold':
      return scaffoldSplit(items, rule);
    case 'time':
      return timeSplit(items, rule);
    case 'cluster':
      return clusterSplit(items, rule);
    case 'predefined':
      return predefinedSplit(items, rule);
  }
}

/** Whole Butina clusters to one side, filled like the scaffold split (big groups first). */
function clusterSplit(items: SplitItem[], rule: SplitRule): Split {
  const missing = items.findIndex((it) => !Number.isInteger(it.cluster));
  if (missing >= 0)
    throw new RotguardError('bad_split', `a cluster split needs a cluster for every compound; compound #${missing + 1} has none`, { field: 'split.method' });
  return groupSplit(items, rule, (it) => String(it.cluster).padStart(10, '0'));
}

function predefinedSplit(items: SplitItem[], rule: SplitRule): Split {
  const missing = items.findIndex((it) => !it.inchikey);
  if (missing >= 0)
    throw new RotguardError('bad_split', `a predefined split needs each compound's InChIKey; compound #${missing + 1} has none`, { field: 'split.method' });
  const test = new Set(rule.test!.inchikeys);
  const calibration = rule.calibration ? new Set(rule.calibration.inchikeys) : null;
  const split: Split = { train: [], calibration: [], test: [] };
  const rest: number[] = [];
  items.forEach((it, i) => {
    if (test.has(it.inchikey!)) split.test.push(i);
    else if (calibration?.has(it.inchikey!)) split.calibration.push(i);
    else if (calibration) split.train.push(i);
    else rest.push(i);
  });
  if (!calibration) {
    // A seeded random share of the non-test compounds calibrates the intervals.
    const shuffled = new Random(rule.seed).shuffle(rest.slice());
    const k = Math.round(rule.fractions.calibration * rest.length);
    split.calibration.push(...shuffled.slice(0, k));
    split.train.push(...shuffled.slice(k));
  }
  return sorted(split);
}

function scaffoldSplit(items: SplitItem[], rule: SplitRule): Split {
  return groupSplit(items, rule, (it) => it.scaffold);
}

function groupSplit(items: SplitItem[], rule: SplitRule, keyOf: (item: SplitItem) => string): Split {
  const groups = new Map<string, number[]>();
  items.forEach((item, i) => {
    const g = groups.get(keyOf(item));
    if (g) g.push(i);
    else groups.set(keyOf(item), [i]);
  });
  const n = items.length;
  const big: number[][] = [];
  const small: number[][] = [];
  // Deterministic group order before shuffling: by group key.
  for (const key of [...groups.keys()].sort()) {
    const g = groups.get(key)!;
    if (g.length > (rule.fractions.calibration * n) / 2 || g.length > (rule.fractions.test * n) / 2) big.push(g);
    else small.push(g);
  }
  const random = new Random(rule.seed);
  return fillByCapacity([...random.shuffle(big), ...random.shuffle(small)], n, rule);
}

function timeSplit(items: SplitItem[], rule: SplitRule): Split {
  const missing = items.findIndex((it) => !it.firstMeasured);
  if (missing >= 0)
    throw new RotguardError(
      'no_dates',
      `a time split needs measurement dates; compound #${missing + 1} has none (use a scaffold split, or ingest with measured_at)`,
      { field: 'split.method' },
    );
  const order = items
    .map((_, i) => i)
    .sort((a, b) => {
      const da = items[a]!.firstMeasured!;
      const db = items[b]!.firstMeasured!;
      return da < db ? -1 : da > db ? 1 : a - b;
    });
  // Compounds measured on the same date stay together: a date is one group.
  const groups: number[][] = [];
  for (const i of order) {
    const last = groups[groups.length - 1];
    if (last && items[last[0]!]!.firstMeasured === items[i]!.firstMeasured) last.push(i);
    else groups.push([i]);
  }
  return fillInOrder(groups, items.length, rule);
}

/** Chemprop/TDC: each group goes to train if it still fits, else calibration if it fits, else test. */
function fillByCapacity(groups: number[][], n: number, rule: SplitRule): Split {
  const split: Split = { train: [], calibration: [], test: [] };
  const trainCap = rule.fractions.train * n;
  const calCap = rule.fractions.calibration * n;
  for (const g of groups) {
    if (split.train.length + g.length <= trainCap) split.train.push(...g);
    else if (split.calibration.length + g.length <= calCap) split.calibration.push(...g);
    else split.test.push(...g);
  }
  return sorted(split);
}

/** Time order must not leak: once a group spills past train, nothing later goes back to it. */
function fillInOrder(groups: number[][], n: number, rule: SplitRule): Split {
  const split: Split = { train: [], calibration: [], test: [] };
  const trainCap = rule.fractions.train * n;
  const calCap = (rule.fractions.train + rule.fractions.calibration) * n;
  let placed = 0;
  let stage = 0;
  for (const g of groups) {
    if (stage === 0 && placed + g.length > trainCap) stage = 1;
    if (stage === 1 && placed + g.length > calCap) stage = 2;
    (stage === 0 ? split.train : stage === 1 ? split.calibration : split.test).push(...g);
    placed += g.length;
  }
  return sorted(split);
}

function sorted(split: Split): Split {
  for (const part of [split.train, split.calibration, split.test]) part.sort((a, b) => a - b);
  return split;
}
