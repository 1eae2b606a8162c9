import { decodeJson } from '../core/decode.js';
import { RotguardError } from '../core/errors.js';
import { featureSetDefinitionDecoder, protocolParametersDecoder } from '../data/decoders.js';
import { readSnapshot } from '../data/snapshots.js';
import { buildEnvironmentDecoder } from '../registry/decoders.js';
import type { BuildEnvironment } from '../training/environment.js';
import { decodeStoredRecipe } from '../training/decoders.js';
import type { SplitRule } from '../validate/splits.js';
import { versionFromRow } from '../registry/registry.js';
import type { Store } from '../store/store.js';
import { measurementProvenance } from './provenance.js';

/**
 * The lineage of one prediction, walked backwards: prediction → model version → build
 * (recipe, environment, feature version) → dataset snapshot → the measurements it
 * aggregated → their assay protocol versions and source files. Read-only; every link is
 * looked up, not assumed, and a broken link is reported as such.
 */
export interface PredictionTrace {
  prediction: {
    id: string;
    request: string;
    inputId: string;
    inputHash: string;
    smiles: string;
    inchikey: string;
    value: number;
    lower: number | null;
    upper: number | null;
    intervalLevel: number | null;
    maxSimilarity: number | null;
    nearestInchikey: string | null;
    scaffoldSeen: boolean | null;
    modelFrozen: boolean;
    requestedAt: string;
    requestedBy: string;
  };
  version: { id: string; origin: string; createdAt: string; createdBy: string; featureHash: string; featureContractMatches: boolean; aliases: string[] };
  build: {
    hash: string;
    trainSeconds: number;
    createdAt: string;
    createdBy: string;
    algorithm: string;
    seed: number;
    split: SplitRule;
    environment: BuildEnvironment;
  } | null;
  features: { hash: string; name: string; descriptors: string | null } | null;
  snapshot: { hash: string; definition: unknown; compounds: number; measurements: number; createdAt: string } | null;
  /** Measurements behind the training data, grouped by protocol version and source file. */
  protocols: Array<{ id: string; site: string; vendor: string; unit: string; parameters: unknown; measurements: number }>;
  sources: Array<{
    id: string;
    path: string;
    fileSha256: string;
    ingestedAt: string;
    ingestedBy: string;
    team: string;
    protocolVersion: string;
    measurements: number;
  }>;
  /** The nearest training compound's own measurements: the closest evidence behind this value. */
  nearest: {
    inchikey: string;
    smiles: string | null;
    label: number | null;
    measurements: Array<{
      id: string;
      value: number;
      protocolVersion: string;
      source: string;
      sourceLine: number;
      measuredAt: string | null;
      reportedAt: string | null;
    }>;
  } | null;
  /** Links that could not be followed (missing rows or blobs). */
  broken: string[];
}

