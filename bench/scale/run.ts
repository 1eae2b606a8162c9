/**
 * bench/scale: rotguard on PostgreSQL with 10 million prediction records and 1 million
 * measurements. Does predict's insert rate, a week's monitoring run, an audit of one model
 * version and a trace stay flat as the tables grow?
 *
 *   npm run bench:pg-scale [-- --database-url URL] [--predictions 10000000] [--first-stage 1000000]
 *                          [--measurements 1000000] [--models 20] [--weeks 156] [--per-week 2000] [--keep]
 *
 * Reads ROTGUARD_TEST_DATABASE_URL (or --database-url): a role with CREATEDB. Creates its own
 * database (rotguard_scale_<pid>) and drops it at the end unless --keep.
 *
 * 1. A real workspace through the use cases: the Biogen HLM endpoint (../shared/data), a
 *    random forest built on 1,000 of its compounds, and one real predict over all 3,521
 *    compounds: the pool whose real features and real outputs the synthetic history reuses.
 * 2. Synthetic history, bulk-loaded (bulk.ts, synthetic.ts): measurements over 3 years
 *    (sources and ingest events included), then predictions of 20 model versions in weekly
 *    requests (batches logged with their digests). The benchmarked model, hlm-rf@1, gets
 *    --per-week predictions a week, all loaded in the first stage: its own history is the
 *    same at both sizes, so what changes between them is the tables around it.
 * 3. At the first stage (1 M predictions) and at the full size (10 M; once without migration
 *    0013's indexes, once with them): predict 1,000 compounds through the predict use case,
 *    the insert path alone (recordBatch), a week's monitoring run after a warm one, the audit
 *    of hlm-rf@1, a trace, and EXPLAIN (ANALYZE, BUFFERS) of the hot queries. Each stage
 *    starts with the full verification of the event log, which records a checkpoint (as a
 *    nightly "audit verify --checkpoint" would); the audit of hlm-rf@1 verifies from it.
 *    Before that, the audit is also timed from the previous stage's checkpoint.
 *
 * Prints a markdown report (--report FILE too) and, last, one line:
 *   pg_scale predictions=… measurements=… predict_1k_s=… insert_rows_per_s=… monitor_week_s=… audit_version_s=… trace_ms=…
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { ChemPool } from '../../src/chem/chem-pool.js';
import { fixedClock } from '../../src/core/clock.js';
import { maskUrl } from '../../src/core/mask-url.js';
import { Random } from '../../src/core/random.js';
import { validateMapping } from '../../src/data/mapping.js';
import { versionFromRow } from '../../src/registry/registry.js';
import { recordBatch } from '../../src/serve/predict.js';
import { AUDIT_COUNT_INDEX, MONITOR_LABELS_INDEX, SCALE_INDEXES } from '../../src/store/migrations.js';
import type { NewRow } from '../../src/store/schema.js';
import { openStore, type Store } from '../../src/store/store.js';
import { validateRecipe } from '../../src/training/recipe.js';
import { audit, trace, verifyLog } from '../../src/usecases/audit.js';
import { atTime, createContext, type Context } from '../../src/usecases/context.js';
import { ingest } from '../../src/usecases/data.js';
import { buildModel } from '../../src/usecases/models.js';
import { monitor } from '../../src/usecases/monitoring.js';
import { predict } from '../../src/usecases/predict.js';
import { addEndpoint, addProtocol } from '../../src/usecases/standards.js';
import { BIOGEN_ASSAYS } from '../data/biogen.js';
import { appendEventsBulk, insertUnnest, MEASUREMENT_COLUMNS, PREDICTION_COLUMNS } from './bulk.js';
import { explain, hotQueries } from './plans.js';
import {
  DAY,
  isoDate,
  normal,
  REQUEST_SIZE,
  seededUuid,
  sourcesOfWeek,
  syntheticInchikey,
  syntheticRequest,
  timeInWeek,
  USERS,
  WEEK,
  type Assay,
  type Template,
} from './synthetic.js';

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    predictions: { type: 'string', default: '10000000' },
    'first-stage': { type: 'string', default: '1000000' },
    measurements: { type: 'string', default: '1000000' },
    models: { type: 'string', default: '20' },
    weeks: { type: 'string', default: '156' },
    'per-week': { type: 'string', default: '2000' },
    'train-compounds': { type: 'string', default: '1000' },
    trees: { type: 'string', default: '30' },
    'synthetic-compounds': { type: 'string', default: '100000' },
    seed: { type: 'string', default: '18' },
    report: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const num = (k: keyof typeof values) => Number(values[k]);
const TOTAL = num('predictions');
const FIRST = num('first-stage');
const MEASUREMENTS = num('measurements');
const MODELS = num('models');
const WEEKS = num('weeks');
const PER_WEEK = num('per-week');
const SYNTHETIC_COMPOUNDS = num('synthetic-compounds');
const START = Date.UTC(2023, 0, 2); // a Monday: week w starts at START + w weeks
const BENCH_MODEL = 'hlm-rf';
const BENCH_VERSION = `${BENCH_MODEL}@1`;
const ENDPOINT = 'hlm_clint';
const LABEL_SHARE = 0.1;

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dataFile = join(root, '..', 'shared', 'data', 'biogen-adme', 'ADME_public_set_3521.csv');
const url = values['database-url'] ?? process.env.ROTGUARD_TEST_DATABASE_URL;
const command = `npm run bench:pg-scale -- --predictions ${TOTAL} --first-stage ${FIRST} --measurements ${MEASUREMENTS} --models ${MODELS} --weeks ${WEEKS} --per-week ${PER_WEEK}`;
const report: string[] = [];
const say = (line = '') => {
  console.log(line);
  report.push(line);
};

if (!url) {
  console.log('bench/scale: skipped: set ROTGUARD_TEST_DATABASE_URL (a PostgreSQL role with CREATEDB) or pass --database-url');
  process.exit(0);
}
let csvText: string;
try {
  csvText = readFileSync(dataFile, 'utf8');
} catch {
  console.log(`bench/scale: skipped: ${dataFile} not found (the shared Biogen data must sit beside the repository, in ../shared)`);
  process.exit(0);
}

const machine = () =>
  `${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`;
say(`# bench/scale: ${command}`);
say();
say(`machine: ${machine()}; ${new Date().toISOString()}`);
say(`database: ${maskUrl(url)}`);

const dbName = `rotguard_scale_${process.pid}`;
const admin = new pg.Client({ connectionString: url });
await admin.connect();
const serverVersion = (await admin.query<{ server_version: string }>('show server_version')).rows[0]!.server_version;
const settings = (
  await admin.query<{ name: string; value: string }>(
    "select name, current_setting(name) as value from pg_settings where name in ('shared_buffers','work_mem','max_wal_size','synchronous_commit','effective_cache_size') order by name",
  )
).rows;
say(`PostgreSQL ${serverVersion}: ${settings.map((x) => `${x.name}=${x.value}`).join(', ')}`);
await admin.query(`create database ${dbName}`);
const dbUrl = new URL(url);
dbUrl.pathname = `/${dbName}`;
const dir = mkdtempSync(join(tmpdir(), 'rotguard-bench-scale-'));
const workspace = join(dir, '.rotguard');
let store: Store | null = null;
let chem: ChemPool | null = null;
const s = (ms: number) => (ms / 1000).toFixed(2);
const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
};

try {
  store = await openStore({ workspace, databaseUrl: dbUrl.toString(), migrate: true });
  const st = store;
  const base = createContext(st, { actor: 'bench', workspace });
  const at = (ms: number, actor = 'bench'): Context => atTime({ ...base, actor }, fixedClock(ms));
  const rng = new Random(num('seed'));

  // ---- 1. the real workspace
  const lines = csvText.trim().split(/\r?\n/);
  const header = lines[0]!.split(',');
  const col = (name: string) => header.indexOf(name);
  const hlmCol = col('LOG HLM_CLint (mL/min/kg)');
  const rows = lines.slice(1).map((l) => l.split(','));
  const hlmRows = rows.filter((r) => r[hlmCol] !== '');
  const setupAt = START - 60 * DAY;
  for (const a of BIOGEN_ASSAYS) {
    await addEndpoint(at(setupAt), a.endpoint);
    await addProtocol(at(setupAt), a.protocol);
    await addProtocol(at(setupAt), { ...a.protocol, protocol: `${a.protocol.protocol}-site2`, site: 'site-2', vendor: 'cro-b' });
  }
  const train = hlmRows.slice(0, num('train-compounds'));
  const trainCsv = join(dir, 'hlm-train.csv');
  writeFileSync(
    trainCsv,
    'id,smiles,value_log10,measured_at,reported_at\n' +
      train
        .map((r, i) => `${r[0]},${r[2]},${r[hlmCol]},${isoDate(START - 700 * DAY + i * 0.6 * DAY)},${isoDate(START - 670 * DAY + i * 0.6 * DAY)}`)
        .join('\n') +
      '\n',
  );
  chem = await ChemPool.start(Math.min(2, availableParallelism()));
  const mapping = validateMapping({
    team: 'biogen',
    protocol: 'biogen-hlm-clint',
    value_scale: 'log10',
    columns: { id: 'id', structure: 'smiles', value: 'value_log10', measured_at: 'measured_at', reported_at: 'reported_at' },
  });
  const [ingested, ms] = await timed(() => ingest(at(setupAt + DAY), { path: trainCsv, mapping, workers: 2 }));
  say(`setup: ingest of ${ingested.accepted} real HLM measurements (use case) in ${s(ms)} s`);
  const recipe = validateRecipe({
    model: BENCH_MODEL,
    team: 'biogen',
    endpoint: ENDPOINT,
    dataset: { aggregate: 'mean' },
    algorithm: 'random-forest',
    params: { nEstimators: num('trees') },
    split: { method: 'scaffold', seed: 1, train: 0.7, calibration: 0.15, test: 0.15 },
    seed: 1,
  });
  const [built, buildMs] = await timed(() => buildModel(at(setupAt + 2 * DAY), recipe));
  say(
    `setup: build of ${built.version.id} (random forest, ${num('trees')} trees, scaffold split) in ${s(buildMs)} s; test MAE ${('mae' in built.report.test ? built.report.test.mae : NaN).toFixed(3)}`,
  );
  const poolCsv = join(dir, 'pool.csv');
  writeFileSync(poolCsv, 'id,smiles\n' + rows.map((r) => `${r[0]},${r[2]}`).join('\n') + '\n');
  const [poolRun, poolMs] = await timed(() =>
    predict(at(START + DAY + 9 * 3_600_000, 'ana'), {
      modelRef: BENCH_VERSION,
      input: poolCsv,
      smilesColumn: 'smiles',
      idColumn: 'id',
      out: join(dir, 'pool-out.csv'),
      pool: chem!,
    }),
  );
  say(
    `setup: predict of the ${poolRun.predicted} pool compounds (use case) in ${s(poolMs)} s: their real features and outputs are the templates of the synthetic records`,
  );
  const poolRecords = await st.db.selectFrom('predictions').selectAll().where('request', '=', poolRun.request).execute();
  const byKey = new Map<string, Template>();
  for (const p of poolRecords) if (!byKey.has(p.inchikey)) byKey.set(p.inchikey, p);
  const pool = [...byKey.values()].map(
    (p): Template => ({
      feature_hash: p.feature_hash,
      input_hash: p.input_hash,
      input_id: p.input_id,
      inchikey: p.inchikey,
      smiles: p.smiles,
      value: p.value,
      uncertainty: p.uncertainty,
      interval_level: p.interval_level,
      lower: p.lower,
      upper: p.upper,
      max_similarity: p.max_similarity,
      nearest_inchikey: p.nearest_inchikey,
      scaffold: p.scaffold,
      scaffold_seen: p.scaffold_seen,
    }),
  );
  const hlmById = new Map(hlmRows.map((r) => [r[0]!, Number(r[hlmCol])]));
  const hlmOf = new Map(pool.filter((t) => hlmById.has(t.input_id)).map((t) => [t.inchikey, hlmById.get(t.input_id)!]));

  // Other model versions: the real version's row under new ids (cheap; they only need to exist for their predictions).
  const vRow = await st.db.selectFrom('model_versions').selectAll().where('id', '=', BENCH_VERSION).executeTakeFirstOrThrow();
  // The real ingest's source: the per-version audit reads its ingest event by subject.
  const firstSource = (
    await st.db.selectFrom('events').select('subject').where('kind', '=', 'source_ingested').orderBy('seq').limit(1).executeTakeFirstOrThrow()
  ).subject;
  const others: string[] = [];
  for (let k = 2; k <= MODELS; k++) {
    const model = `scale-m${String(k).padStart(2, '0')}`;
    others.push(`${model}@1`);
    await st.db
      .insertInto('model_versions')
      .values({ ...vRow, id: `${model}@1`, model })
      .execute();
  }

  // The benchmarked model's weekly compounds, drawn once: its predictions and the labels that later come back for them.
  const benchWeeks: Template[][] = Array.from({ length: WEEKS }, () => Array.from({ length: PER_WEEK }, () => pool[rng.below(pool.length)]!));

  // ---- 2a. measurements
  const teams = ['dmpk', 'chem-a', 'chem-b', 'adme-core'];
  await st.db
    .insertInto('teams')
    .values(teams.map((name) => ({ name, created_at: new Date(setupAt).toISOString() })))
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const syntheticPool = pool.map((t) => t.smiles);
  const [, compoundsMs] = await timed(() =>
    st.db.transaction().execute((trx) =>
      insertUnnest(
        trx,
        'compounds',
        [
          ['inchikey', 'text'],
          ['smiles', 'text'],
          ['created_at', 'text'],
        ],
        Array.from({ length: SYNTHETIC_COMPOUNDS }, (_, i) => ({
          inchikey: syntheticInchikey(i),
          smiles: syntheticPool[i % syntheticPool.length],
          created_at: new Date(setupAt).toISOString(),
        })),
      ),
    ),
  );
  // The pool's compounds were predicted, not ingested: the labels measured for them later need their compound rows.
  await st.db
    .insertInto('compounds')
    .values(pool.map((t) => ({ inchikey: t.inchikey, smiles: t.smiles, created_at: new Date(setupAt).toISOString() })))
    .onConflict((oc) => oc.column('inchikey').doNothing())
    .execute();
  say(`load: ${SYNTHETIC_COMPOUNDS} synthetic compounds (keys shaped like InChIKeys; structures borrowed from the pool) in ${s(compoundsMs)} s`);
  const assays: Assay[] = [
    ...BIOGEN_ASSAYS.flatMap((a, i) => {
      const weight = [0.25, 0.2, 0.15, 0.2, 0.05, 0.05][i]!;
      const [mean, sd] = (
        [
          [1.3, 0.6],
          [2.0, 0.7],
          [0.4, 0.5],
          [1.3, 0.7],
          [0.8, 0.5],
          [0.7, 0.5],
        ] as const
      )[i]!;
      return [
        { endpoint: a.endpoint.name, protocolVersion: `${a.protocol.protocol}@1`, site: 'biogen', unit: a.endpoint.unit, mean, sd, weight: weight * 0.7 },
        { endpoint: a.endpoint.name, protocolVersion: `${a.protocol.protocol}-site2@1`, site: 'site-2', unit: a.endpoint.unit, mean, sd, weight: weight * 0.3 },
      ];
    }),
  ];
  const cumulative = assays.map((_, i) => assays.slice(0, i + 1).reduce((acc, a) => acc + a.weight, 0));
  type Draft = Omit<NewRow<'measurements'>, 'id' | 'source' | 'source_line'>;
  const drafts: Draft[][] = Array.from({ length: WEEKS }, () => []);
  // Labels for the benchmarked model's compounds: measured in the week after, reported 2–6 weeks later.
  let benchLabels = 0;
  for (let w = 0; w < WEEKS; w++) {
    for (const t of benchWeeks[w]!) {
      const y = hlmOf.get(t.inchikey);
      if (y === undefined || rng.uniform() >= LABEL_SHARE) continue;
      const measured = START + w * WEEK + (7 + rng.below(7)) * DAY;
      const reported = measured + (14 + rng.below(29)) * DAY;
      const week = Math.floor((reported - START) / WEEK);
      if (week >= WEEKS) continue;
      const v = 10 ** (y + 0.15 * normal(rng));
      drafts[week]!.push({
        inchikey: t.inchikey,
        protocol_version: 'biogen-hlm-clint@1',
        endpoint: ENDPOINT,
        team: 'dmpk',
        site: 'biogen',
        batch: `B${week}`,
        value: v,
        qualifier: '=',
        raw_value: String(v),
        raw_unit: 'mL/min/kg',
        measured_at: isoDate(measured),
        reported_at: isoDate(reported),
      });
      benchLabels++;
    }
  }
  const bulk = MEASUREMENTS - ingested.accepted - benchLabels;
  for (let i = 0; i < bulk; i++) {
    const w = Math.floor((i * WEEKS) / bulk);
    const u = rng.uniform() * cumulative[cumulative.length - 1]!;
    const a = assays[cumulative.findIndex((c) => u < c)] ?? assays[assays.length - 1]!;
    const reported = START + w * WEEK + rng.below(7) * DAY;
    const x = a.mean + a.sd * normal(rng);
    const censored = x < a.mean - 1.8 * a.sd;
    const v = 10 ** (censored ? a.mean - 1.8 * a.sd : x);
    drafts[w]!.push({
      inchikey: syntheticInchikey(rng.below(SYNTHETIC_COMPOUNDS)),
      protocol_version: a.protocolVersion,
      endpoint: a.endpoint,
      team: teams[rng.below(teams.length)]!,
      site: a.site,
      batch: `B${w}-${rng.below(4)}`,
      value: v,
      qualifier: censored ? '<' : '=',
      raw_value: `${censored ? '<' : ''}${v}`,
      raw_unit: a.unit,
      measured_at: isoDate(reported - (7 + rng.below(36)) * DAY),
      reported_at: isoDate(reported),
    });
  }
  let sourcesLoaded = 0;
  const [, measMs] = await timed(async () => {
    for (let w = 0; w < WEEKS; w++) {
      const ingestedAt = new Date(START + w * WEEK + 6 * DAY + 20 * 3_600_000).toISOString();
      const sources = sourcesOfWeek(w, drafts[w]!, ingestedAt, 'ingest-bot');
      await st.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('sources')
          .values(sources.map((x) => x.row))
          .execute();
        await insertUnnest(
          trx,
          'measurements',
          MEASUREMENT_COLUMNS,
          sources.flatMap((x) => x.measurements),
        );
        await appendEventsBulk(
          st,
          trx,
          sources.map((x) => x.event),
        );
      });
      sourcesLoaded += sources.length;
      drafts[w] = [];
    }
  });
  const measurementCount = await countOf(st, 'measurements');
  say(
    `load: ${measurementCount - ingested.accepted} synthetic measurements (${benchLabels} of them labels of the benchmarked model's compounds) in ${sourcesLoaded} sources with their ingest events in ${s(measMs)} s: ${Math.round((measurementCount - ingested.accepted) / (measMs / 1000))} rows/s; measurements now ${measurementCount}`,
  );

  // ---- 2b. predictions, in two stages
  const loadPredictions = async (target: number, withBench: boolean): Promise<{ rows: number; ms: number }> => {
    const before = await countOf(st, 'predictions');
    const benchRows = withBench ? WEEKS * PER_WEEK : 0;
    const perModelWeek = Math.max(0, (target - before - benchRows) / (WEEKS * others.length));
    let carried = 0;
    let loaded = 0;
    const t = performance.now();
    for (let w = 0; w < WEEKS; w++) {
      const weekRows: NewRow<'predictions'>[] = [];
      const weekEvents: Parameters<typeof appendEventsBulk>[2][number][] = [];
      const add = (r: ReturnType<typeof syntheticRequest>) => {
        weekRows.push(...r.rows);
        weekEvents.push(...r.events);
      };
      if (withBench) {
        const compounds = benchWeeks[w]!;
        for (let i = 0; i < compounds.length; i += REQUEST_SIZE) {
          const part = compounds.slice(i, i + REQUEST_SIZE);
          add(
            syntheticRequest(rng, pool, {
              versionId: BENCH_VERSION,
              team: 'biogen',
              n: part.length,
              at: timeInWeek(rng, START, w),
              actor: USERS[rng.below(USERS.length)]!,
              compounds: part,
            }),
          );
        }
      }
      for (const versionId of others) {
        carried += perModelWeek;
        let n = Math.floor(carried);
        carried -= n;
        // The last model-week takes what rounding left, so the stage ends on its target.
        if (w === WEEKS - 1 && versionId === others[others.length - 1]) n = Math.max(0, target - before - loaded - weekRows.length);
        while (n > 0) {
          const size = Math.min(n, REQUEST_SIZE);
          add(syntheticRequest(rng, pool, { versionId, team: 'biogen', n: size, at: timeInWeek(rng, START, w), actor: USERS[rng.below(USERS.length)]! }));
          n -= size;
        }
      }
      await st.db.transaction().execute(async (trx) => {
        await insertUnnest(trx, 'predictions', PREDICTION_COLUMNS, weekRows as unknown as Record<string, unknown>[]);
        await appendEventsBulk(st, trx, weekEvents);
      });
      loaded += weekRows.length;
      if (w % 26 === 25)
        console.error(`  … week ${w + 1}/${WEEKS}: ${before + loaded} predictions, ${Math.round(loaded / ((performance.now() - t) / 1000))} rows/s`);
    }
    return { rows: loaded, ms: performance.now() - t };
  };

  const maintenance = async () => {
    const [, vacuumMs] = await timed(() => sql`vacuum analyze predictions, measurements, events, feature_cache, window_evidence`.execute(st.db));
    return vacuumMs;
  };

  type Timing = {
    label: string;
    predictions: number;
    measurements: number;
    events: number;
    predictS: number;
    predictRowsPerS: number;
    insertRowsPerS: number;
    monitorS: number;
    monitorWindows: number;
    auditS: number;
    auditControls: string;
    /** What the audit's event-log verification covered, in its words. */
    auditVerified: string;
    /** The same audit from the previous stage's checkpoint (null at the first stage). */
    auditFromPreviousS: number | null;
    /** The full verification from event 1 that records the checkpoint. */
    verifyFullS: number;
    traceMs: number;
    plans: Array<{ name: string; caller: string; plan: string }>;
  };
  const timings: Timing[] = [];
  const insertVersion = versionFromRow(await st.db.selectFrom('model_versions').selectAll().where('id', '=', others[0]!).executeTakeFirstOrThrow());
  let traceId = '';

  const measure = async (label: string, week: number): Promise<Timing> => {
    const predictionsNow = await countOf(st, 'predictions');
    say();
    say(`## ${label}: ${predictionsNow} predictions, ${measurementCount} measurements, ${await countOf(st, 'events')} events`);
    say(`machine now: ${machine()}`);
    // The audit of one version from the previous stage's checkpoint: the chain walk covers every event loaded since.
    let auditFromPreviousS: number | null = null;
    const previous = await st.db.selectFrom('event_checkpoints').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst();
    if (previous) {
      const [r, ms] = await timed(() => audit(at(START + week * WEEK + 2 * 3_600_000, 'auditor'), { version: BENCH_VERSION }));
      auditFromPreviousS = ms / 1000;
      say(`audit of ${BENCH_VERSION} from the previous stage's checkpoint (before recording a new one): ${s(ms)} s; ${r.eventLog.verified}`);
    }
    // The full verification from event 1, recording its head as a checkpoint (a nightly "audit verify --checkpoint").
    const [fullVerify, verifyMs] = await timed(() => verifyLog(at(START + week * WEEK + 3 * 3_600_000, 'auditor'), { checkpoint: true }));
    say(
      `full verification of the event log from event 1 (audit verify --checkpoint; O(events)): ${s(verifyMs)} s, ${fullVerify.events} events, ${fullVerify.ok ? 'intact' : 'NOT intact'}; checkpoint recorded at event ${fullVerify.checkpoint?.seq ?? '(none)'}`,
    );
    // predict: 1,000 pool compounds through the use case, in this week.
    const file = join(dir, `week-${week}.csv`);
    writeFileSync(
      file,
      'id,smiles\n' +
        Array.from({ length: 1000 }, () => pool[rng.below(pool.length)]!)
          .map((t) => `${t.input_id},${t.smiles}`)
          .join('\n') +
        '\n',
    );
    const tuesday = START + week * WEEK + DAY + 10 * 3_600_000;
    const [run, predictMs] = await timed(() =>
      predict(at(tuesday, 'ana'), {
        modelRef: BENCH_VERSION,
        input: file,
        smilesColumn: 'smiles',
        idColumn: 'id',
        out: join(dir, `week-${week}-out.csv`),
        pool: chem!,
      }),
    );
    say(`predict (use case, 1,000 compounds: featurize, score, store): ${s(predictMs)} s, ${Math.round(run.predicted / (predictMs / 1000))} predictions/s`);
    // The insert path alone: predict's recordBatch (rows + predicted event, one transaction per batch of 256).
    const [, insertMs] = await timed(async () => {
      let request = '';
      for (let k = 0; k < 20; k++) {
        if (k % 4 === 0) request = seededUuid(rng);
        const b = k % 4;
        const records = Array.from({ length: b < 3 ? 256 : 232 }, () => ({
          ...pool[rng.below(pool.length)]!,
          id: seededUuid(rng),
          request,
          model_version: insertVersion.id,
          team: insertVersion.team,
          model_frozen: 0,
          requested_by: 'svc',
          requested_at: new Date(tuesday + 3_600_000).toISOString(),
          batch: b,
        }));
        await recordBatch(st, { records, cache: [] }, { request, batch: b, model: insertVersion, actor: 'svc', frozen: false });
      }
    });
    const insertRowsPerS = Math.round(5000 / (insertMs / 1000));
    say(
      `insert path alone (recordBatch, 5 requests × 4 batches = 5,000 rows, each batch in its transaction with its predicted event): ${s(insertMs)} s, ${insertRowsPerS} rows/s`,
    );
    const weekEnd = new Date(START + (week + 1) * WEEK - 1).toISOString();
    const [mon, monitorMs] = await timed(() => monitor(at(START + (week + 1) * WEEK + 3_600_000), { model: BENCH_MODEL, window: 'week', asOf: weekEnd }));
    say(
      `monitor run of ${BENCH_MODEL}, the next week (${mon.windows.length} windows; settled ones from the evidence cache, the latest 13 recomputed): ${s(monitorMs)} s`,
    );
    const [rep, auditMs] = await timed(() => audit(at(START + (week + 1) * WEEK + 2 * 3_600_000, 'auditor'), { version: BENCH_VERSION }));
    const controls = rep.models[0]!.controls;
    const auditControls = `${controls.filter((c) => c.status === 'pass').length} pass, ${controls.filter((c) => c.status === 'fail').length} fail (${controls
      .filter((c) => c.status === 'fail')
      .map((c) => c.control)
      .join(
        ', ',
      )}), event log ${rep.eventLog.ok ? 'verified' : `NOT verified: ${rep.eventLog.problems.slice(0, 2).join('; ')}`} (${rep.eventLog.events} events)`;
    say(`audit of ${BENCH_VERSION} only (audit({ version })): ${s(auditMs)} s; ${auditControls}`);
    say(`  ${rep.eventLog.verified}`);
    if (!traceId) {
      const mid = new Date(START + Math.floor(WEEKS / 2) * WEEK).toISOString();
      traceId = (
        await st.db
          .selectFrom('predictions')
          .select('id')
          .where('model_version', '=', BENCH_VERSION)
          .where('requested_at', '>=', mid)
          .orderBy('requested_at')
          .limit(1)
          .executeTakeFirstOrThrow()
      ).id;
    }
    const traceTimes: number[] = [];
    let traced = null;
    for (let i = 0; i < 3; i++) {
      const [t, ms] = await timed(() => trace(at(Date.now(), 'auditor'), traceId));
      traced = t;
      traceTimes.push(ms);
    }
    traceTimes.sort((a, b) => a - b);
    say(
      `trace of prediction ${traceId.slice(0, 8)} (median of 3): ${traceTimes[1]!.toFixed(0)} ms; ${traced!.sources.length} sources, ${traced!.nearest?.measurements.length ?? 0} measurements of the nearest training compound, ${traced!.broken.length} broken links`,
    );
    const sample = await st.db.selectFrom('predictions').select('request').where('id', '=', traceId).executeTakeFirstOrThrow();
    const plans = [];
    for (const q of hotQueries(st, {
      model: BENCH_MODEL,
      versionId: BENCH_VERSION,
      endpoint: ENDPOINT,
      featureHash: vRow.feature_hash,
      request: sample.request,
      predictionId: traceId,
      subjects: [firstSource, `gate:${ENDPOINT}`],
      checkpointSeq: fullVerify.checkpoint?.seq ?? 0,
    }))
      plans.push({ name: q.name, caller: q.caller, plan: await explain(st, q.compiled) });
    for (const p of plans) say(`plan: ${p.name}: ${p.plan.split('\n').at(-1)}`);
    const timing: Timing = {
      label,
      predictions: predictionsNow,
      measurements: measurementCount,
      events: await countOf(st, 'events'),
      predictS: predictMs / 1000,
      predictRowsPerS: Math.round(run.predicted / (predictMs / 1000)),
      insertRowsPerS,
      monitorS: monitorMs / 1000,
      monitorWindows: mon.windows.length,
      auditS: auditMs / 1000,
      auditControls,
      auditVerified: rep.eventLog.verified ?? '',
      auditFromPreviousS,
      verifyFullS: verifyMs / 1000,
      traceMs: traceTimes[1]!,
      plans,
    };
    timings.push(timing);
    return timing;
  };

  let load = await loadPredictions(FIRST, true);
  say(
    `load: ${load.rows} predictions (${WEEKS * PER_WEEK} of ${BENCH_VERSION}) with their batch events in ${s(load.ms)} s: ${Math.round(load.rows / (load.ms / 1000))} rows/s`,
  );
  say(`vacuum analyze: ${s(await maintenance())} s`);
  const warmAsOf = new Date(START + WEEKS * WEEK - 1).toISOString();
  const [warm, warmMs] = await timed(() => monitor(at(START + WEEKS * WEEK + 3_600_000), { model: BENCH_MODEL, window: 'week', asOf: warmAsOf }));
  say(`monitor, first run over the whole history (${warm.windows.length} windows computed; settled ones stored): ${s(warmMs)} s`);
  const first = await measure(`first stage (${FIRST} predictions)`, WEEKS);

  load = await loadPredictions(TOTAL, false);
  say();
  say(`load: ${load.rows} more predictions with their batch events in ${s(load.ms)} s: ${Math.round(load.rows / (load.ms / 1000))} rows/s`);
  say(`vacuum analyze: ${s(await maintenance())} s`);
  // Migration 0013's indexes, and 0014's two with the team (predictions, measurements): dropped, measured without, created again.
  const INDEXES = [...SCALE_INDEXES, AUDIT_COUNT_INDEX, MONITOR_LABELS_INDEX];
  for (const ix of INDEXES) await sql`drop index ${sql.ref(ix.name)}`.execute(st.db);
  await sql`analyze`.execute(st.db);
  const without = await measure(`full size without migration 0013's indexes and 0014's team indexes`, WEEKS + 1);
  const [, indexMs] = await timed(async () => {
    for (const ix of INDEXES)
      await st.db.schema
        .createIndex(ix.name)
        .on(ix.table)
        .columns([...ix.columns])
        .execute();
  });
  await sql`analyze`.execute(st.db);
  say();
  say(`migration 0013's indexes and 0014's team indexes created on the full tables in ${s(indexMs)} s`);
  const full = await measure(`full size with migration 0013's and 0014's indexes`, WEEKS + 2);

  say();
  say('## Summary');
  say();
  say(
    '| stage | predictions | events | predict 1,000 (s) | predict rows/s | insert path rows/s | monitor week (s) | audit one version (s) | full log verification (s) | audit from the previous checkpoint (s) | trace (ms) |',
  );
  say('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const t of timings)
    say(
      `| ${t.label} | ${t.predictions} | ${t.events} | ${t.predictS.toFixed(2)} | ${t.predictRowsPerS} | ${t.insertRowsPerS} | ${t.monitorS.toFixed(2)} | ${t.auditS.toFixed(2)} | ${t.verifyFullS.toFixed(2)} | ${t.auditFromPreviousS?.toFixed(2) ?? '–'} | ${t.traceMs.toFixed(0)} |`,
    );
  say();
  say('## Plans (EXPLAIN (ANALYZE, BUFFERS))');
  for (const t of timings) {
    say();
    say(`### ${t.label}`);
    for (const p of t.plans) {
      say();
      say(`${p.name} (${p.caller}):`);
      say('```');
      say(p.plan);
      say('```');
    }
  }
  if (values.report) writeFileSync(values.report, report.join('\n') + '\n');
  const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : 'n/a');
  console.log(
    `pg_scale predictions=${without.predictions} measurements=${full.measurements} predict_1k_s=${full.predictS.toFixed(2)} insert_rows_per_s=${full.insertRowsPerS} monitor_week_s=${full.monitorS.toFixed(2)} audit_version_s=${full.auditS.toFixed(2)} trace_ms=${full.traceMs.toFixed(0)} at_first_stage: predictions=${first.predictions} predict_1k_s=${first.predictS.toFixed(2)} insert_rows_per_s=${first.insertRowsPerS} monitor_week_s=${first.monitorS.toFixed(2)} audit_version_s=${first.auditS.toFixed(2)} trace_ms=${first.traceMs.toFixed(0)} ratio_full_vs_first: monitor=${ratio(full.monitorS, first.monitorS)} audit=${ratio(full.auditS, first.auditS)} trace=${ratio(full.traceMs, first.traceMs)} insert=${ratio(first.insertRowsPerS, full.insertRowsPerS)} without_0013_0014: monitor_week_s=${without.monitorS.toFixed(2)} audit_version_s=${without.auditS.toFixed(2)} verify_full_s: first=${first.verifyFullS.toFixed(2)} full=${full.verifyFullS.toFixed(2)}`,
  );
} finally {
  await chem?.close();
  await store?.close();
  if (values.keep) console.error(`kept database ${dbName} and workspace ${dir}`);
  else {
    // The store's pool ends its sessions asynchronously: wait until they are gone, so the drop does not kill a closing client (its error would be unhandled).
    for (let i = 0; i < 50; i++) {
      const open = await admin.query<{ n: string }>('select count(*) as n from pg_stat_activity where datname = $1', [dbName]);
      if (Number(open.rows[0]!.n) === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await admin.query(`drop database if exists ${dbName} with (force)`);
    rmSync(dir, { recursive: true, force: true });
  }
  await admin.end();
}

async function countOf(st: Store, table: 'predictions' | 'measurements' | 'events'): Promise<number> {
  return Number(
    (
      await st.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
}
