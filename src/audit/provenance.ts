import { readSnapshotBlob } from '../data/decoders.js';
import type { Store } from '../store/store.js';

/**
 * Where a set of measurements (a snapshot's) came from: how many are still in the store,
 * and their counts per source file and per protocol version. One pass over the rows, in
 * chunks (SQL parameter limits); shared by the controls, the lineage graph and the trace.
 */
export interface MeasurementProvenance {
  /** Measurement ids asked about. */
  total: number;
  /** Of those, still in the store. */
  found: number;
  bySource: Map<string, { protocolVersion: string; measurements: number }>;
  byProtocol: Map<string, { sources: Set<string>; measurements: number }>;
}

const CHUNK = 500;

export async function measurementProvenance(store: Store, ids: readonly string[]): Promise<MeasurementProvenance> {
  const out: MeasurementProvenance = { total: ids.length, found: 0, bySource: new Map(), byProtocol: new Map() };
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await store.db
      .selectFrom('measurements')
      .select(['source', 'protocol_version'])
      .where('id', 'in', ids.slice(i, i + CHUNK))
      .execute();
    out.found += rows.length;
    for (const r of rows) {
      const s = out.bySource.get(r.source) ?? out.bySource.set(r.source, { protocolVersion: r.protocol_version, measurements: 0 }).get(r.source)!;
      s.measurements++;
      const p =
        out.byProtocol.get(r.protocol_version) ?? out.byProtocol.set(r.protocol_version, { sources: new Set(), measurements: 0 }).get(r.protocol_version)!;
      p.sources.add(r.source);
      p.measurements++;
    }
  }
  return out;
}

/** A snapshot's measurement ids and their provenance, read once per snapshot for a whole audit. */
export interface SnapshotProvenance {
  rows: Array<{ inchikey: string; measurements: string[] }>;
  provenance: MeasurementProvenance;
}

export function snapshotProvenanceCache(store: Store): (snapshot: string) => Promise<SnapshotProvenance> {
  const cache = new Map<string, Promise<SnapshotProvenance>>();
  return (snapshot) => {
    let p = cache.get(snapshot);
    if (!p) {
      p = (async () => {
        const content = await readSnapshotBlob(store.blobs, snapshot);
        return {
          rows: content.rows,
          provenance: await measurementProvenance(
            store,
            content.rows.flatMap((r) => r.measurements),
          ),
        };
      })();
      cache.set(snapshot, p);
    }
    return p;
  };
}
