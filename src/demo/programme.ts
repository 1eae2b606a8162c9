import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { loadRDKit } from '../chem/rdkit.js';
import { RotguardError } from '../core/errors.js';
import { Random } from '../core/random.js';
import {
  assemble,
  combination,
  coreWithAttachmentPoints,
  ESTABLISHED_SERIES,
  heavyAtomCounts,
  esol,
  identifyMolecule,
  makeMolecule,
  NEW_SERIES,
  poolSize,
  REFERENCE_DRUGS,
  SeriesEsolTerms,
  type EsolInputs,
  type IdentifiedMolecule,
  type SeriesDefinition,
} from './chemistry.js';
import type { ChemistryReply, ChemistryTask } from './chemistry-worker.js';
import type { Scenario } from './scenario.js';

/**
 * The simulated year of a solubility-prediction programme, generated from a Scenario.
 * Pure data: no store, no files. Same scenario (seed included) → the same programme.
 *
 * Chemistry. Three established series (2-anilinopyrimidines, 4-anilinoquinazolines,
 * benzimidazoles) are made from the first history week on, the new series
 * (arylsulfonylpiperazine amides) from programme week newSeries.week, with probability
 * newSeries.share per compound (the established series share the rest equally). Each
 * series' R-group combinations are drawn without replacement in a seeded random order, so
 * no compound is made twice; every one is standardized by RDKit and unique by InChIKey.
 *
 * Truth. logS (log10 mol/L) = Delaney's ESOL of the standardized structure + the series
 * effect (+0.2, −0.2, +0.1 for the established series, newSeries.effect for the new one: a
 * property of the chemotype that the old data cannot teach). Reference drugs: ESOL only.
 * ESOL's clogP, MW and rotatable bonds come from RDKit through SeriesEsolTerms (exactly
 * additive over R-groups, see chemistry.ts), the aromatic proportion from each compound's
 * own standardized graph; the references' from their own RDKit descriptors.
 *
 * Assay. Each programme and history week, each site runs one batch: that week's new
 * compounds assigned to it (each goes to site 2 with probability secondSite.share) plus
 * every reference compound. A batch is measured on one weekday (Mon–Fri, uniform) and
 * reported after a delay drawn per batch, uniform in whole days over
 * [7·labelDelayWeeks.min, 7·labelDelayWeeks.max]. The reported value is
 *   truth + protocol shift (site 1 from protocolChange.week: protocol v2, +shift)
 *         + site offset (site 2: secondSite.offset + a per-batch N(0, secondSite.batchSd))
 *         + N(0, noiseSd).
 * Site 1 has no batch offset (secondSite.batchSd describes site 2's batches only).
 * History batches (weeks ≤ 0) are reported by the day before `start` at the latest: the
 * initial data set is complete when the programme begins (so their delays can be shorter
 * than labelDelayWeeks.min). Labels reported after the last programme week are kept in
 * `measurements` (pending labels; the demo never ingests them).
 *
 * Randomness: independent streams of core/random.ts per purpose (series and R-group
 * order, series choice, site choice, batch dates and offsets, noise), so e.g. a
 * different noiseSd does not change which compounds are made.
 */
export interface DemoCompound {
  id: string;
  smiles: string;
  series: string;
  /** Programme week of synthesis; <= 0 for history (reference compounds: the first history week). */
  week: number;
  /** True logS (log10 mol/L) incl. the series effect, before assay effects. */
  truth: number;
  reference: boolean;
}

export interface DemoMeasurement {
  compoundId: string;
  smiles: string;
  site: 'site-1' | 'site-2';
  protocol: 'sol-site1' | 'sol-site2';
  /** Site 1: 1 before protocolChange.week, 2 from then on; site 2: always 1. */
  protocolVersion: number;
  /** e.g. "site-1-w012" (programme week 12) or "site-2-h003" (history week −3). */
  batch: string;
  /** Programme week measured (<= 0: history). */
  week: number;
  measuredAt: string;
  reportedAt: string;
  /** What the assay reports, log10(mol/L). */
  logS: number;
  /** The same in µM (10^logS · 1e6), what the CSV carries. */
  valueUM: number;
}