export async function tracePrediction(store: Store, id: string): Promise<PredictionTrace> {
  const p = await store.db.selectFrom('predictions').selectAll().where('id', '=', id).executeTakeFirst();
  if (!p)
    throw new RotguardError(
      'unknown_prediction',
      `no prediction with id ${id}; ids are in the predict output's prediction_id column and in "rotguard predictions export"`,
    );
  const broken: string[] = [];
  const vRow = await store.db.selectFrom('model_versions').selectAll().where('id', '=', p.model_version).executeTakeFirst();
  if (!vRow) throw new RotguardError('broken_lineage', `prediction ${id} names model version ${p.model_version}, which is not in the registry`);
  const version = versionFromRow(vRow);
  const aliases = (await store.db.selectFrom('model_aliases').select('alias').where('version_id', '=', version.id).execute()).map((a) => a.alias);
  const trace: PredictionTrace = {
    prediction: {
      id: p.id,
      request: p.request,
      inputId: p.input_id,
      inputHash: p.input_hash,
      smiles: p.smiles,
      inchikey: p.inchikey,
      value: p.value,
      lower: p.lower,
      upper: p.upper,
      intervalLevel: p.interval_level,
      maxSimilarity: p.max_similarity,
      nearestInchikey: p.nearest_inchikey,
      scaffoldSeen: p.scaffold_seen === null ? null : p.scaffold_seen === 1,
      modelFrozen: p.model_frozen === 1,
      requestedAt: p.requested_at,
      requestedBy: p.requested_by,
    },
    version: {
      id: version.id,
      origin: version.origin,
      createdAt: version.createdAt,
      createdBy: version.createdBy,
      featureHash: version.featureHash,
      featureContractMatches: p.feature_hash === version.featureHash,
      aliases,
    },
    build: null,
    features: null,
    snapshot: null,
    protocols: [],
    sources: [],
    nearest: null,
    broken,
  };
  if (!trace.version.featureContractMatches)
    broken.push(`prediction was computed with features ${p.feature_hash.slice(0, 12)}, but ${version.id} expects ${version.featureHash.slice(0, 12)}`);

  const fs = await store.db.selectFrom('feature_sets').selectAll().where('hash', '=', version.featureHash).executeTakeFirst();
  if (fs) {
    const def = decodeJson(fs.definition, featureSetDefinitionDecoder, { kind: 'row', what: `definition of feature set ${fs.name}`, id: fs.hash });
    trace.features = { hash: fs.hash, name: fs.name, descriptors: def.recipe.descriptors };
  } else broken.push(`feature version ${version.featureHash.slice(0, 12)} is not recorded`);

  if (!version.buildHash) {
    broken.push(`${version.id} was ${version.origin}, not built by rotguard: no build, snapshot or measurements to trace`);
    return trace;
  }
  const b = await store.db.selectFrom('builds').selectAll().where('hash', '=', version.buildHash).executeTakeFirst();
  if (!b) {
    broken.push(`build ${version.buildHash.slice(0, 12)} of ${version.id} is not in the store`);
    return trace;
  }
  const recipe = decodeStoredRecipe(b.recipe, b.hash);
  const environment = decodeJson(b.environment, buildEnvironmentDecoder, { kind: 'row', what: 'environment of build', id: b.hash });
  trace.build = {
    hash: b.hash,
    trainSeconds: b.train_seconds,
    createdAt: b.created_at,
    createdBy: b.created_by,
    algorithm: recipe.algorithm,
    seed: recipe.seed,
    split: recipe.split,
    environment,
  };

  let snapshot: Awaited<ReturnType<typeof readSnapshot>>;
  try {
    snapshot = await readSnapshot(store, b.snapshot);
  } catch (e) {
    broken.push(`snapshot ${b.snapshot.slice(0, 12)}: ${e instanceof Error ? e.message : String(e)}`);
    return trace;
  }
  trace.snapshot = {
    hash: snapshot.info.hash,
    definition: snapshot.definition,
    compounds: snapshot.info.compounds,
    measurements: snapshot.info.measurements,
    createdAt: snapshot.info.createdAt,
  };

  // Measurements behind the snapshot, summarised by protocol version and source file (in chunks: SQL parameter limits).
  const { total, found, bySource, byProtocol } = await measurementProvenance(
    store,
    snapshot.rows.flatMap((r) => r.measurements),
  );
  if (found !== total) broken.push(`${total - found} of the snapshot's ${total} measurements are no longer in the store`);
  for (const [pv, { measurements }] of [...byProtocol.entries()].sort()) {
    const r = await store.db.selectFrom('protocol_versions').selectAll().where('id', '=', pv).executeTakeFirst();
    if (!r) broken.push(`protocol version ${pv} is not recorded`);
    else
      trace.protocols.push({
        id: r.id,
        site: r.site,
        vendor: r.vendor,
        unit: r.unit,
        parameters: decodeJson(r.parameters, protocolParametersDecoder, { kind: 'row', what: `parameters of protocol ${r.id}`, id: r.id }),
        measurements,
      });
  }
  for (const [source, { protocolVersion, measurements }] of bySource) {
    const r = await store.db.selectFrom('sources').selectAll().where('id', '=', source).executeTakeFirst();
    if (!r) broken.push(`source ${source.slice(0, 12)} is not recorded`);
    else
      trace.sources.push({
        id: r.id,
        path: r.path,
        fileSha256: r.file_sha256,
        ingestedAt: r.ingested_at,
        ingestedBy: r.ingested_by,
        team: r.team,
        protocolVersion,
        measurements,
      });
  }
  trace.sources.sort((a, b) => (a.ingestedAt < b.ingestedAt ? -1 : a.ingestedAt > b.ingestedAt ? 1 : 0));

  if (p.nearest_inchikey) {
    const row = snapshot.rows.find((r) => r.inchikey === p.nearest_inchikey);
    const ms = row?.measurements.length
      ? await store.db.selectFrom('measurements').selectAll().where('id', 'in', row.measurements).orderBy('measured_at').execute()
      : [];
    trace.nearest = {
      inchikey: p.nearest_inchikey,
      smiles: row?.smiles ?? null,
      label: row?.label ?? null,
      measurements: ms.map((m) => ({
        id: m.id,
        value: m.value,
        protocolVersion: m.protocol_version,
        source: m.source,
        sourceLine: m.source_line,
        measuredAt: m.measured_at,
        reportedAt: m.reported_at,
      })),
    };
  }
  return trace;
}

