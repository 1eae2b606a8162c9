import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { sql } from 'kysely';
import { AUDIT_COUNT_INDEX, MONITOR_LABELS_INDEX } from '../../src/store/migrations.js';
import type { NewRow } from '../../src/store/schema.js';
import type { Store } from '../../src/store/store.js';
import { forEachBackend } from './backends.js';
import { endpointRow, modelVersionRow, predictionRow } from './fixture-rows.js';

/**
 * Migration 0014_audit_scale: the indexes of the per-version audit exist on both backends,
 * and on PostgreSQL, where row-level security checks every row's team, counting a version's
 * predictions can be an index-only scan (the audit's traceability check; bench/scale).
 */

async function indexColumns(store: Store, name: string, table: string): Promise<string[]> {
  if (store.backend === 'sqlite') return (await sql<{ name: string }>`select name from pragma_index_info(${name})`.execute(store.db)).rows.map((r) => r.name);
  return (
    await sql<{ column: string }>`
      select a.attname as column from pg_index i
      join pg_class c on c.oid = i.indexrelid
      join pg_class t on t.oid = i.indrelid
      join pg_attribute a on a.attrelid = t.oid and a.attnum = any(i.indkey)
      where c.relname = ${name} and t.relname = ${table}
      order by array_position(i.indkey::int2[], a.attnum)`.execute(store.db)
  ).rows.map((r) => r.column);
}

forEachBackend('migration 0014_audit_scale', (b) => {
  it('creates the events (subject, seq) and predictions (model_version, team) indexes', async () => {
    const store = await b.openFresh();
    assert.deepEqual(await indexColumns(store, 'events_subject_seq', 'events'), ['subject', 'seq']);
    assert.deepEqual(await indexColumns(store, AUDIT_COUNT_INDEX.name, AUDIT_COUNT_INDEX.table), AUDIT_COUNT_INDEX.columns);
    assert.deepEqual(await indexColumns(store, MONITOR_LABELS_INDEX.name, MONITOR_LABELS_INDEX.table), MONITOR_LABELS_INDEX.columns);
  });

  it('reads an endpoint’s label dates without reading the table', { skip: b.backend === 'sqlite' ? 'row-level security is PostgreSQL’s' : false }, async () => {
    const store = await b.openFresh();
    await sql`analyze measurements`.execute(store.db);
    const plan = await store.db.transaction().execute(async (trx) => {
      await sql`set local enable_seqscan = off`.execute(trx);
      await sql`set local enable_bitmapscan = off`.execute(trx);
      const { rows } = await sql<{ 'QUERY PLAN': string }>`explain select reported_at from measurements where endpoint = 'logd'`.execute(trx);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    assert.match(plan, /rotguard\.team/, 'row-level security applies');
    assert.match(plan, new RegExp(`Index Only Scan using ${MONITOR_LABELS_INDEX.name} on measurements`), plan);
  });

  it('counts a version’s predictions without reading the table', { skip: b.backend === 'sqlite' ? 'row-level security is PostgreSQL’s' : false }, async () => {
    const store = await b.openFresh();
    await store.db.insertInto('endpoints').values(endpointRow()).execute();
    const row = (version: string, i: number): NewRow<'predictions'> =>
      predictionRow({ id: randomUUID(), request: `r${Math.floor(i / 100)}`, model_version: version, input_id: `x${i}`, value: i, team: 'dmpk' });
    for (let k = 0; k < 4; k++)
      await store.db
        .insertInto('model_versions')
        .values(modelVersionRow({ id: `m@${k}`, model: 'm', version: k, team: 'dmpk' }))
        .execute();
    for (let k = 0; k < 4; k++)
      await store.db
        .insertInto('predictions')
        .values(Array.from({ length: 500 }, (_, i) => row(`m@${k}`, i)))
        .execute();
    await sql`vacuum analyze predictions`.execute(store.db);
    const plan = await store.db.transaction().execute(async (trx) => {
      // A plan the planner may pick on a small table is forced toward the indexes: which one it can use is what is tested.
      await sql`set local enable_seqscan = off`.execute(trx);
      await sql`set local enable_bitmapscan = off`.execute(trx);
      const q = trx
        .selectFrom('predictions')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('model_version', '=', 'm@2')
        .compile();
      const { rows } = await sql<{ 'QUERY PLAN': string }>`explain ${sql.raw(q.sql.replace('$1', "'m@2'"))}`.execute(trx);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    assert.match(plan, /Filter: .*rotguard\.team/, 'row-level security applies');
    assert.match(plan, new RegExp(`Index Only Scan using ${AUDIT_COUNT_INDEX.name} on predictions`), plan);
  });
});