export interface SeriesInfo {
  name: string;
  /** Core SMILES with attachment points [*:1] … [*:3]. */
  core: string;
  description: string;
  /** Programme week the series arrives; null for the established series (there from the start). */
  arrivesWeek: number | null;
  effect: number;
}

/** What the generator computed for each compound (reference compounds included). */
export interface CompoundChemistry {
  /** Standard InChIKey of the standardized structure (the compound's identity in rotguard). */
  inchikey: string;
  esolInputs: EsolInputs;
  /** ESOL alone, without the series effect. */
  esol: number;
}

export interface Programme {
  scenario: Scenario;
  series: SeriesInfo[];
  references: DemoCompound[];
  /** Every non-reference compound, history and programme, in synthesis order. */
  compounds: DemoCompound[];
  /** Sorted by reportedAt, then batch, then compoundId. */
  measurements: DemoMeasurement[];
  /** Monday 00:00 UTC of programme week `week` (history weeks are <= 0). */
  weekStart(week: number): Date;
  /** By compound id: InChIKey and ESOL inputs. */
  chemistry: Map<string, CompoundChemistry>;
  /** Per series: R-group combinations, how many were evaluated, and why any were skipped. */
  pools: Array<{ series: string; combinations: number; evaluated: number; rejected: number; duplicates: number; used: number }>;
}

const DAY_MS = 86_400_000;
const SITES = ['site-1', 'site-2'] as const;

// Stream numbers of core/random.ts per purpose (stream 100 + i: R-group order of series i).
const STREAM_SERIES_CHOICE = 1;
const STREAM_SITE = 2;
const STREAM_BATCH = 3;
const STREAM_NOISE = 4;
const STREAM_POOL = 100;

