import { nowIso } from '../core/clock.js';
import { RotguardError } from '../core/errors.js';
import { decodeJson } from '../core/decode.js';
import { canonicalJson, hashOf } from '../core/hash.js';
import { appendEvent } from '../store/event-log.js';
import type { Store } from '../store/store.js';
import type { Row } from '../store/schema.js';
import { protocolParametersDecoder } from './decoders.js';
import { getEndpoint } from './endpoints.js';
import { convertible, parseUnit } from './units.js';

/** One way of measuring an endpoint. Versions are append-only. */
export interface ProtocolDefinition {
  protocol: string;
  endpoint: string;
  site: string;
  vendor: string;
  unit: string;
  parameters: Record<string, unknown>;
  /**
   * The assay's quantitation limits, in the endpoint's unit on the linear scale: an exact
   * value at or below `floor` means "≤ floor", at or above `ceiling` "≥ ceiling" (e.g. a
   * microsomal clearance floor reported without a qualifier). Snapshots then treat such
   * values as censored. Part of the definition: declaring one is a new protocol version.
   */
  censoring?: { floor?: number; ceiling?: number };
}

export interface ProtocolVersion extends ProtocolDefinition {
  id: string;
  version: number;
  hash: string;
  createdAt: string;
  createdBy: string;
}

const NAME = /^[a-z][a-z0-9_-]{1,63}$/;

export function protocolFromRow(r: Row<'protocol_versions'>): ProtocolVersion {
  return {
    id: r.id,
    protocol: r.protocol,
    version: r.version,
    endpoint: r.endpoint,
    site: r.site,
    vendor: r.vendor,
    unit: r.unit,
    parameters: decodeJson(r.parameters, protocolParametersDecoder, { kind: 'row', what: `parameters of protocol ${r.id}`, id: r.id }),
    hash: r.definition_hash,
    createdAt: r.created_at,
    createdBy: r.created_by,
    ...(r.censor_floor !== null || r.censor_ceiling !== null
      ? { censoring: { ...(r.censor_floor !== null ? { floor: r.censor_floor } : {}), ...(r.censor_ceiling !== null ? { ceiling: r.censor_ceiling } : {}) } }
      : {}),
  };
}

/**
 * Records a protocol version. If the latest version of the protocol has the same
 * definition nothing is added ("unchanged"); any change (site, vendor, unit,
 * parameters) becomes version N+1. The unit must convert to the endpoint's unit.
 */
