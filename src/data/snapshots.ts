import { nowIso } from '../core/clock.js';
import { actingTeam } from '../core/acting-team.js';
import { isIsoDate } from '../core/iso-date.js';
import { RotguardError } from '../core/errors.js';
import { decodeJson } from '../core/decode.js';
import { canonicalJson } from '../core/hash.js';
import { ksStatistic, mean, median, summarize, type Summary } from '../stats/describe.js';
import { appendEvent } from '../store/event-log.js';
import type { Store } from '../store/store.js';
import { readSnapshotBlob, snapshotDefinitionDecoder } from './decoders.js';
import { getEndpoint } from './endpoints.js';

/**
 * A dataset snapshot is an immutable, content-addressed selection of measurements for
 * one endpoint plus the rule that turns replicates into one label per compound. Its
 * hash covers the definition and every selected measurement (id and value), so the same
 * selection always has the same hash and any change — a new measurement, a relabel,
 * another aggregation rule — gives a new one.
 */
export interface SnapshotDefinition {
  endpoint: string;
  /** Protocol version ids ("name@2"); all versions of the endpoint when omitted. */
  protocolVersions?: string[];
  sites?: string[];
  teams?: string[];
  /** Inclusive window on measured_at (ISO dates); rows without a date are left out when set. */
  measuredFrom?: string;
  measuredTo?: string;
  /** As-of cut: only labels reported on or before this date (what was known then). */
  reportedBy?: string;
  aggregation: {
    /** How replicate labels of one compound combine (on the label scale, e.g. log10). */
    method: 'mean' | 'median';
    /**
     * drop: ignore censored values; as_bound: use the bound as if exact;
     * prefer_exact: exact values when a compound has any, else the tightest bound, kept censored.
     */
    censored: 'drop' | 'as_bound' | 'prefer_exact';
  };
}

export interface SnapshotRow {
  inchikey: string;
  smiles: string;
  label: number;
  qualifier: '=' | '<' | '>';
  n: number;
  measurements: string[];
}

export interface SnapshotContent {
  definition: SnapshotDefinition;
  endpoint: { name: string; unit: string; transform: string; hash: string };
  rows: SnapshotRow[];
}

export interface SnapshotInfo {
  hash: string;
  endpoint: string;
  definition: SnapshotDefinition;
  measurements: number;
  compounds: number;
  createdAt: string;
  createdBy: string;
}

export function normalizeDefinition(d: SnapshotDefinition): SnapshotDefinition {
  const list = (xs?: string[]) => (xs?.length ? [...new Set(xs)].sort() : undefined);
  const out: SnapshotDefinition = { endpoint: d.endpoint, aggregation: { method: d.aggregation.method, censored: d.aggregation.censored } };
  if (!['mean', 'median'].includes(d.aggregation.method))
    throw new RotguardError('bad_aggregation', `aggregation must be mean or median, got "${d.aggregation.method}"`, { field: 'aggregation' });
  if (!['drop', 'as_bound', 'prefer_exact'].includes(d.aggregation.censored))
    throw new RotguardError('bad_aggregation', `censored must be drop, as_bound or prefer_exact, got "${d.aggregation.censored}"`, { field: 'censored' });
  const pv = list(d.protocolVersions);
  if (pv) out.protocolVersions = pv;
  const sites = list(d.sites);
  if (sites) out.sites = sites;
  const teams = list(d.teams);
  if (teams) out.teams = teams;
  for (const k of ['measuredFrom', 'measuredTo', 'reportedBy'] as const) {
    const v = d[k];
    if (v !== undefined) {
      if (!isIsoDate(v)) throw new RotguardError('bad_date', `${k} must be an ISO date, got "${v}"`, { field: k });
      out[k] = v;
    }
  }
  return out;
}