/** A standard normal draw (Box–Muller, one of the pair). */
function normal(rng: Random): number {
  const u1 = 1 - rng.uniform(); // (0, 1]
  const u2 = rng.uniform();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function pad(n: number, width = 3): string {
  return String(n).padStart(width, '0');
}

/** "site-1-w012" for programme week 12, "site-1-h000" for history week 0, "site-1-h025" for week −25. */
export function batchName(site: string, week: number): string {
  return week >= 1 ? `${site}-w${pad(week)}` : `${site}-h${pad(-week)}`;
}

/** One structure after standardization, or why it was rejected. */
interface Evaluated {
  ok: boolean;
  reason?: string;
  smiles: string;
  identified?: IdentifiedMolecule;
}

function toEvaluated(input: string, m: IdentifiedMolecule | { rejected: string }): Evaluated {
  if ('rejected' in m) return { ok: false, smiles: input, reason: m.rejected };
  return { ok: true, smiles: m.smiles, identified: m };
}

export interface GenerateOptions {
  /**
   * Worker threads for standardizing the compounds (RDKit: most of the time). Default: one
   * per core, at most 4, for scenarios of 300 compounds or more; 1 works in this thread.
   * The programme is the same for any count: workers only standardize ahead the R-group
   * combinations the programme will take, in the same seeded order.
   */
  workers?: number;
}

const WORKER_CHUNK = 48;
/** Below this many compounds starting threads (each loads its own RDKit) costs more than it saves. */
const MIN_COMPOUNDS_FOR_WORKERS = 300;

/** A few threads, each with its own RDKit, evaluating chunks of structures. */
class ChemistryWorkers {
  private readonly workers: Worker[] = [];
  private constructor() {}

  static async start(count: number): Promise<ChemistryWorkers> {
    const pool = new ChemistryWorkers();
    const url = new URL('./chemistry-worker.js', import.meta.url);
    try {
      await Promise.all(
        Array.from({ length: count }, () => {
          const worker = new Worker(url);
          pool.workers.push(worker);
          return new Promise<void>((resolve, reject) => {
            worker.once('error', reject);
            worker.once('message', () => {
              worker.off('error', reject);
              resolve();
            });
          });
        }),
      );
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  /** Results in input order; chunks go to whichever worker is free. */
  async evaluate(items: ChemistryTask['items']): Promise<ChemistryReply['results']> {
    const results: ChemistryReply['results'] = new Array(items.length);
    let next = 0;
    const run = (worker: Worker) =>
      new Promise<void>((resolve, reject) => {
        const send = () => {
          if (next >= items.length) {
            worker.off('message', onMessage);
            worker.off('error', reject);
            resolve();
            return;
          }
          const seq = next;
          next += WORKER_CHUNK;
          worker.postMessage({ seq, items: items.slice(seq, seq + WORKER_CHUNK) } satisfies ChemistryTask);
        };
        const onMessage = (m: ChemistryReply) => {
          m.results.forEach((r, i) => (results[m.seq + i] = r));
          send();
        };
        worker.on('message', onMessage);
        worker.once('error', reject);
        send();
      });
    await Promise.all(this.workers.map(run));
    return results;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}

/** One series' supply of compounds: its R-group combinations in seeded random order, each evaluated once, when needed. */
class SeriesPool {
  readonly def: SeriesDefinition;
  readonly info: SeriesInfo;
  private readonly order: Int32Array;
  private readonly heavy: ReturnType<typeof heavyAtomCounts>;
  private readonly esolTerms: SeriesEsolTerms;
  private next = 0; // next combination in `order`
  /** Evaluated ahead (by workers), by position in `order`. */
  private readonly ahead = new Map<number, Evaluated>();
  evaluated = 0;
  rejected = 0;
  duplicates = 0;
  used = 0;
  /** Why the first few rejected combinations were rejected (for the error message if a pool runs dry). */
  readonly reasons: string[] = [];

  constructor(def: SeriesDefinition, info: SeriesInfo, rng: Random) {
    this.def = def;
    this.info = info;
    this.order = rng.shuffle(Int32Array.from({ length: poolSize(def) }, (_, i) => i));
    this.heavy = heavyAtomCounts(def);
    this.esolTerms = new SeriesEsolTerms(def);
  }

  get combinations(): number {
    return this.order.length;
  }

  /** The structure at position `pos` of the order and its expected heavy-atom count. */
  private structure(pos: number): { smiles: string; heavy: number } {
    const choice = combination(this.def, this.order[pos]!);
    return { smiles: assemble(this.def, choice), heavy: this.heavy.core + choice.reduce((sum, j, i) => sum + this.heavy.rgroups[i]![j]!, 0) };
  }

  /** The next `n` structures nextCompound will look at, for evaluation ahead. */
  upcoming(n: number): Array<{ pos: number; smiles: string; heavy: number }> {
    const out = [];
    for (let pos = this.next; pos < Math.min(this.order.length, this.next + n); pos++) if (!this.ahead.has(pos)) out.push({ pos, ...this.structure(pos) });
    return out;
  }

  evaluatedAhead(pos: number, e: Evaluated): void {
    this.ahead.set(pos, e);
  }

  /** The next usable compound (RDKit accepts it, InChIKey not in `seen`) with its chemistry, or null when the pool is used up. */
  nextCompound(seen: Set<string>): { smiles: string; chemistry: CompoundChemistry } | null {
    while (this.next < this.order.length) {
      const pos = this.next++;
      let e = this.ahead.get(pos);
      if (e) this.ahead.delete(pos);
      else {
        const { smiles, heavy } = this.structure(pos);
        e = toEvaluated(smiles, identifyMolecule(smiles, heavy));
      }
      this.evaluated++;
      if (!e.ok) {
        this.rejected++;
        if (this.reasons.length < 3) this.reasons.push(`${e.smiles}: ${e.reason}`);
        continue;
      }
      const id = e.identified!;
      if (seen.has(id.inchikey)) {
        this.duplicates++;
        continue;
      }
      this.used++;
      const inputs: EsolInputs = { ...this.esolTerms.terms(combination(this.def, this.order[pos]!)), aromaticProportion: id.aromaticAtoms / id.heavyAtoms };
      return { smiles: id.smiles, chemistry: { inchikey: id.inchikey, esolInputs: inputs, esol: esol(inputs) } };
    }
    return null;
  }
}

/** Generates the programme (loads RDKit if it is not loaded yet). */
export async function generateProgramme(s: Scenario, options: GenerateOptions = {}): Promise<Programme> {
  await loadRDKit();
  const workers = options.workers ?? Math.min(4, availableParallelism());
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a positive integer, got ${workers}`);
  const startMs = Date.parse(`${s.start}T00:00:00Z`);
  if (Number.isNaN(startMs)) throw new RotguardError('bad_scenario', `start must be an ISO date, got ${JSON.stringify(s.start)}`, { field: 'start' });
  const weekStartMs = (week: number) => startMs + (week - 1) * 7 * DAY_MS;
  const firstWeek = 1 - s.historyWeeks;

  // ---- Series and their supplies.
  const defs = [...ESTABLISHED_SERIES, NEW_SERIES];
  const series: SeriesInfo[] = defs.map((d, i) => ({
    name: d.name,
    core: coreWithAttachmentPoints(d),
    description: d.description,
    arrivesWeek: i < ESTABLISHED_SERIES.length ? null : s.newSeries.week,
    effect: i < ESTABLISHED_SERIES.length ? d.effect : s.newSeries.effect,
  }));
  const pools = defs.map((d, i) => new SeriesPool(d, series[i]!, Random.stream(s.seed, STREAM_POOL + i)));
  const newIndex = ESTABLISHED_SERIES.length;

  // ---- Reference compounds.
  const references: DemoCompound[] = [];
  const chemistry = new Map<string, CompoundChemistry>();
  const seen = new Set<string>();
  for (const drug of REFERENCE_DRUGS.slice(0, s.references.count)) {
    const m = makeMolecule(drug.smiles);
    if ('rejected' in m) throw new Error(`reference ${drug.name} is not usable: ${m.rejected}`);
    const id = `REF-${drug.name}`;
    references.push({ id, smiles: m.smiles, series: 'reference', week: firstWeek, truth: m.esol, reference: true });
    chemistry.set(id, { inchikey: m.inchikey, esolInputs: m.esolInputs, esol: m.esol });
    seen.add(m.inchikey);
  }

  // ---- Which series each compound comes from, week by week (a draw that needs no chemistry).
  const choiceRng = Random.stream(s.seed, STREAM_SERIES_CHOICE);
  const slots: Array<{ week: number; pool: number }> = [];
  for (let week = firstWeek; week <= s.weeks; week++) {
    const arrived = week >= s.newSeries.week;
    for (let k = 0; k < s.compoundsPerWeek; k++) {
      const fromNew = arrived && choiceRng.uniform() < s.newSeries.share;
      slots.push({ week, pool: fromNew ? newIndex : choiceRng.below(ESTABLISHED_SERIES.length) });
    }
  }

  // A series asked for more compounds than it has R-group combinations fails now, before any chemistry.
  pools.forEach((p, i) => {
    const n = slots.filter((slot) => slot.pool === i).length;
    if (n > p.combinations) {
      throw new RotguardError(
        'scenario_too_large',
        `this scenario makes ${n} compounds of the ${p.def.name} series, which has ${p.combinations} R-group combinations (each compound is made once): lower compoundsPerWeek, weeks or historyWeeks`,
        { field: 'compoundsPerWeek' },
      );
    }
  });

  // ---- With workers: evaluate ahead what each series will need (a few spare); the rest is evaluated as needed.
  if (workers > 1 && (options.workers !== undefined || slots.length >= MIN_COMPOUNDS_FOR_WORKERS)) {
    const chem = await ChemistryWorkers.start(workers);
    try {
      const wanted = pools.map((p, i) => {
        const n = slots.filter((slot) => slot.pool === i).length;
        return n ? p.upcoming(n + Math.ceil(n * 0.02) + 2) : [];
      });
      const all = wanted.flat();
      const results = await chem.evaluate(all.map(({ smiles, heavy }) => ({ smiles, heavy })));
      let k = 0;
      wanted.forEach((list, i) => list.forEach((w) => pools[i]!.evaluatedAhead(w.pos, toEvaluated(w.smiles, results[k++]!))));
    } finally {
      await chem.close();
    }
  }

  // ---- Compounds in order: each takes the next unused combination of its series.
  const compounds: DemoCompound[] = [];
  for (const { week, pool } of slots) {
    const p = pools[pool]!;
    const made = p.nextCompound(seen);
    if (!made) {
      throw new RotguardError(
        'scenario_too_large',
        `the ${p.def.name} series ran out of compounds in week ${week}: all ${p.combinations} R-group combinations are used` +
          (p.rejected ? ` (${p.rejected} rejected, e.g. ${p.reasons[0]})` : '') +
          '; lower compoundsPerWeek, weeks or historyWeeks',
        { field: 'compoundsPerWeek' },
      );
    }
    const c = made.chemistry;
    seen.add(c.inchikey);
    const id = `CPD-${pad(compounds.length + 1, 5)}`;
    compounds.push({ id, smiles: made.smiles, series: p.def.name, week, truth: c.esol + p.info.effect, reference: false });
    chemistry.set(id, c);
  }

  // ---- Sites, batches, dates and assay values.
  const siteRng = Random.stream(s.seed, STREAM_SITE);
  const batchRng = Random.stream(s.seed, STREAM_BATCH);
  const noiseRng = Random.stream(s.seed, STREAM_NOISE);
  const byWeek = new Map<number, DemoCompound[]>();
  for (const c of compounds) (byWeek.get(c.week) ?? byWeek.set(c.week, []).get(c.week)!).push(c);
  const lastHistoryReport = startMs - DAY_MS;
  const measurements: DemoMeasurement[] = [];
  for (let week = firstWeek; week <= s.weeks; week++) {
    const made = byWeek.get(week) ?? [];
    const atSite2 = made.map(() => siteRng.uniform() < s.secondSite.share);
    for (const site of SITES) {
      // Drawn for both sites every week, used or not, so one site's dates never depend on the other's.
      const day = batchRng.below(5);
      const delayDays = batchRng.integer(7 * s.labelDelayWeeks.min, 7 * s.labelDelayWeeks.max);
      const batchOffset = normal(batchRng) * s.secondSite.batchSd;
      const members = made.filter((_, i) => atSite2[i] === (site === 'site-2'));
      if (site === 'site-2' && s.secondSite.share <= 0) continue; // no second site in this scenario
      const measuredMs = weekStartMs(week) + day * DAY_MS;
      let reportedMs = measuredMs + delayDays * DAY_MS;
      if (week <= 0) reportedMs = Math.min(reportedMs, lastHistoryReport);
      const version = site === 'site-1' && week >= s.protocolChange.week ? 2 : 1;
      const systematic = site === 'site-1' ? (version === 2 ? s.protocolChange.shift : 0) : s.secondSite.offset + batchOffset;
      const batch = batchName(site, week);
      for (const c of [...members, ...references]) {
        const logS = c.truth + systematic + normal(noiseRng) * s.noiseSd;
        measurements.push({
          compoundId: c.id,
          smiles: c.smiles,
          site,
          protocol: site === 'site-1' ? 'sol-site1' : 'sol-site2',
          protocolVersion: version,
          batch,
          week,
          measuredAt: isoDate(measuredMs),
          reportedAt: isoDate(reportedMs),
          logS,
          valueUM: 10 ** logS * 1e6,
        });
      }
    }
  }
  measurements.sort((a, b) => cmp(a.reportedAt, b.reportedAt) || cmp(a.batch, b.batch) || cmp(a.compoundId, b.compoundId));

  return {
    scenario: structuredClone(s),
    series,
    references,
    compounds,
    measurements,
    weekStart: (week: number) => new Date(weekStartMs(week)),
    chemistry,
    pools: pools.map((p) => ({
      series: p.def.name,
      combinations: p.combinations,
      evaluated: p.evaluated,
      rejected: p.rejected,
      duplicates: p.duplicates,
      used: p.used,
    })),
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A CSV of measurements, in the columns the demo's assay files have. */
export const CSV_COLUMNS = ['compound_id', 'smiles', 'solubility_uM', 'site', 'batch', 'measured_at', 'reported_at'] as const;

/** µM with 6 significant digits, never in exponent notation for the values the programme makes. */
export function formatMicromolar(valueUM: number): string {
  return String(Number(valueUM.toPrecision(6)));
}

function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export interface AssayCsv {
  file: string;
  csv: string;
  site: 'site-1' | 'site-2';
  protocol: 'sol-site1' | 'sol-site2';
  protocolVersion: number;
  rows: number;
}

/** One CSV per (site, protocol version) present in `rows`, named `${prefix}-${site}-v${version}.csv`. */
function csvFiles(rows: DemoMeasurement[], prefix: string): AssayCsv[] {
  const groups = new Map<string, DemoMeasurement[]>();
  for (const m of rows) {
    const key = `${m.site}-v${m.protocolVersion}`;
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(m);
  }
  return [...groups.keys()].sort().map((key) => {
    const list = groups.get(key)!;
    const lines = [CSV_COLUMNS.join(',')];
    for (const m of list) lines.push([m.compoundId, m.smiles, formatMicromolar(m.valueUM), m.site, m.batch, m.measuredAt, m.reportedAt].map(csvCell).join(','));
    return {
      file: `${prefix}-${key}.csv`,
      csv: lines.join('\n') + '\n',
      site: list[0]!.site,
      protocol: list[0]!.protocol,
      protocolVersion: list[0]!.protocolVersion,
      rows: list.length,
    };
  });
}

/**
 * The assay reports that arrive during programme week `week` (reportedAt from its Monday to
 * its Sunday): one CSV per site, e.g. `week-012-site-1-v1.csv` (columns CSV_COLUMNS). A
 * site whose reports that week span both protocol versions (site 1 around the change) gets
 * one file per version, since one assay file is one protocol version. A site with no
 * reports that week has no file.
 */
export function programmeWeekCsv(p: Programme, week: number): AssayCsv[] {
  const from = isoDate(p.weekStart(week).getTime());
  const to = isoDate(p.weekStart(week + 1).getTime()); // exclusive
  return csvFiles(
    p.measurements.filter((m) => m.reportedAt >= from && m.reportedAt < to),
    `week-${pad(week)}`,
  );
}

/** Everything reported before programme week 1 (the history): one CSV per site, e.g. `history-site-2-v1.csv`. */
export function historyCsv(p: Programme): AssayCsv[] {
  const start = isoDate(p.weekStart(1).getTime());
  return csvFiles(
    p.measurements.filter((m) => m.reportedAt < start),
    'history',
  );
}

/** The compounds synthesised in programme week `week` (reference compounds excluded), in id order. */
export function compoundsToPredict(p: Programme, week: number): Array<{ id: string; smiles: string; series: string }> {
  return p.compounds.filter((c) => c.week === week).map((c) => ({ id: c.id, smiles: c.smiles, series: c.series }));
}
