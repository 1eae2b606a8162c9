import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nowIso } from '../core/clock.js';
import { csvField } from '../core/atomic-file.js';
import { InputFileError } from '../core/errors.js';
import { canonicalJson, hashOf } from '../core/hash.js';
import { ChemPool } from '../chem/chem-pool.js';
import { measurementDigest } from './measurement-digest.js';
import type { BatchInput, IdentityResult } from '../chem/featurize-batch.js';
import { appendEvent } from '../store/event-log.js';
import type { Store } from '../store/store.js';
import type { NewRow } from '../store/schema.js';
import { getEndpoint, type EndpointDefinition } from './endpoints.js';
import { mappingHash, ROLE_KEYS, type IngestMapping } from './mapping.js';
import { resolveProtocolVersion } from './protocols.js';
import { openSourceFile, type SourceFile, type SourceRecord } from './source-records.js';
import { convertValue, needsMolecularWeight, parseUnit, type ParsedUnit } from './units.js';
import { parseDate, parseValue, type Qualifier } from './values.js';

export interface IngestOptions {
  path: string;
  mapping: IngestMapping;
  actor: string;
  /** Directory for the quarantine report file (the workspace's quarantine/). */
  quarantineDir: string;
  workers?: number;
  /** A running chemistry pool to use (and leave open) instead of starting one: callers ingesting many small files save the start-up. */
  pool?: ChemPool;
  onProgress?: (p: { bytesRead: number; bytesTotal: number; rows: number }) => void;
  /** Called after validation, before the single commit: lets a test kill the process at the worst moment. */
  beforeCommit?: () => Promise<void> | void;
}

export interface IngestSummary {
  status: 'ingested' | 'already_ingested';
  source: string;
  file: string;
  fileSha256: string;
  team: string;
  protocolVersion: string;
  endpoint: string;
  rows: number;
  accepted: number;
  rejected: number;
  rejectReasons: Record<string, number>;
  newCompounds: number;
  standardized: number;
  quarantine: string | null;
  quarantineBlob: string | null;
  seconds: number;
}

export interface Candidate {
  line: number;
  externalId: string;
  structure: string;
  value: number;
  qualifier: Qualifier;
  rawValue: string;
  batch: string;
  site: string;
  measuredAt: string | null;
  reportedAt: string | null;
}

export interface Rejected {
  line: number;
  id: string;
  code: string;
  reason: string;
}

export async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Ingests one assay file under a column mapping. Every row is validated (structure,
 * unit conversion to the endpoint's unit, valid range, dates, duplicates, team id
 * conflicts); accepted rows commit in ONE transaction with the source record, rejected
 * rows go to a quarantine report with line and reason. Re-ingesting the same file under
 * the same mapping is a no-op reported as such.
 */