/** Builds (or finds) the snapshot for a definition. Creating the same selection twice returns the same hash. */
export async function createSnapshot(store: Store, def: SnapshotDefinition, actor: string): Promise<{ status: 'created' | 'exists'; info: SnapshotInfo }> {
  const definition = normalizeDefinition(def);
  const endpoint = await getEndpoint(store, definition.endpoint);
  let q = store.db
    .selectFrom('measurements as m')
    .innerJoin('compounds as c', 'c.inchikey', 'm.inchikey')
    .innerJoin('protocol_versions as p', 'p.id', 'm.protocol_version')
    .select(['m.id', 'm.inchikey', 'c.smiles', 'm.value', 'm.qualifier', 'm.measured_at', 'm.reported_at', 'p.censor_floor', 'p.censor_ceiling'])
    .where('m.endpoint', '=', endpoint.name);
  if (definition.protocolVersions) q = q.where('m.protocol_version', 'in', definition.protocolVersions);
  if (definition.sites) q = q.where('m.site', 'in', definition.sites);
  if (definition.teams) q = q.where('m.team', 'in', definition.teams);
  if (definition.measuredFrom) q = q.where('m.measured_at', '>=', definition.measuredFrom);
  // Dates are ISO text: "2024-03-31T10:00Z" sorts after "2024-03-31", so compare with the next day.
  if (definition.measuredTo) q = q.where('m.measured_at', '<', nextDay(definition.measuredTo));
  if (definition.reportedBy) q = q.where('m.reported_at', '<', nextDay(definition.reportedBy));
  // Order in JS, not SQL: PostgreSQL sorts text by locale, SQLite by bytes, and the hash must not depend on the backend.
  const selected = (await q.execute())
    .map(censorAtLimits)
    .sort((x, y) => (x.inchikey < y.inchikey ? -1 : x.inchikey > y.inchikey ? 1 : x.id < y.id ? -1 : x.id > y.id ? 1 : 0));

  const toLabel = endpoint.transform === 'log10' ? Math.log10 : (v: number) => v;
  const byCompound = new Map<string, typeof selected>();
  for (const m of selected) {
    const list = byCompound.get(m.inchikey);
    if (list) list.push(m);
    else byCompound.set(m.inchikey, [m]);
  }
  const rows: SnapshotRow[] = [];
  let used = 0;
  for (const [inchikey, ms] of byCompound) {
    const row = aggregate(ms, definition.aggregation, toLabel);
    if (!row) continue;
    used += row.measurements.length;
    rows.push({ inchikey, smiles: ms[0]!.smiles, ...row });
  }
  const content: SnapshotContent = {
    definition,
    endpoint: { name: endpoint.name, unit: endpoint.unit, transform: endpoint.transform, hash: endpoint.hash },
    rows,
  };
  const hash = await store.blobs.put(canonicalJson(content));
  const existing = await store.db.selectFrom('snapshots').selectAll().where('hash', '=', hash).executeTakeFirst();
  if (existing) return { status: 'exists', info: infoFromRow(existing) };
  const record = {
    hash,
    endpoint: endpoint.name,
    definition: canonicalJson(definition),
    blob: hash,
    measurements: used,
    compounds: rows.length,
    created_at: nowIso(),
    created_by: actor,
    team: snapshotTeam(definition),
  };
  await store.db.transaction().execute(async (trx) => {
    const r = await trx
      .insertInto('snapshots')
      .values(record)
      .onConflict((oc) => oc.column('hash').doNothing())
      .executeTakeFirst();
    // Another process may have created the same snapshot a moment ago: then it logged it.
    if (Number(r.numInsertedOrUpdatedRows ?? 0) === 0) return;
    await appendEvent(trx, {
      kind: 'snapshot_created',
      team: record.team,
      subject: `snapshot:${hash}`,
      actor,
      reason: `${endpoint.name} snapshot: ${rows.length} compounds from ${used} measurements`,
      payload: { hash, endpoint: endpoint.name, definition, measurements: used, compounds: rows.length },
    });
  });
  return { status: 'created', info: infoFromRow(record) };
}

/**
 * The team that owns a snapshot: the acting team, else the definition's only team; null
 * when neither names one (a local workspace selecting several teams' data).
 */
function snapshotTeam(d: SnapshotDefinition): string | null {
  return actingTeam() ?? (d.teams?.length === 1 ? d.teams[0]! : null);
}

/**
 * An exact value at or beyond its protocol version's declared floor (ceiling) is a bound:
 * '<' ('>') at that value. Values with a qualifier keep it.
 */
function censorAtLimits<M extends { value: number; qualifier: string; censor_floor: number | null; censor_ceiling: number | null }>(m: M): M {
  if (m.qualifier !== '=') return m;
  if (m.censor_floor !== null && m.value <= m.censor_floor) return { ...m, qualifier: '<' };
  if (m.censor_ceiling !== null && m.value >= m.censor_ceiling) return { ...m, qualifier: '>' };
  return m;
}

