import { moleculeSvg } from '../chem/depict.js';
import { loadRDKit } from '../chem/rdkit.js';
import { release, standardize } from '../chem/standardize.js';
import { RotguardError } from '../core/errors.js';
import type { Row } from '../store/schema.js';
import { inContext, type Context } from './context.js';

/**
 * Compound lookup for a chemist: "should I trust today's prediction for my compound?".
 * One query (a team's id, a SMILES or an InChIKey) resolves to compounds; each comes with
 * the measurements, predictions and nearest training compounds of the given teams only
 * (the caller passes the teams the identity may see; the compound table itself is shared).
 */
export interface CompoundLookup {
  query: string;
  matchedBy: 'inchikey' | 'id' | 'smiles' | null;
  compounds: CompoundRecord[];
}

export type MeasurementRow = Pick<
  Row<'measurements'>,
  'id' | 'endpoint' | 'protocol_version' | 'team' | 'site' | 'batch' | 'value' | 'qualifier' | 'measured_at' | 'reported_at' | 'source' | 'source_line'
>;
export type PredictionRow = Row<'predictions'> & { model: string; team: string };

export interface CompoundRecord {
  inchikey: string;
  smiles: string;
  /** The visible teams' own identifiers. */
  ids: { team: string; id: string }[];
  measurements: MeasurementRow[];
  /** Newest first. */
  predictions: PredictionRow[];
  /** The training compounds the predictions found nearest (Tanimoto), with their visible measurements. */
  nearest: { inchikey: string; smiles: string | null; similarity: number | null; measurements: MeasurementRow[] }[];
}

const INCHIKEY = /^[A-Z]{14}-[A-Z]{10}-[A-Z]$/;
const MAX_MATCHES = 20;
const MAX_PREDICTIONS = 100;

export function lookupCompound(ctx: Context, query: string, teams: readonly string[]): Promise<CompoundLookup> {
  return inContext(ctx, async () => {
    const q = query.trim();
    if (!q) throw new RotguardError('usage', 'q is empty: give a compound id, a SMILES or an InChIKey', { field: 'q' });
    const visible = teams.length ? [...teams] : [''];
    const db = ctx.store.db;
    let matchedBy: CompoundLookup['matchedBy'] = null;
    let keys: string[] = [];
    if (INCHIKEY.test(q)) {
      keys = [q];
      matchedBy = 'inchikey';
    } else {
      // A team's own id: an ingested compound's alias or the id given with a prediction request.
      const aliases = await db.selectFrom('compound_aliases').select('inchikey').where('external_id', '=', q).where('team', 'in', visible).execute();
      const predicted = await db
        .selectFrom('predictions')
        .innerJoin('model_versions', 'model_versions.id', 'predictions.model_version')
        .select('predictions.inchikey')
        .where('predictions.input_id', '=', q)
        .where('model_versions.team', 'in', visible)
        .limit(MAX_MATCHES)
        .execute();
      keys = [...new Set([...aliases, ...predicted].map((r) => r.inchikey))];
      if (keys.length) matchedBy = 'id';
      else {
        const key = await inchikeyOfSmiles(q);
        if (key) {
          keys = [key];
          matchedBy = 'smiles';
        }
      }
    }
    const compounds: CompoundRecord[] = [];
    for (const key of keys.slice(0, MAX_MATCHES)) {
      const record = await compoundRecord(ctx, key, visible);
      if (record) compounds.push(record);
    }
    return { query: q, matchedBy: compounds.length ? matchedBy : null, compounds };
  });
}

async function inchikeyOfSmiles(smiles: string): Promise<string | null> {
  await loadRDKit();
  try {
    const std = standardize(smiles);
    release(std);
    return std.inchikey;
  } catch (e) {
    // Not a structure RDKit can read: the query simply matches nothing.
    if (e instanceof RotguardError) return null;
    throw e;
  }
}

