import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { canonicalJson } from '../core/hash.js';
import { sqlBackendOf } from '../store/event-log.js';
import type { Database } from '../store/schema.js';

/**
 * The digest of one prediction request as stored: sha256 over one line per prediction,
 * `canonicalJson([id, value, input_hash, model_version]) + "\n"`, in ascending id order
 * (byte order; ids are lower-case uuids). `predict` records it in the request's
 * `predicted` event, so the audit can recompute it later and see whether any prediction
 * of the request was altered, added or removed. Read in pages over the (request, id)
 * index: memory stays bounded for any request size.
 */
export async function requestDigest(db: Kysely<Database> | Transaction<Database>, request: string, batch?: number): Promise<{ count: number; digest: string }> {
  const h = createHash('sha256');
  let count = 0;
  // Byte order on both backends (PostgreSQL's default collation follows its locale).
  const id = sqlBackendOf(db) === 'postgres' ? sql<string>`id collate "C"` : sql<string>`id`;
  let last: string | null = null;
  for (;;) {
    let q = db.selectFrom('predictions').select(['id', 'value', 'input_hash', 'model_version']).where('request', '=', request);
    if (batch !== undefined) q = q.where('batch', '=', batch);
    if (last !== null) q = q.where(id, '>', last);
    const page = await q.orderBy(id).limit(1000).execute();
    for (const r of page) {
      if (last !== null && !(r.id > last))
        throw new Error(`requestDigest: predictions of request ${request} did not come back in id order (${last} then ${r.id})`);
      h.update(canonicalJson([r.id, r.value, r.input_hash, r.model_version]) + '\n');
      last = r.id;
      count++;
    }
    if (page.length < 1000) break;
  }
  return { count, digest: h.digest('hex') };
}

/**
 * Rows per page of requestBatchDigests: a request of up to this many predictions is one query
 * (a next page costs about as much as the first on PostgreSQL: the id bound under "C"
 * collation is checked on the request's rows, not found in the index). Larger requests are
 * read in pages, so memory stays bounded.
 */
const BATCH_DIGEST_PAGE = 4096;

export interface BatchDigest {
  count: number;
  digest: string;
  /** How many of the batch's rows were computed with each feature version (not part of the digest). */
  features: Map<string, number>;
}

/**
 * In one pass over a request's rows (by request, in id byte order, a page at a time), the
 * digest of each of its batches (key null: rows stored without a batch) and of the whole
 * request (what a legacy, pre-0007 event logged): each equal to `requestDigest` of that batch
 * or request. The audit reads a request once instead of once per batch: the per-batch query
 * reads the request's rows through the (request, id) index and drops the other batches'.
 */
export async function requestBatchDigests(
  db: Kysely<Database> | Transaction<Database>,
  request: string,
): Promise<{ whole: BatchDigest; batches: Map<number | null, BatchDigest> }> {
  const start = () => ({ hash: createHash('sha256'), count: 0, features: new Map<string, number>() });
  const whole = start();
  const batches = new Map<number | null, ReturnType<typeof start>>();
  const id = sqlBackendOf(db) === 'postgres' ? sql<string>`id collate "C"` : sql<string>`id`;
  let last: string | null = null;
  for (;;) {
    let q = db.selectFrom('predictions').select(['id', 'value', 'input_hash', 'model_version', 'batch', 'feature_hash']).where('request', '=', request);
    if (last !== null) q = q.where(id, '>', last);
    const page = await q.orderBy(id).limit(BATCH_DIGEST_PAGE).execute();
    for (const r of page) {
      if (last !== null && !(r.id > last))
        throw new Error(`requestBatchDigests: predictions of request ${request} did not come back in id order (${last} then ${r.id})`);
      const line = canonicalJson([r.id, r.value, r.input_hash, r.model_version]) + '\n';
      const b = batches.get(r.batch ?? null) ?? batches.set(r.batch ?? null, start()).get(r.batch ?? null)!;
      for (const d of [whole, b]) {
        d.hash.update(line);
        d.count++;
        d.features.set(r.feature_hash, (d.features.get(r.feature_hash) ?? 0) + 1);
      }
      last = r.id;
    }
    if (page.length < BATCH_DIGEST_PAGE) break;
  }
  const done = (d: ReturnType<typeof start>): BatchDigest => ({ count: d.count, digest: d.hash.digest('hex'), features: d.features });
  return { whole: done(whole), batches: new Map([...batches].map(([k, d]) => [k, done(d)])) };
}

/** The same digest over rows in memory (one batch as it is being stored): sorted by id, byte order. */
export function rowsDigest(rows: ReadonlyArray<{ id: string; value: number; input_hash: string; model_version: string }>): { count: number; digest: string } {
  const h = createHash('sha256');
  const sorted = [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const r of sorted) h.update(canonicalJson([r.id, r.value, r.input_hash, r.model_version]) + '\n');
  return { count: rows.length, digest: h.digest('hex') };
}
