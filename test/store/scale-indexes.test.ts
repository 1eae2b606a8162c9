import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sql } from 'kysely';
import { SCALE_INDEXES } from '../../src/store/migrations.js';
import { forEachBackend } from './backends.js';

/**
 * Migration 0013_scale_indexes creates the indexes bench/scale found the hot reads need,
 * on both backends, on the columns it declares.
 */
forEachBackend('migration 0013_scale_indexes', (b) => {
  it('creates every scale index on its table and columns', async () => {
    const store = await b.openFresh();
    for (const ix of SCALE_INDEXES) {
      const columns =
        b.backend === 'postgres'
          ? (
              await sql<{ column: string }>`
                select a.attname as column from pg_index i
                join pg_class c on c.oid = i.indexrelid
                join pg_class t on t.oid = i.indrelid
                join pg_attribute a on a.attrelid = t.oid and a.attnum = any(i.indkey)
                where c.relname = ${ix.name} and t.relname = ${ix.table}
                order by array_position(i.indkey::int2[], a.attnum)`.execute(store.db)
            ).rows.map((r) => r.column)
          : (await sql<{ name: string }>`select name from pragma_index_info(${ix.name})`.execute(store.db)).rows.map((r) => r.name);
      assert.deepEqual(columns, ix.columns, `${ix.name} on ${ix.table}`);
    }
  });
});
