/**
 * Synthetic but plausible history for bench/scale, seeded (core/random.ts):
 *
 * - predictions: weekly traffic of every model over the history, requests of ~1,000
 *   compounds cut into batches of 256 (as predict does), each batch logged by a `predicted`
 *   event with its digest. Compounds come from the real pool, and each record copies what
 *   the real model returned for that compound (value, interval, applicability domain), so
 *   monitoring and trace run on real features and real outputs;
 * - measurements: one source per (team, protocol version, week) with its `source_ingested`
 *   event and digest; the benchmarked endpoint's labels for a share of the compounds the
 *   model predicted, reported 2–6 weeks later (the real Biogen value plus assay noise), and
 *   the bulk spread over every endpoint, protocol, site and team on synthetic compounds.
 */
import { measurementDigestLine } from '../../src/data/measurement-digest.js';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../src/core/hash.js';
import type { Random } from '../../src/core/random.js';
import { rowsDigest } from '../../src/serve/prediction-digest.js';
import type { NewRow, Row } from '../../src/store/schema.js';
import type { DraftEvent } from './bulk.js';

export const DAY = 86_400_000;
export const WEEK = 7 * DAY;

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A v4-shaped uuid from the seeded generator (the real predict uses crypto.randomUUID). */
export function seededUuid(rng: Random): string {
  const h = Array.from({ length: 4 }, () => rng.nextUint32().toString(16).padStart(8, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function normal(rng: Random): number {
  const u = Math.max(rng.uniform(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.uniform());
}

/** What the real model returned for one pool compound: the template its synthetic records copy. */
export type Template = Pick<
  Row<'predictions'>,
  | 'feature_hash'
  | 'input_hash'
  | 'input_id'
  | 'inchikey'
  | 'smiles'
  | 'value'
  | 'uncertainty'
  | 'interval_level'
  | 'lower'
  | 'upper'
  | 'max_similarity'
  | 'nearest_inchikey'
  | 'scaffold'
  | 'scaffold_seen'
>;

export const USERS = ['ana', 'ben', 'carl', 'dana', 'eli', 'fay', 'gus', 'hana'];
export const REQUEST_SIZE = 1000;
export const BATCH_SIZE = 256;

/** One request of `n` records of `versionId` at `at`, batches of 256, and their `predicted` events. */
export function syntheticRequest(
  rng: Random,
  pool: readonly Template[],
  o: { versionId: string; team: string; n: number; at: string; actor: string; compounds?: readonly Template[] },
): { rows: NewRow<'predictions'>[]; events: DraftEvent<'predicted'>[] } {
  const request = seededUuid(rng);
  const model = o.versionId.split('@')[0]!;
  const rows: NewRow<'predictions'>[] = [];
  const events: DraftEvent<'predicted'>[] = [];
  for (let b = 0; b * BATCH_SIZE < o.n; b++) {
    const batch: NewRow<'predictions'>[] = [];
    for (let i = b * BATCH_SIZE; i < Math.min(o.n, (b + 1) * BATCH_SIZE); i++) {
      const t = o.compounds?.[i] ?? pool[rng.below(pool.length)]!;
      batch.push({
        ...t,
        id: seededUuid(rng),
        request,
        model_version: o.versionId,
        team: o.team,
        model_frozen: 0,
        requested_by: o.actor,
        requested_at: o.at,
        batch: b,
      });
    }
    const { count, digest } = rowsDigest(batch as Array<{ id: string; value: number; input_hash: string; model_version: string }>);
    events.push({
      kind: 'predicted',
      team: o.team,
      at: o.at,
      actor: o.actor,
      subject: `request:${request}`,
      model,
      versionId: o.versionId,
      reason: `${count} predictions (batch ${b + 1})`,
      payload: { request, batch: b, count, digest },
    });
    rows.push(...batch);
  }
  return { rows, events };
}

/** A request time inside week `w` (Monday 00:00 UTC = start + w weeks): a working day, working hours. */
export function timeInWeek(rng: Random, start: number, w: number): string {
  return new Date(start + w * WEEK + rng.below(5) * DAY + (8 + rng.below(10)) * 3_600_000 + rng.below(3_600_000)).toISOString();
}

export const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Synthetic compound keys shaped like InChIKeys (14-8-1 upper-case letters), stable by index. */
export function syntheticInchikey(i: number): string {
  const h = sha256(`rotguard-scale-compound-${i}`);
  const letters = Array.from(h, (c) => String.fromCharCode(65 + (parseInt(c, 16) % 26))).join('');
  return `${letters.slice(0, 14)}-${letters.slice(14, 22)}SA-N`;
}

export interface Assay {
  endpoint: string;
  protocolVersion: string;
  site: string;
  unit: string;
  /** log10 label mean and SD of the synthetic values. */
  mean: number;
  sd: number;
  /** Share of the synthetic measurements. */
  weight: number;
}

export interface SyntheticSource {
  row: NewRow<'sources'>;
  measurements: NewRow<'measurements'>[];
  event: DraftEvent<'source_ingested'>;
}

/** Groups one week's measurement drafts into sources (team × protocol version), with ids, digests and events as ingest writes them. */
export function sourcesOfWeek(
  week: number,
  drafts: Array<Omit<NewRow<'measurements'>, 'id' | 'source' | 'source_line'>>,
  ingestedAt: string,
  actor: string,
): SyntheticSource[] {
  const groups = new Map<string, typeof drafts>();
  for (const d of drafts) {
    const key = `${d.team}\u0000${d.protocol_version}`;
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(d);
  }
  const out: SyntheticSource[] = [];
  for (const [key, list] of groups) {
    const [team, pv] = key.split('\u0000') as [string, string];
    const path = `synthetic/${team}/${pv}/week-${week}.csv`;
    const fileSha256 = sha256(`file:${path}`);
    const mappingHash = sha256(`mapping:${team}:${pv}`);
    const id = sha256(`${fileSha256}:${mappingHash}`);
    const measurements = list.map((d, i) => ({ ...d, id: sha256(`${id}:${i + 2}`), source: id, source_line: i + 2 }));
    // measurementDigest's lines, in id byte order.
    const h = createHash('sha256');
    for (const m of [...measurements].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)))
      h.update(measurementDigestLine({ ...m, measured_at: m.measured_at ?? null, reported_at: m.reported_at ?? null }));
    const endpoint = list[0]!.endpoint;
    out.push({
      row: {
        id,
        file_sha256: fileSha256,
        path,
        format: 'csv',
        mapping: canonicalJson({ team, protocol: pv, synthetic: true }),
        mapping_hash: mappingHash,
        team,
        ingested_by: actor,
        ingested_at: ingestedAt,
        rows: list.length,
        accepted: list.length,
        rejected: 0,
        quarantine_blob: null,
      },
      measurements,
      event: {
        kind: 'source_ingested',
        at: ingestedAt,
        actor,
        subject: `source:${id}`,
        model: null,
        versionId: null,
        reason: `${path}: ${list.length} of ${list.length} rows accepted under ${pv}`,
        payload: {
          source: id,
          file: path,
          fileSha256,
          format: 'csv',
          mappingHash,
          team,
          protocolVersion: pv,
          endpoint,
          rows: list.length,
          accepted: list.length,
          rejected: 0,
          newCompounds: 0,
          quarantineBlob: null,
          measurementsDigest: h.digest('hex'),
        },
      },
    });
  }
  return out;
}