export async function ingestFile(store: Store, options: IngestOptions): Promise<IngestSummary> {
  const started = performance.now();
  const { mapping } = options;
  const file = await openSourceFile(options.path);
  const protocol = await resolveProtocolVersion(store, mapping.protocol);
  const endpoint = await getEndpoint(store, protocol.endpoint);
  if (file.columns) {
    const wanted = Object.entries(mapping.columns)
      .filter(([, c]) => c !== undefined)
      .map(([role, c]) => [ROLE_KEYS[role as keyof IngestMapping['columns']], c]) as Array<[string, string]>;
    const missing = wanted.filter(([, c]) => !file.columns!.includes(c));
    if (!mapping.columns.structure) missing.push(['structure', '(no structure column in the mapping)']);
    if (missing.length) {
      throw new InputFileError(
        'missing_columns',
        `${file.path}: mapping columns not in the header: ${missing.map(([role, c]) => `${role} → "${c}"`).join(', ')}; the header has [${file.columns.join(', ')}]`,
        { file: file.path, line: 1 },
      );
    }
  }
  const sha = await fileSha256(options.path);
  const mHash = mappingHash(mapping);
  const sourceId = hashOf({ file: sha, mapping: mHash });
  const base = { source: sourceId, file: options.path, fileSha256: sha, team: mapping.team, protocolVersion: protocol.id, endpoint: endpoint.name };

  const existing = await store.db.selectFrom('sources').selectAll().where('id', '=', sourceId).executeTakeFirst();
  if (existing) {
    return {
      ...base,
      status: 'already_ingested',
      rows: existing.rows,
      accepted: existing.accepted,
      rejected: existing.rejected,
      rejectReasons: {},
      newCompounds: 0,
      standardized: 0,
      quarantine: null,
      quarantineBlob: existing.quarantine_blob,
      seconds: (performance.now() - started) / 1000,
    };
  }

  const fromUnit = parseUnit(mapping.valueScale === 'log10' ? `log10(${protocol.unit.replace(/^log10\((.*)\)$/, '$1')})` : protocol.unit);
  const toUnit = parseUnit(endpoint.unit);
  const withMolWeight = needsMolecularWeight(fromUnit, toUnit);

  // 1. Read and check every row's non-chemistry fields.
  const { rows, candidates, rejected } = await readCandidates(file, mapping, protocol.site, options.onProgress);
  if (rows === 0) throw new InputFileError('no_rows', `${file.path} has no data rows`, { file: file.path });

  // 2. Standardize the structures on the worker pool (the slow part: second half of the bar).
  const identities = await identify(candidates, withMolWeight, options, file.bytes, rows);

  // 3. Convert units, check ranges, duplicates and id conflicts.
  const existingKeys = new Set(
    (
      await store.db
        .selectFrom('measurements')
        .select(['inchikey', 'batch', 'measured_at', 'qualifier', 'value'])
        .where('protocol_version', '=', protocol.id)
        .execute()
    ).map((m) => duplicateKey(m.inchikey, m.batch, m.measured_at, m.qualifier, m.value)),
  );
  const { measurements, compounds, aliasOwner, standardized } = acceptMeasurements(candidates, identities, rejected, {
    sourceId,
    protocolVersion: protocol.id,
    endpoint,
    team: mapping.team,
    fromUnit,
    toUnit,
    existingKeys,
  });

  // Team ids already bound to another structure in the store are conflicts too.
  const aliasConflicts = await findAliasConflicts(store, mapping.team, aliasOwner);
  if (aliasConflicts.size) {
    const byLine = new Map(candidates.map((x) => [x.line, x]));
    for (let k = measurements.length - 1; k >= 0; k--) {
      const m = measurements[k]!;
      const cand = byLine.get(m.source_line)!;
      const other = aliasConflicts.get(cand.externalId);
      if (other && other !== m.inchikey) {
        rejected.push({
          line: cand.line,
          id: cand.externalId,
          code: 'id_conflict',
          reason: `${mapping.team} id ${cand.externalId} already names ${other} in the store, not ${m.inchikey}`,
        });
        measurements.splice(k, 1);
      }
    }
  }
  rejected.sort((a, b) => a.line - b.line);
  // Only structures with an accepted measurement become compounds.
  const used = new Set(measurements.map((m) => m.inchikey));
  for (const key of [...compounds.keys()]) if (!used.has(key)) compounds.delete(key);

  // 4. Quarantine report: a blob (content-addressed, verifiable) and a readable file.
  const report =
    'line,id,code,reason\n' + rejected.map((r) => [r.line, r.id, r.code, r.reason].map(csvField).join(',')).join('\n') + (rejected.length ? '\n' : '');
  const quarantineBlob = rejected.length ? await store.blobs.put(report) : null;
  let quarantine: string | null = null;
  if (rejected.length) {
    mkdirSync(options.quarantineDir, { recursive: true });
    quarantine = join(options.quarantineDir, `${sourceId.slice(0, 16)}.csv`);
    writeFileSync(quarantine, report);
  }

  // 5. One transaction: the source, its compounds, aliases and measurements, or nothing.
  await options.beforeCommit?.();
  const newCompounds = await commitIngest(store, {
    sourceId,
    fileSha256: sha,
    path: options.path,
    format: file.format,
    mapping,
    mappingHash: mHash,
    actor: options.actor,
    rows,
    rejected: rejected.length,
    quarantineBlob,
    protocolVersion: protocol.id,
    endpoint: endpoint.name,
    compounds,
    aliasOwner,
    measurements,
  });

  const reasons: Record<string, number> = {};
  for (const r of rejected) reasons[r.code] = (reasons[r.code] ?? 0) + 1;
  return {
    ...base,
    status: 'ingested',
    rows,
    accepted: measurements.length,
    rejected: rejected.length,
    rejectReasons: reasons,
    newCompounds,
    standardized,
    quarantine,
    quarantineBlob,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Step 1 (file adapter): reads every row and checks its non-chemistry fields (value, qualifier, dates, id). */
async function readCandidates(
  file: SourceFile,
  mapping: IngestMapping,
  defaultSite: string,
  onProgress: IngestOptions['onProgress'],
): Promise<{ rows: number; candidates: Candidate[]; rejected: Rejected[] }> {
  const rejected: Rejected[] = [];
  const candidates: Candidate[] = [];
  let rows = 0;
  let bytesRead = 0;
  const c = mapping.columns;
  const text = (r: SourceRecord, col: string | undefined) => (col === undefined ? undefined : (r.field(col) ?? '').trim());
  for await (const r of file.records((n: number) => (bytesRead = n))) {
    rows++;
    const id = text(r, c.id) ?? '';
    const reject = (code: string, reason: string) => rejected.push({ line: r.line, id, code, reason });
    if (r.problem) {
      reject('malformed_row', r.problem);
      continue;
    }
    const structure = c.structure ? text(r, c.structure)! : (r.molblock ?? '');
    const parsed = parseValue(text(r, c.value) ?? '', text(r, c.qualifier));
    if (!parsed.ok) {
      reject(parsed.code, parsed.reason);
      continue;
    }
    let measuredAt: string | null = null;
    let reportedAt: string | null = null;
    if (c.measuredAt) {
      const d = parseDate(text(r, c.measuredAt)!);
      if (!d.ok) {
        reject(d.code, `measured_at: ${d.reason}`);
        continue;
      }
      measuredAt = d.value;
    }
    if (c.reportedAt) {
      const d = parseDate(text(r, c.reportedAt)!);
      if (!d.ok) {
        reject(d.code, `reported_at: ${d.reason}`);
        continue;
      }
      reportedAt = d.value;
    }
    if (measuredAt && reportedAt && reportedAt < measuredAt) {
      reject('impossible_dates', `reported_at ${reportedAt} is before measured_at ${measuredAt}`);
      continue;
    }
    if (c.id && !id) {
      reject('missing_id', `the ${c.id} column is empty`);
      continue;
    }
    candidates.push({
      line: r.line,
      externalId: id,
      structure,
      value: parsed.value.value,
      qualifier: parsed.value.qualifier,
      rawValue: text(r, c.value)!,
      batch: text(r, c.batch) ?? '',
      site: text(r, c.site) || defaultSite,
      measuredAt,
      reportedAt,
    });
    if (rows % 256 === 0) onProgress?.({ bytesRead: bytesRead / 2, bytesTotal: file.bytes, rows });
  }
  return { rows, candidates, rejected };
}

/**
 * Step 3, no I/O: turns standardized candidates into measurement rows: converts units,
 * checks the endpoint's range, team ids within the file, and duplicates (within the file
 * and against `existingKeys`). Rejections are appended to `rejected`.
 */
export function acceptMeasurements(
  candidates: Candidate[],
  identities: IdentityResult,
  rejected: Rejected[],
  o: {
    sourceId: string;
    protocolVersion: string;
    endpoint: EndpointDefinition;
    team: string;
    fromUnit: ParsedUnit;
    toUnit: ParsedUnit;
    existingKeys: Set<string>;
  },
): { measurements: NewRow<'measurements'>[]; compounds: Map<string, string>; aliasOwner: Map<string, string>; standardized: number } {
  const { endpoint, fromUnit, toUnit } = o;
  const aliasOwner = new Map<string, string>();
  const seen = new Map<string, number>();
  const compounds = new Map<string, string>();
  const measurements: NewRow<'measurements'>[] = [];
  const rejectsByIndex = new Map(identities.rejects.map((r) => [r.index, r]));
  let standardized = 0;
  candidates.forEach((cand, i) => {
    const reject = (code: string, reason: string) => rejected.push({ line: cand.line, id: cand.externalId, code, reason });
    const m = identities.molecules[i];
    if (!m) {
      const r = rejectsByIndex.get(i)!;
      return reject(r.code, r.reason);
    }
    const value = convertValue(cand.value, fromUnit, toUnit, m.molWeight);
    if (!Number.isFinite(value)) return reject('bad_value', `${cand.rawValue} converts to a non-finite ${endpoint.unit} value`);
    if ((endpoint.validMin !== null && value < endpoint.validMin) || (endpoint.validMax !== null && value > endpoint.validMax)) {
      return reject(
        'out_of_range',
        `${formatNumber(value)} ${endpoint.unit} is outside ${endpoint.name}'s valid range [${endpoint.validMin ?? '-∞'}, ${endpoint.validMax ?? '∞'}]`,
      );
    }
    if (endpoint.transform === 'log10' && value <= 0) return reject('out_of_range', `${formatNumber(value)} ${endpoint.unit} has no log10`);
    if (cand.externalId) {
      const owner = aliasOwner.get(cand.externalId);
      if (owner && owner !== m.inchikey)
        return reject('id_conflict', `${o.team} id ${cand.externalId} names two different structures in this file (${owner}, ${m.inchikey})`);
      aliasOwner.set(cand.externalId, m.inchikey);
    }
    const key = duplicateKey(m.inchikey, cand.batch, cand.measuredAt, cand.qualifier, value);
    if (o.existingKeys.has(key))
      return reject('duplicate_of_existing', `the same measurement (compound, protocol version, batch, date, value) is already in the store`);
    const firstLine = seen.get(key);
    if (firstLine !== undefined) return reject('duplicate_row', `repeats line ${firstLine} (same compound, batch, date and value)`);
    seen.set(key, cand.line);
    if (m.changes.length) standardized++;
    compounds.set(m.inchikey, m.smiles);
    measurements.push({
      id: hashOf({ source: o.sourceId, line: cand.line }),
      inchikey: m.inchikey,
      protocol_version: o.protocolVersion,
      endpoint: endpoint.name,
      source: o.sourceId,
      source_line: cand.line,
      team: o.team,
      site: cand.site,
      batch: cand.batch,
      value,
      qualifier: cand.qualifier,
      raw_value: cand.rawValue,
      raw_unit: fromUnit.log10 ? `log10(${fromUnit.unit})` : fromUnit.unit,
      measured_at: cand.measuredAt,
      reported_at: cand.reportedAt,
    });
  });
  return { measurements, compounds, aliasOwner, standardized };
}

/** Step 5: the source, its compounds, aliases and measurements and the event, in one transaction. Returns how many compounds were new. */
async function commitIngest(
  store: Store,
  o: {
    sourceId: string;
    fileSha256: string;
    path: string;
    format: string;
    mapping: IngestMapping;
    mappingHash: string;
    actor: string;
    rows: number;
    rejected: number;
    quarantineBlob: string | null;
    protocolVersion: string;
    endpoint: string;
    compounds: Map<string, string>;
    aliasOwner: Map<string, string>;
    measurements: NewRow<'measurements'>[];
  },
): Promise<number> {
  const now = nowIso();
  const { mapping, compounds, measurements } = o;
  return store.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('teams')
      .values({ name: mapping.team, created_at: now })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    await trx
      .insertInto('sources')
      .values({
        id: o.sourceId,
        file_sha256: o.fileSha256,
        path: o.path,
        format: o.format,
        mapping: canonicalJson(mapping),
        mapping_hash: o.mappingHash,
        team: mapping.team,
        ingested_by: o.actor,
        ingested_at: now,
        rows: o.rows,
        accepted: measurements.length,
        rejected: o.rejected,
        quarantine_blob: o.quarantineBlob,
      })
      .execute();
    const keys = [...compounds.keys()];
    let known = 0;
    for (const chunk of chunks(keys, 500)) {
      known += (await trx.selectFrom('compounds').select('inchikey').where('inchikey', 'in', chunk).execute()).length;
    }
    for (const chunk of chunks([...compounds], 500)) {
      await trx
        .insertInto('compounds')
        .values(chunk.map(([inchikey, smiles]) => ({ inchikey, smiles, created_at: now })))
        .onConflict((oc) => oc.column('inchikey').doNothing())
        .execute();
    }
    const aliases = [...o.aliasOwner].filter(([, key]) => compounds.has(key));
    for (const chunk of chunks(aliases, 500)) {
      await trx
        .insertInto('compound_aliases')
        .values(chunk.map(([external_id, inchikey]) => ({ team: mapping.team, external_id, inchikey })))
        .onConflict((oc) => oc.columns(['team', 'external_id']).doNothing())
        .execute();
    }
    for (const chunk of chunks(measurements, 1000)) await trx.insertInto('measurements').values(chunk).execute();
    // The digest of what was stored, logged with it: the audit re-reads the measurements and compares.
    const stored = await measurementDigest(trx, o.sourceId);
    await appendEvent(trx, {
      kind: 'source_ingested',
      team: mapping.team,
      subject: `source:${o.sourceId}`,
      actor: o.actor,
      reason: `${o.path}: ${measurements.length} of ${o.rows} rows accepted under ${o.protocolVersion}`,
      payload: {
        source: o.sourceId,
        file: o.path,
        fileSha256: o.fileSha256,
        format: o.format,
        mappingHash: o.mappingHash,
        team: mapping.team,
        protocolVersion: o.protocolVersion,
        endpoint: o.endpoint,
        rows: o.rows,
        accepted: measurements.length,
        rejected: o.rejected,
        newCompounds: keys.length - known,
        quarantineBlob: o.quarantineBlob,
        measurementsDigest: stored.digest,
      },
    });
    return keys.length - known;
  });
}

