import { nowIso } from '../core/clock.js';
import { RotguardError } from '../core/errors.js';
import { decodeJson } from '../core/decode.js';
import { canonicalJson } from '../core/hash.js';
import { ChemPool } from '../chem/chem-pool.js';
import { descriptorDictionary } from '../chem/descriptors.js';
import { featureVersion, type FeatureRecipe, type FeatureVersion } from '../chem/featurize.js';
import { fingerprintToHex, wordsFor } from '../chem/fingerprint.js';
import { loadRDKit } from '../chem/rdkit.js';
import type { Store } from '../store/store.js';
import { featureSetDefinitionDecoder } from './decoders.js';
import { readSnapshot } from './snapshots.js';

/**
 * A feature set names a feature recipe (descriptor dictionary + fingerprint parameters);
 * its hash is the feature version (which also covers the RDKit version). The cache is
 * keyed by (InChIKey, feature hash), so every team computing the same features on the
 * same compounds computes them once.
 */
export interface FeatureSet {
  name: string;
  hash: string;
  recipe: FeatureRecipe;
  version: FeatureVersion;
}

export async function defineFeatureSet(store: Store, name: string, recipe: FeatureRecipe): Promise<{ status: 'created' | 'exists'; set: FeatureSet }> {
  await loadRDKit();
  descriptorDictionary(recipe.descriptors); // validates the id
  const version = featureVersion(recipe);
  const existing = await store.db.selectFrom('feature_sets').selectAll().where('hash', '=', version.hash).executeTakeFirst();
  if (existing) return { status: 'exists', set: { name: existing.name, hash: existing.hash, recipe, version } };
  await store.db
    .insertInto('feature_sets')
    .values({ hash: version.hash, name, definition: canonicalJson({ recipe, version }), created_at: nowIso() })
    .execute();
  return { status: 'created', set: { name, hash: version.hash, recipe, version } };
}

export async function resolveFeatureSet(store: Store, ref: string): Promise<FeatureSet> {
  const rows = await store.db
    .selectFrom('feature_sets')
    .selectAll()
    .where((eb) => eb.or([eb('name', '=', ref), eb('hash', 'like', `${ref}%`)]))
    .execute();
  if (!rows.length) throw new RotguardError('unknown_feature_set', `no feature set "${ref}"`);
  const row = rows.find((r) => r.name === ref) ?? rows[0]!;
  const def = decodeJson(row.definition, featureSetDefinitionDecoder, { kind: 'row', what: `definition of feature set ${row.name}`, id: row.hash });
  return { name: row.name, hash: row.hash, recipe: def.recipe, version: def.version };
}

export interface ComputeFeaturesSummary {
  featureSet: string;
  featureHash: string;
  snapshot: string;
  compounds: number;
  cached: number;
  computed: number;
  failed: number;
  seconds: number;
}

/** Computes the features of a snapshot's compounds that are not cached yet. */
export async function computeFeatures(
  store: Store,
  options: { snapshot: string; featureSet: FeatureSet; workers?: number; onProgress?: (done: number, total: number) => void },
): Promise<ComputeFeaturesSummary> {
  const started = performance.now();
  const snapshot = await readSnapshot(store, options.snapshot);
  const set = options.featureSet;
  const keys = snapshot.rows.map((r) => r.inchikey);
  const cached = new Set<string>();
  for (let i = 0; i < keys.length; i += 500) {
    const rows = await store.db
      .selectFrom('feature_cache')
      .select('inchikey')
      .where('feature_hash', '=', set.hash)
      .where('inchikey', 'in', keys.slice(i, i + 500))
      .execute();
    for (const r of rows) cached.add(r.inchikey);
  }
  const todo = snapshot.rows.filter((r) => !cached.has(r.inchikey));
  let computed = 0;
  let failed = 0;
  if (todo.length) {
    const dict = descriptorDictionary(set.recipe.descriptors);
    const nd = dict.descriptors.length;
    const words = wordsFor(set.recipe.morgan.nBits);
    const pool = await ChemPool.start(options.workers ?? ChemPool.defaultSize());
    try {
      const size = 64;
      const jobs = [];
      for (let i = 0; i < todo.length; i += size) {
        const part = todo.slice(i, i + size);
        jobs.push({
          part,
          result: pool.features(
            part.map((r, k) => ({ line: i + k + 1, structure: r.smiles })),
            set.recipe,
          ),
        });
      }
      const now = nowIso();
      for (const job of jobs) {
        const result = await job.result;
        const rows = [];
        for (let k = 0; k < job.part.length; k++) {
          const m = result.molecules[k];
          if (!m) {
            failed++;
            continue;
          }
          const values = Array.from(result.descriptors.subarray(k * nd, (k + 1) * nd), (v) => (Number.isNaN(v) ? null : v));
          rows.push({
            inchikey: job.part[k]!.inchikey,
            feature_hash: set.hash,
            descriptors: JSON.stringify(values),
            fingerprint: fingerprintToHex(result.fingerprints, k * words, words),
            scaffold: m.scaffold,
            framework: m.framework,
            computed_at: now,
          });
        }
        if (rows.length) {
          await store.db
            .insertInto('feature_cache')
            .values(rows)
            .onConflict((oc) => oc.columns(['inchikey', 'feature_hash']).doNothing())
            .execute();
        }
        computed += rows.length;
        options.onProgress?.(computed + failed, todo.length);
      }
    } finally {
      await pool.close();
    }
  }
  return {
    featureSet: set.name,
    featureHash: set.hash,
    snapshot: snapshot.info.hash,
    compounds: keys.length,
    cached: cached.size,
    computed,
    failed,
    seconds: (performance.now() - started) / 1000,
  };
}