function aggregate(
  ms: Array<{ id: string; value: number; qualifier: string }>,
  rule: SnapshotDefinition['aggregation'],
  toLabel: (v: number) => number,
): Omit<SnapshotRow, 'inchikey' | 'smiles'> | null {
  const exact = ms.filter((m) => m.qualifier === '=');
  const combine = rule.method === 'mean' ? mean : median;
  let chosen = exact;
  let qualifier: SnapshotRow['qualifier'] = '=';
  if (rule.censored === 'as_bound') chosen = ms;
  else if (rule.censored === 'prefer_exact' && !exact.length) {
    // Only bounds: keep the tightest one, still censored ("< 1" and "< 5" → "< 1").
    const lower = ms.filter((m) => m.qualifier === '<');
    const upper = ms.filter((m) => m.qualifier === '>');
    if (lower.length && !upper.length) {
      const best = lower.reduce((a, b) => (b.value < a.value ? b : a));
      return { label: toLabel(best.value), qualifier: '<', n: 1, measurements: [best.id] };
    }
    if (upper.length && !lower.length) {
      const best = upper.reduce((a, b) => (b.value > a.value ? b : a));
      return { label: toLabel(best.value), qualifier: '>', n: 1, measurements: [best.id] };
    }
    return null; // contradictory bounds: no label
  }
  if (!chosen.length) return null;
  if (rule.censored === 'as_bound' && !exact.length)
    qualifier = chosen.every((m) => m.qualifier === '<') ? '<' : chosen.every((m) => m.qualifier === '>') ? '>' : '=';
  return { label: combine(chosen.map((m) => toLabel(m.value))), qualifier, n: chosen.length, measurements: chosen.map((m) => m.id).sort() };
}

function nextDay(date: string): string {
  const d = new Date(`${date.slice(0, 10)}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function infoFromRow(r: {
  hash: string;
  endpoint: string;
  definition: string;
  measurements: number;
  compounds: number;
  created_at: string;
  created_by: string;
}): SnapshotInfo {
  return {
    hash: r.hash,
    endpoint: r.endpoint,
    definition: decodeJson(r.definition, snapshotDefinitionDecoder, { kind: 'row', what: 'definition of snapshot', id: r.hash }),
    measurements: r.measurements,
    compounds: r.compounds,
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

/** Accepts a full hash or a unique prefix (at least 8 hex digits). */
export async function resolveSnapshot(store: Store, ref: string): Promise<SnapshotInfo> {
  if (!/^[0-9a-f]{8,64}$/.test(ref)) throw new RotguardError('bad_snapshot_ref', `"${ref}" is not a snapshot hash (8–64 hex digits)`);
  const rows = await store.db.selectFrom('snapshots').selectAll().where('hash', 'like', `${ref}%`).limit(2).execute();
  if (!rows.length) throw new RotguardError('unknown_snapshot', `no snapshot ${ref}; see "rotguard datasets list"`);
  if (rows.length > 1) throw new RotguardError('ambiguous_snapshot', `${ref} matches several snapshots; give more digits`);
  return infoFromRow(rows[0]!);
}

export async function readSnapshot(store: Store, ref: string): Promise<SnapshotContent & { info: SnapshotInfo }> {
  const info = await resolveSnapshot(store, ref);
  const content = await readSnapshotBlob(store.blobs, info.hash);
  return { ...content, info };
}

export async function listSnapshots(store: Store, endpoint?: string): Promise<SnapshotInfo[]> {
  let q = store.db.selectFrom('snapshots').selectAll();
  if (endpoint) q = q.where('endpoint', '=', endpoint);
  return (await q.orderBy('created_at').execute()).map(infoFromRow);
}

export interface SnapshotDiff {
  a: string;
  b: string;
  added: string[];
  removed: string[];
  relabelled: Array<{ inchikey: string; from: number; to: number; fromQualifier: string; toQualifier: string }>;
  unchanged: number;
  labels: { a: Summary; b: Summary; meanShift: number; ks: number };
}

/** Compounds added, removed and relabelled from A to B, and how the label distribution moved. */
export async function diffSnapshots(store: Store, refA: string, refB: string): Promise<SnapshotDiff> {
  const a = await readSnapshot(store, refA);
  const b = await readSnapshot(store, refB);
  const inA = new Map(a.rows.map((r) => [r.inchikey, r]));
  const inB = new Map(b.rows.map((r) => [r.inchikey, r]));
  const added = b.rows.filter((r) => !inA.has(r.inchikey)).map((r) => r.inchikey);
  const removed = a.rows.filter((r) => !inB.has(r.inchikey)).map((r) => r.inchikey);
  const relabelled: SnapshotDiff['relabelled'] = [];
  let unchanged = 0;
  for (const r of b.rows) {
    const old = inA.get(r.inchikey);
    if (!old) continue;
    if (Math.abs(old.label - r.label) > 1e-9 || old.qualifier !== r.qualifier) {
      relabelled.push({ inchikey: r.inchikey, from: old.label, to: r.label, fromQualifier: old.qualifier, toQualifier: r.qualifier });
    } else unchanged++;
  }
  const la = a.rows.map((r) => r.label);
  const lb = b.rows.map((r) => r.label);
  const sa = summarize(la);
  const sb = summarize(lb);
  return {
    a: a.info.hash,
    b: b.info.hash,
    added,
    removed,
    relabelled,
    unchanged,
    labels: { a: sa, b: sb, meanShift: sb.mean - sa.mean, ks: ksStatistic(la, lb) },
  };
}
