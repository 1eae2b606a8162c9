import { AtomicFileWriter, csvField } from '../core/atomic-file.js';
import type { Store } from '../store/store.js';

const COLUMNS = [
  'id',
  'request',
  'model_version',
  'feature_hash',
  'input_hash',
  'input_id',
  'inchikey',
  'smiles',
  'value',
  'uncertainty',
  'interval_level',
  'lower',
  'upper',
  'max_similarity',
  'nearest_inchikey',
  'scaffold',
  'scaffold_seen',
  'model_frozen',
  'requested_by',
  'requested_at',
] as const;

/**
 * Exports prediction records (all, or one model's, or one request's) to CSV or JSON
 * Lines, paging through the store so memory stays bounded. Returns the row count.
 */
export async function exportPredictions(store: Store, o: { out: string; model?: string; request?: string }): Promise<number> {
  const jsonl = o.out.endsWith('.jsonl');
  const w = new AtomicFileWriter(o.out, { extensions: ['.csv', '.jsonl'] });
  if (!jsonl) w.write(COLUMNS.join(',') + '\n');
  let n = 0;
  let after = '';
  try {
    for (;;) {
      let q = store.db
        .selectFrom('predictions')
        .select([...COLUMNS])
        .where('id', '>', after);
      if (o.model) q = q.where((eb) => eb.or([eb('model_version', '=', o.model!), eb('model_version', 'like', `${o.model}@%`)]));
      if (o.request) q = q.where('request', '=', o.request);
      const page = await q.orderBy('id').limit(5000).execute();
      if (!page.length) break;
      for (const r of page) {
        w.write(jsonl ? JSON.stringify(r) + '\n' : COLUMNS.map((c) => csvField((r[c] ?? '') as string | number)).join(',') + '\n');
      }
      n += page.length;
      after = page[page.length - 1]!.id;
    }
    w.commit();
  } catch (e) {
    w.abort();
    throw e;
  }
  return n;
}
