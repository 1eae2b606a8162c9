import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { canonicalJson } from '../core/hash.js';
import { sqlBackendOf } from '../store/event-log.js';
import type { Database, Row } from '../store/schema.js';

/**
 * The digest of one source's measurements as stored: sha256 over one canonical-JSON line
 * per measurement (every column), in id byte order. Ingest records it in the source's
 * `source_ingested` event, in the same transaction; the audit recomputes it, so a value
 * multiplied in place, a measurement deleted or one added with SQL is found, training
 * data or not. Read in pages: memory stays bounded.
 */
export async function measurementDigest(db: Kysely<Database> | Transaction<Database>, source: string): Promise<{ count: number; digest: string }> {
  const h = createHash('sha256');
  const id = sqlBackendOf(db) === 'postgres' ? sql<string>`id collate "C"` : sql<string>`id`;
  let count = 0;
  let last: string | null = null;
  for (;;) {
    let q = db.selectFrom('measurements').selectAll().where('source', '=', source);
    if (last !== null) q = q.where(id, '>', last);
    const page = await q.orderBy(id).limit(2000).execute();
    for (const m of page) {
      h.update(measurementDigestLine(m));
      last = m.id;
      count++;
    }
    if (page.length < 2000) break;
  }
  return { count, digest: h.digest('hex') };
}

/** One measurement's line in a source's digest (the digest hashes these lines in id byte order). */
export function measurementDigestLine(m: Row<'measurements'>): string {
  return (
    canonicalJson([
      m.id,
      m.inchikey,
      m.protocol_version,
      m.endpoint,
      m.source,
      m.source_line,
      m.team,
      m.site,
      m.batch,
      m.value,
      m.qualifier,
      m.raw_value,
      m.raw_unit,
      m.measured_at,
      m.reported_at,
    ]) + '\n'
  );
}
