/**
 * The hot queries of predict, monitor, the per-version audit and trace, built with the same
 * Kysely calls the code makes, run under EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL. Their plans
 * go into RESULTS.md, before and after migration 0013's indexes.
 */
import { CompiledQuery, sql } from 'kysely';
import type { Store } from '../../src/store/store.js';

export interface HotQuery {
  name: string;
  /** Which command issues it and how often. */
  caller: string;
  compiled: CompiledQuery;
}

export function hotQueries(
  store: Store,
  o: {
    model: string;
    versionId: string;
    endpoint: string;
    featureHash: string;
    request: string;
    predictionId: string;
    /** The per-version audit's subjects (`source:<id>`, `gate:<endpoint>`). */
    subjects: string[];
    checkpointSeq: number;
  },
): HotQuery[] {
  const db = store.db;
  const idC = sql<string>`id collate "C"`;
  return [
    {
      name: 'monitor: the model’s predictions',
      caller: 'monitorModel, once per run',
      compiled: db.selectFrom('predictions').selectAll().where('model_version', 'in', [o.versionId]).orderBy('requested_at').orderBy('id').compile(),
    },
    {
      name: 'monitor: the model’s logged batches',
      caller: 'monitorModel (loggedPredictions), once per run',
      compiled: db.selectFrom('events').selectAll().where('model', '=', o.model).where('kind', '=', 'predicted').orderBy('seq').compile(),
    },
    {
      name: 'monitor: labels reported (count by window end)',
      caller: 'monitorModel, once per run',
      compiled: db.selectFrom('measurements').select('reported_at').where('endpoint', '=', o.endpoint).compile(),
    },
    {
      name: 'monitor: the endpoint’s exact labels with scaffolds',
      caller: 'monitor versionContext, once per version per run',
      compiled: db
        .selectFrom('measurements as m')
        .leftJoin('feature_cache as f', (j) => j.onRef('f.inchikey', '=', 'm.inchikey').on('f.feature_hash', '=', o.featureHash))
        .select(['m.id', 'm.inchikey', 'm.value', 'm.protocol_version', 'm.measured_at', 'm.reported_at', 'f.scaffold'])
        .where('m.endpoint', '=', o.endpoint)
        .where('m.qualifier', '=', '=')
        .compile(),
    },
    {
      name: 'monitor: settled windows',
      caller: 'monitorModel, once per run',
      compiled: db.selectFrom('window_evidence').select(['key', 'blob', 'settled_as_of']).where('model_version', 'in', [o.versionId]).compile(),
    },
    {
      name: 'audit: the model’s events',
      caller: 'per-version audit (eventsOfScope), once',
      compiled: db.selectFrom('events').selectAll().where('model', '=', o.model).orderBy('seq').compile(),
    },
    {
      name: 'audit: the events about its sources and gate',
      caller: 'per-version audit (eventsOfScope), once per 500 subjects',
      compiled: db.selectFrom('events').selectAll().where('subject', 'in', o.subjects).compile(),
    },
    {
      name: 'audit: the latest checkpoint',
      caller: 'per-version audit (verifyFromCheckpoint), once',
      compiled: db.selectFrom('event_checkpoints').selectAll().orderBy('seq', 'desc').limit(1).compile(),
    },
    {
      name: 'audit: the events after the checkpoint (one page)',
      caller: 'per-version audit (verifyEventLog from the checkpoint), once per 1,000 events',
      compiled: db.selectFrom('events').selectAll().where('seq', '>', o.checkpointSeq).orderBy('seq').limit(1000).compile(),
    },
    {
      name: 'audit: stored batches of the version',
      caller:
        'serve.predictions_traceable, only when the logged batches do not add up to the version’s count (before issue 18’s audit change: once per version)',
      compiled: db
        .selectFrom('predictions')
        .select(['request', 'batch', (eb) => eb.fn.countAll<number>().as('n')])
        .where('model_version', '=', o.versionId)
        .groupBy(['request', 'batch'])
        .compile(),
    },
    {
      name: 'audit: one request’s digest page (all its batches)',
      caller: 'requestBatchDigests, once per logged request of 1,000 (before: requestDigest, once per batch of 256)',
      compiled: db
        .selectFrom('predictions')
        .select(['id', 'value', 'input_hash', 'model_version', 'batch', 'feature_hash'])
        .where('request', '=', o.request)
        .orderBy(idC)
        .limit(1000)
        .compile(),
    },
    {
      name: 'audit: latest prediction of the version',
      caller: 'monitor.recent, once per version',
      compiled: db.selectFrom('predictions').select('requested_at').where('model_version', '=', o.versionId).orderBy('requested_at', 'desc').limit(1).compile(),
    },
    {
      name: 'audit: predictions of the version',
      caller: 'serve.predictions_traceable and auditReport count, twice per version',
      compiled: db
        .selectFrom('predictions')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('model_version', '=', o.versionId)
        .compile(),
    },
    {
      name: 'trace: the prediction',
      caller: 'tracePrediction, once',
      compiled: db.selectFrom('predictions').selectAll().where('id', '=', o.predictionId).compile(),
    },
  ];
}

/** EXPLAIN (ANALYZE, BUFFERS) of a compiled query, as text. */
export async function explain(store: Store, q: CompiledQuery): Promise<string> {
  const r = await store.db.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain (analyze, buffers) ${q.sql}`, [...q.parameters]));
  return r.rows.map((x) => x['QUERY PLAN']).join('\n');
}
