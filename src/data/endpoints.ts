import { nowIso } from '../core/clock.js';
import { RotguardError } from '../core/errors.js';
import { hashOf } from '../core/hash.js';
import { appendEvent } from '../store/event-log.js';
import type { Store } from '../store/store.js';
import type { Row } from '../store/schema.js';
import { parseUnit } from './units.js';

/** An endpoint standard: the label definition every team maps its assays to. */
export interface EndpointDefinition {
  name: string;
  unit: string;
  transform: 'none' | 'log10';
  direction: 'higher_is_better' | 'lower_is_better';
  validMin: number | null;
  validMax: number | null;
  description: string;
}

const NAME = /^[a-z][a-z0-9_]{1,63}$/;

export function validateEndpoint(d: EndpointDefinition): EndpointDefinition {
  if (!NAME.test(d.name))
    throw new RotguardError('bad_name', `endpoint name "${d.name}" must be lower-case letters, digits and _ (2–64 chars), starting with a letter`, {
      field: 'name',
    });
  const unit = parseUnit(d.unit, 'unit');
  if (unit.log10) throw new RotguardError('bad_unit', `an endpoint's unit is linear ("${unit.unit}"); put log10 in its transform`, { field: 'unit' });
  if (d.transform !== 'none' && d.transform !== 'log10')
    throw new RotguardError('bad_transform', `transform must be none or log10, got "${d.transform}"`, { field: 'transform' });
  if (d.direction !== 'higher_is_better' && d.direction !== 'lower_is_better') {
    throw new RotguardError('bad_direction', `direction must be higher_is_better or lower_is_better, got "${d.direction}"`, { field: 'direction' });
  }
  for (const [field, v] of [
    ['valid_min', d.validMin],
    ['valid_max', d.validMax],
  ] as const) {
    if (v !== null && !Number.isFinite(v)) throw new RotguardError('bad_range', `${field} must be a number`, { field });
  }
  if (d.validMin !== null && d.validMax !== null && d.validMin >= d.validMax)
    throw new RotguardError('bad_range', `valid_min ${d.validMin} must be below valid_max ${d.validMax}`, { field: 'valid_min' });
  if (d.transform === 'log10' && (d.validMin === null || d.validMin < 0)) {
    // Values must be positive to take a log; ingest also refuses 0 for such endpoints.
    throw new RotguardError('bad_range', 'a log10 endpoint needs valid_min ≥ 0 (values must be positive)', { field: 'valid_min' });
  }
  return { ...d, unit: unit.unit };
}

export function endpointHash(d: EndpointDefinition): string {
  return hashOf({ name: d.name, unit: d.unit, transform: d.transform, direction: d.direction, validMin: d.validMin, validMax: d.validMax });
}

export function endpointFromRow(r: Row<'endpoints'>): EndpointDefinition & { hash: string; createdAt: string; createdBy: string } {
  return {
    name: r.name,
    unit: r.unit,
    transform: r.transform as EndpointDefinition['transform'],
    direction: r.direction as EndpointDefinition['direction'],
    validMin: r.valid_min,
    validMax: r.valid_max,
    description: r.description,
    hash: r.definition_hash,
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

/**
 * Adds an endpoint standard. Standards are immutable: adding the same definition again
 * is a no-op ("unchanged"); a different definition under an existing name is refused,
 * because models trained on the old meaning would silently change meaning.
 */
export async function addEndpoint(
  store: Store,
  def: EndpointDefinition,
  actor: string,
): Promise<{ status: 'created' | 'unchanged'; endpoint: ReturnType<typeof endpointFromRow> }> {
  const d = validateEndpoint(def);
  const hash = endpointHash(d);
  const existing = await store.db.selectFrom('endpoints').selectAll().where('name', '=', d.name).executeTakeFirst();
  if (existing) {
    if (existing.definition_hash === hash) return { status: 'unchanged', endpoint: endpointFromRow(existing) };
    throw new RotguardError(
      'endpoint_exists',
      `endpoint ${d.name} already exists with a different definition; endpoint standards are immutable: choose a new name (e.g. ${d.name}_v2)`,
      { field: 'name' },
    );
  }
  const row = {
    name: d.name,
    unit: d.unit,
    transform: d.transform,
    direction: d.direction,
    valid_min: d.validMin,
    valid_max: d.validMax,
    description: d.description,
    definition_hash: hash,
    created_at: nowIso(),
    created_by: actor,
  };
  await store.db.transaction().execute(async (trx) => {
    await trx.insertInto('endpoints').values(row).execute();
    await appendEvent(trx, {
      kind: 'endpoint_created',
      team: null, // a shared standard: every team reads it
      subject: `endpoint:${d.name}`,
      actor,
      reason: `endpoint standard ${d.name} (${d.unit}, ${d.transform})`,
      payload: {
        name: d.name,
        unit: d.unit,
        transform: d.transform,
        direction: d.direction,
        validMin: d.validMin,
        validMax: d.validMax,
        description: d.description,
        definitionHash: hash,
      },
    });
  });
  return { status: 'created', endpoint: endpointFromRow(row) };
}

export async function listEndpoints(store: Store) {
  return (await store.db.selectFrom('endpoints').selectAll().orderBy('name').execute()).map(endpointFromRow);
}

export async function getEndpoint(store: Store, name: string) {
  const row = await store.db.selectFrom('endpoints').selectAll().where('name', '=', name).executeTakeFirst();
  if (!row) throw new RotguardError('unknown_endpoint', `no endpoint named "${name}"; add it with "rotguard endpoints add"`, { field: 'endpoint' });
  return endpointFromRow(row);
}