async function identify(candidates: Candidate[], withMolWeight: boolean, options: IngestOptions, bytes: number, rows: number): Promise<IdentityResult> {
  const result: IdentityResult = { molecules: [], rejects: [] };
  if (!candidates.length) return result;
  const pool = options.pool ?? (await ChemPool.start(options.workers ?? ChemPool.defaultSize(), options.path));
  try {
    const size = 64;
    const batches: Promise<IdentityResult>[] = [];
    for (let i = 0; i < candidates.length; i += size) {
      const inputs: BatchInput[] = candidates.slice(i, i + size).map((c) => ({ line: c.line, structure: c.structure }));
      const batch = pool.identity(inputs, withMolWeight, options.path);
      batch.catch(() => undefined); // awaited in order below; avoid an unhandled rejection meanwhile
      batches.push(batch);
    }
    let done = 0;
    for (const [b, batch] of batches.entries()) {
      const r = await batch;
      // A row that failed for an internal reason says nothing about the file: refuse to
      // record the ingest at all (a rerun then ingests it), rather than quarantine valid rows.
      const internal = r.rejects.find((x) => x.code === 'internal_error');
      if (internal)
        throw new Error(`chemistry failed internally on line ${candidates[b * size + internal.index]?.line}: ${internal.reason}; nothing was ingested`);
      for (const rej of r.rejects) result.rejects.push({ ...rej, index: rej.index + b * size });
      result.molecules.push(...r.molecules);
      done += r.molecules.length;
      options.onProgress?.({ bytesRead: bytes * (0.5 + (0.5 * done) / candidates.length), bytesTotal: bytes, rows });
    }
  } finally {
    if (!options.pool) await pool.close();
  }
  return result;
}

async function findAliasConflicts(store: Store, team: string, aliases: Map<string, string>): Promise<Map<string, string>> {
  const conflicts = new Map<string, string>();
  for (const chunk of chunks([...aliases.keys()], 500)) {
    const rows = await store.db
      .selectFrom('compound_aliases')
      .select(['external_id', 'inchikey'])
      .where('team', '=', team)
      .where('external_id', 'in', chunk)
      .execute();
    for (const r of rows) if (aliases.get(r.external_id) !== r.inchikey) conflicts.set(r.external_id, r.inchikey);
  }
  return conflicts;
}

function duplicateKey(inchikey: string, batch: string, measuredAt: string | null, qualifier: string, value: number): string {
  // Values compared to 12 significant digits: a float round trip through the store must not make a duplicate look new.
  return `${inchikey}|${batch}|${measuredAt ?? ''}|${qualifier}|${value.toPrecision(12)}`;
}

function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

function formatNumber(v: number): string {
  return Number(v.toPrecision(6)).toString();
}