async function compoundRecord(ctx: Context, inchikey: string, visible: string[]): Promise<CompoundRecord | null> {
  const db = ctx.store.db;
  const predictions = await db
    .selectFrom('predictions')
    .innerJoin('model_versions', 'model_versions.id', 'predictions.model_version')
    .selectAll('predictions')
    .select(['model_versions.model', 'model_versions.team'])
    .where('predictions.inchikey', '=', inchikey)
    .where('model_versions.team', 'in', visible)
    .orderBy('predictions.requested_at', 'desc')
    .orderBy('predictions.id')
    .limit(MAX_PREDICTIONS)
    .execute();
  const compound = await db.selectFrom('compounds').select(['inchikey', 'smiles']).where('inchikey', '=', inchikey).executeTakeFirst();
  // A structure predicted but never measured is not in the compound table; its prediction keeps the SMILES.
  const smiles = compound?.smiles ?? predictions[0]?.smiles;
  if (!smiles) return null;
  const ids = await db.selectFrom('compound_aliases').select(['team', 'external_id']).where('inchikey', '=', inchikey).where('team', 'in', visible).execute();
  const nearestSimilarity = new Map<string, number | null>();
  for (const p of predictions) {
    if (!p.nearest_inchikey) continue;
    const prev = nearestSimilarity.get(p.nearest_inchikey);
    if (prev === undefined || (p.max_similarity ?? -1) > (prev ?? -1)) nearestSimilarity.set(p.nearest_inchikey, p.max_similarity);
  }
  const nearestKeys = [...nearestSimilarity.keys()];
  const nearestSmiles = nearestKeys.length
    ? new Map(
        (await db.selectFrom('compounds').select(['inchikey', 'smiles']).where('inchikey', 'in', nearestKeys).execute()).map((r) => [r.inchikey, r.smiles]),
      )
    : new Map<string, string>();
  const nearest = [];
  for (const key of nearestKeys) {
    nearest.push({
      inchikey: key,
      smiles: nearestSmiles.get(key) ?? null,
      similarity: nearestSimilarity.get(key) ?? null,
      measurements: await measurementsOf(ctx, key, visible),
    });
  }
  nearest.sort((a, b) => (b.similarity ?? -1) - (a.similarity ?? -1));
  return {
    inchikey,
    smiles,
    ids: ids.map((r) => ({ team: r.team, id: r.external_id })),
    measurements: await measurementsOf(ctx, inchikey, visible),
    predictions,
    nearest,
  };
}

function measurementsOf(ctx: Context, inchikey: string, visible: string[]): Promise<MeasurementRow[]> {
  return ctx.store.db
    .selectFrom('measurements')
    .select(['id', 'endpoint', 'protocol_version', 'team', 'site', 'batch', 'value', 'qualifier', 'measured_at', 'reported_at', 'source', 'source_line'])
    .where('inchikey', '=', inchikey)
    .where('team', 'in', visible)
    .orderBy('measured_at')
    .orderBy('id')
    .execute();
}

/**
 * The structure of a known compound drawn by RDKit (SVG). A compound is shared, but one
 * the visible teams never measured nor predicted is "unknown" (404), so the drawing
 * route cannot be used to probe another team's chemistry by InChIKey.
 */
export function depictCompound(ctx: Context, inchikey: string, teams: readonly string[]): Promise<string> {
  return inContext(ctx, async () => {
    const visible = teams.length ? [...teams] : [''];
    const db = ctx.store.db;
    const unknown = () => new RotguardError('unknown_compound', `no compound ${inchikey}; search with GET /api/v1/compounds?q=`);
    const compound = await db.selectFrom('compounds').select('smiles').where('inchikey', '=', inchikey).executeTakeFirst();
    const measured = await db.selectFrom('measurements').select('id').where('inchikey', '=', inchikey).where('team', 'in', visible).limit(1).executeTakeFirst();
    const predicted = await db
      .selectFrom('predictions')
      .innerJoin('model_versions', 'model_versions.id', 'predictions.model_version')
      .select(['predictions.smiles', 'predictions.inchikey'])
      .where((eb) => eb.or([eb('predictions.inchikey', '=', inchikey), eb('predictions.nearest_inchikey', '=', inchikey)]))
      .where('model_versions.team', 'in', visible)
      .limit(1)
      .executeTakeFirst();
    if (!measured && !predicted) throw unknown();
    const smiles = compound?.smiles ?? (predicted?.inchikey === inchikey ? predicted.smiles : undefined);
    if (!smiles) throw unknown();
    const svg = await moleculeSvg(smiles);
    if (!svg) throw unknown();
    return svg;
  });
}