export async function addProtocolVersion(
  store: Store,
  def: ProtocolDefinition,
  actor: string,
): Promise<{ status: 'created' | 'unchanged'; version: ProtocolVersion }> {
  if (!NAME.test(def.protocol))
    throw new RotguardError('bad_name', `protocol name "${def.protocol}" must be lower-case letters, digits, - and _ (2–64 chars)`, { field: 'protocol' });
  const endpoint = await getEndpoint(store, def.endpoint);
  const unit = parseUnit(def.unit, 'unit');
  if (!convertible(unit, parseUnit(endpoint.unit))) {
    throw new RotguardError('unit_mismatch', `protocol unit ${def.unit} cannot be converted to ${endpoint.name}'s unit ${endpoint.unit}`, { field: 'unit' });
  }
  const normalized = { ...def, unit: unit.log10 ? `log10(${unit.unit})` : unit.unit };
  const censoring = checkCensoring(def.censoring);
  // Without censoring the hash is what it was before censoring existed, so old protocols stay unchanged.
  const hash = hashOf({
    endpoint: def.endpoint,
    site: def.site,
    vendor: def.vendor,
    unit: normalized.unit,
    parameters: def.parameters,
    ...(censoring ? { censoring } : {}),
  });
  return store.db.transaction().execute(async (trx) => {
    const proto = await trx.selectFrom('protocols').selectAll().where('name', '=', def.protocol).executeTakeFirst();
    if (proto && proto.endpoint !== def.endpoint) {
      throw new RotguardError('endpoint_mismatch', `protocol ${def.protocol} measures ${proto.endpoint}, not ${def.endpoint}`, { field: 'endpoint' });
    }
    if (!proto) await trx.insertInto('protocols').values({ name: def.protocol, endpoint: def.endpoint, created_at: nowIso() }).execute();
    const latest = await trx.selectFrom('protocol_versions').selectAll().where('protocol', '=', def.protocol).orderBy('version', 'desc').executeTakeFirst();
    if (latest && latest.definition_hash === hash) return { status: 'unchanged' as const, version: protocolFromRow(latest) };
    const version = (latest?.version ?? 0) + 1;
    const row = {
      id: `${def.protocol}@${version}`,
      protocol: def.protocol,
      version,
      endpoint: def.endpoint,
      site: def.site,
      vendor: def.vendor,
      unit: normalized.unit,
      parameters: canonicalJson(def.parameters),
      definition_hash: hash,
      created_at: nowIso(),
      created_by: actor,
      censor_floor: censoring?.floor ?? null,
      censor_ceiling: censoring?.ceiling ?? null,
    };
    await trx.insertInto('protocol_versions').values(row).execute();
    await appendEvent(trx, {
      kind: 'protocol_version_created',
      team: null, // a shared standard: every team reads it
      subject: `protocol:${row.id}`,
      actor,
      reason: version === 1 ? `new protocol ${def.protocol} for ${def.endpoint}` : `protocol ${def.protocol} changed: version ${version}`,
      payload: {
        id: row.id,
        protocol: def.protocol,
        version,
        endpoint: def.endpoint,
        site: def.site,
        vendor: def.vendor,
        unit: row.unit,
        parameters: def.parameters,
        ...(censoring ? { censoring } : {}),
        definitionHash: hash,
        previous: latest?.id ?? null,
      },
    });
    return { status: 'created' as const, version: protocolFromRow(row) };
  });
}

export async function listProtocolVersions(store: Store, endpoint?: string): Promise<ProtocolVersion[]> {
  let q = store.db.selectFrom('protocol_versions').selectAll();
  if (endpoint) q = q.where('endpoint', '=', endpoint);
  return (await q.orderBy('protocol').orderBy('version').execute()).map(protocolFromRow);
}

/** "name@3" → that version; "name" → its latest version. */
export async function resolveProtocolVersion(store: Store, ref: string): Promise<ProtocolVersion> {
  const [name, v] = ref.split('@');
  let q = store.db.selectFrom('protocol_versions').selectAll().where('protocol', '=', name!);
  if (v !== undefined) {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new RotguardError('bad_protocol_ref', `"${ref}": the version after @ must be an integer`, { field: 'protocol' });
    q = q.where('version', '=', n);
  }
  const row = await q.orderBy('version', 'desc').executeTakeFirst();
  if (!row) throw new RotguardError('unknown_protocol', `no protocol version "${ref}"; add it with "rotguard protocols add"`, { field: 'protocol' });
  return protocolFromRow(row);
}

/** A declared floor/ceiling: finite numbers, floor below ceiling; undefined when nothing is declared. */
function checkCensoring(c: ProtocolDefinition['censoring']): { floor?: number; ceiling?: number } | undefined {
  if (c === undefined || (c.floor === undefined && c.ceiling === undefined)) return undefined;
  for (const k of ['floor', 'ceiling'] as const) {
    const v = c[k];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v)))
      throw new RotguardError('bad_censoring', `censoring ${k} must be a finite number in the endpoint's unit, got ${JSON.stringify(v)}`, {
        field: `censoring.${k}`,
      });
  }
  if (c.floor !== undefined && c.ceiling !== undefined && !(c.floor < c.ceiling))
    throw new RotguardError('bad_censoring', `censoring floor ${c.floor} must be below the ceiling ${c.ceiling}`, { field: 'censoring' });
  return { ...(c.floor !== undefined ? { floor: c.floor } : {}), ...(c.ceiling !== undefined ? { ceiling: c.ceiling } : {}) };
}