/** The trace as indented text, one link per line. */
export function describeTrace(t: PredictionTrace): string {
  const p = t.prediction;
  const lines: string[] = [];
  const interval = p.lower !== null && p.upper !== null ? ` [${p.lower.toFixed(2)}, ${p.upper.toFixed(2)}] at ${p.intervalLevel}` : '';
  lines.push(`prediction ${p.id}`);
  lines.push(`  ${p.inputId}  ${p.smiles}`);
  lines.push(
    `  value ${p.value.toFixed(3)}${interval}; nearest training Tanimoto ${p.maxSimilarity?.toFixed(2) ?? 'n/a'}, scaffold ${p.scaffoldSeen === null ? 'n/a' : p.scaffoldSeen ? 'seen' : 'unseen'}${p.modelFrozen ? '; SERVED WHILE FROZEN' : ''}`,
  );
  lines.push(`  requested ${p.requestedAt} by ${p.requestedBy} (request ${p.request.slice(0, 12)}, input sha256 ${p.inputHash.slice(0, 12)})`);
  lines.push(
    `→ model version ${t.version.id} (${t.version.origin} ${t.version.createdAt} by ${t.version.createdBy}${t.version.aliases.length ? `; now ${t.version.aliases.join(', ')}` : ''})`,
  );
  lines.push(
    `  feature contract ${t.version.featureHash.slice(0, 12)} ${t.version.featureContractMatches ? 'matches the prediction' : 'DOES NOT match the prediction'}${t.features ? ` (${t.features.name})` : ''}`,
  );
  if (t.build) {
    const env = t.build.environment;
    lines.push(`→ build ${t.build.hash.slice(0, 16)}: ${t.build.algorithm}, seed ${t.build.seed}, split ${JSON.stringify(t.build.split)}`);
    lines.push(
      `  trained ${t.build.createdAt} by ${t.build.createdBy} in ${t.build.trainSeconds.toFixed(1)} s; rotguard ${String(env.rotguard)} code ${String(env.codeSha256).slice(0, 12)}, RDKit ${String(env.rdkit)}, Node ${String(env.node)}`,
    );
  }
  if (t.snapshot)
    lines.push(
      `→ snapshot ${t.snapshot.hash.slice(0, 16)}: ${t.snapshot.compounds} compounds from ${t.snapshot.measurements} measurements; ${JSON.stringify(t.snapshot.definition)}`,
    );
  for (const pv of t.protocols)
    lines.push(`→ protocol ${pv.id} (${pv.site}, ${pv.vendor}, ${pv.unit}): ${pv.measurements} measurements; ${JSON.stringify(pv.parameters)}`);
  for (const s of t.sources)
    lines.push(
      `  source ${s.path} sha256 ${s.fileSha256.slice(0, 12)} (${s.protocolVersion}, ${s.measurements} measurements, ingested ${s.ingestedAt} by ${s.ingestedBy})`,
    );
  if (t.nearest) {
    lines.push(`nearest training compound ${t.nearest.smiles ?? t.nearest.inchikey} (label ${t.nearest.label?.toFixed(3) ?? 'n/a'}):`);
    for (const m of t.nearest.measurements)
      lines.push(
        `  ${m.value.toPrecision(4)} under ${m.protocolVersion}, measured ${m.measuredAt ?? '?'} reported ${m.reportedAt ?? '?'} (source ${m.source.slice(0, 12)} line ${m.sourceLine})`,
      );
  }
  if (t.broken.length) {
    lines.push('BROKEN LINKS:');
    for (const b of t.broken) lines.push(`  ${b}`);
  }
  return lines.join('\n') + '\n';
}
