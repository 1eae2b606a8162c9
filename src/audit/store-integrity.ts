import { hashOf } from '../core/hash.js';
import { measurementDigest } from '../data/measurement-digest.js';
import type { EventRow } from '../store/event-log.js';
import type { Store } from '../store/store.js';

/** A per-version audit checks only what that version depends on (all of it when absent). */
export interface IntegrityScope {
  sources: ReadonlySet<string>;
  endpoints: ReadonlySet<string>;
  models: ReadonlySet<string>;
}

/**
 * Checks the store's mutable tables against what the event log recorded when they were
 * written. The log is verified on its own (hash chain, signatures); this catches edits to
 * the tables the log describes, made around rotguard with plain SQL:
 *
 * - sources: the row exists, and its id and file hash are those logged at ingest;
 * - measurements: each source's measurements still hash to the digest its ingest logged
 *   (a value multiplied, a row deleted or added), training data or not;
 * - gates: each endpoint's current gate is the one last logged, and its stored thresholds
 *   still hash to its name (a gate loosened in place);
 * - aliases: each alias (champion, challenger) names the version its latest promotion
 *   event names (an alias pointed at another version).
 *
 * Returns one message per disagreement; empty when the store matches the log.
 */
export async function storeIntegrity(
  store: Store,
  events: ReadonlyArray<Pick<EventRow, 'seq' | 'kind' | 'model' | 'version_id' | 'payload'>>,
  scope?: IntegrityScope,
): Promise<string[]> {
  const problems: string[] = [];
  const db = store.db;

  // Sources and their measurements.
  const ingests = new Map<string, { fileSha256: string; accepted: number; measurementsDigest?: string; seq: number }>();
  for (const e of events) {
    if (e.kind !== 'source_ingested') continue;
    const p = JSON.parse(e.payload) as { source: string; fileSha256: string; accepted: number; measurementsDigest?: string };
    if (!scope || scope.sources.has(p.source)) ingests.set(p.source, { ...p, seq: e.seq });
  }
  let sourceQuery = db.selectFrom('sources').select(['id', 'file_sha256', 'path']);
  if (scope) sourceQuery = sourceQuery.where('id', 'in', scope.sources.size ? [...scope.sources] : ['']);
  const sources = await sourceQuery.execute();
  const seen = new Set<string>();
  for (const s of sources) {
    seen.add(s.id);
    const logged = ingests.get(s.id);
    if (!logged) {
      problems.push(`source ${s.id.slice(0, 12)} (${s.path}) is in the store but its ingest is not in the event log`);
      continue;
    }
    if (s.file_sha256 !== logged.fileSha256) {
      problems.push(
        `source ${s.id.slice(0, 12)} (${s.path}): its file hash ${s.file_sha256.slice(0, 12)}… differs from the ${logged.fileSha256.slice(0, 12)}… logged at ingest (event ${logged.seq})`,
      );
    }
    const now = await measurementDigest(db, s.id);
    if (logged.measurementsDigest !== undefined ? now.digest !== logged.measurementsDigest : now.count !== logged.accepted) {
      problems.push(
        `source ${s.id.slice(0, 12)} (${s.path}): its measurements were changed after ingest (${now.count} stored, ${logged.accepted} logged${logged.measurementsDigest !== undefined ? '; digest mismatch' : ''}; event ${logged.seq})`,
      );
    }
  }
  for (const [id, logged] of ingests) {
    if (!seen.has(id)) problems.push(`source ${id.slice(0, 12)}, logged as ingested (event ${logged.seq}), is missing from the store`);
  }
  // Measurements whose source was never logged: a scan of the whole table, so a per-version audit leaves it to the full one.
  const orphans = scope ? [] : await db.selectFrom('measurements').select('source').distinct().execute();
  for (const o of orphans)
    if (!ingests.has(o.source)) problems.push(`measurements of source ${o.source.slice(0, 12)} are in the store without an ingest in the event log`);

  // Gates: the last gate_set per endpoint.
  const lastGate = new Map<string, { hash: string; seq: number }>();
  for (const e of events) {
    if (e.kind !== 'gate_set') continue;
    const p = JSON.parse(e.payload) as { endpoint: string; hash: string };
    if (!scope || scope.endpoints.has(p.endpoint)) lastGate.set(p.endpoint, { hash: p.hash, seq: e.seq });
  }
  const gates = (await db.selectFrom('gates').selectAll().orderBy('created_at', 'desc').execute()).filter((g) => !scope || scope.endpoints.has(g.endpoint));
  const current = new Map<string, (typeof gates)[number]>();
  for (const g of gates) {
    if (!current.has(g.endpoint)) current.set(g.endpoint, g);
    let thresholds: unknown;
    try {
      thresholds = JSON.parse(g.thresholds);
    } catch {
      thresholds = g.thresholds;
    }
    if (hashOf({ endpoint: g.endpoint, gate: thresholds }) !== g.hash)
      problems.push(`the gate ${g.hash.slice(0, 12)} of ${g.endpoint} was edited in place: its thresholds no longer hash to its name`);
  }
  for (const [endpoint, logged] of lastGate) {
    const g = current.get(endpoint);
    if (!g) problems.push(`the gate of ${endpoint} set in event ${logged.seq} is missing from the store`);
    else if (g.hash !== logged.hash)
      problems.push(
        `the current gate of ${endpoint} (${g.hash.slice(0, 12)}) is not the one last set in the log (${logged.hash.slice(0, 12)}, event ${logged.seq})`,
      );
  }
  for (const endpoint of current.keys()) if (!lastGate.has(endpoint)) problems.push(`${endpoint} has a gate in the store that was never logged`);

  // Aliases: the latest promotion per (model, alias).
  const promoted = new Map<string, { version: string; seq: number }>();
  for (const e of events) {
    if (!e.kind.startsWith('promoted_') || !e.model || !e.version_id || (scope && !scope.models.has(e.model))) continue;
    promoted.set(`${e.model}\u0000${e.kind.slice('promoted_'.length)}`, { version: e.version_id, seq: e.seq });
  }
  const aliases = (await db.selectFrom('model_aliases').selectAll().execute()).filter((a) => !scope || scope.models.has(a.model));
  const aliasSeen = new Set<string>();
  for (const a of aliases) {
    const key = `${a.model}\u0000${a.alias}`;
    aliasSeen.add(key);
    const logged = promoted.get(key);
    if (!logged) problems.push(`${a.model}@${a.alias} points at ${a.version_id}, but no promotion to ${a.alias} is in the event log`);
    else if (logged.version !== a.version_id)
      problems.push(`${a.model}@${a.alias} points at ${a.version_id}, but the log's latest promotion to ${a.alias} is ${logged.version} (event ${logged.seq})`);
  }
  for (const [key, logged] of promoted) {
    if (!aliasSeen.has(key))
      problems.push(`${logged.version} was promoted to ${key.split('\u0000')[1]} (event ${logged.seq}) but the alias is missing from the store`);
  }
  return problems;
}
