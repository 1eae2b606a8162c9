import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { computeFeatures as computeFeatureRows, defineFeatureSet } from '../data/features.js';
import type { FeatureRecipe } from '../chem/featurize.js';
import { ingestFile, type IngestOptions } from '../data/ingest.js';
import { createSnapshot, diffSnapshots, listSnapshots, readSnapshot, type SnapshotDefinition } from '../data/snapshots.js';
import { inContext, type Context } from './context.js';

/** Versioned data: ingest assay files, take content-addressed snapshots, fill the feature cache. */

/** Ingests one assay file (validated, one transaction, quarantine report) as ctx.actor. */
export function ingest(ctx: Context, o: Omit<IngestOptions, 'actor' | 'quarantineDir'> & { quarantineDir?: string }) {
  // Quarantine reports go to the workspace; a context without one keeps them in a temp folder (the blob has them too).
  const quarantineDir = o.quarantineDir ?? join(ctx.workspace ?? tmpdir(), 'quarantine');
  return inContext(ctx, () => ingestFile(ctx.store, { ...o, actor: ctx.actor, quarantineDir }));
}

export function createDataset(ctx: Context, def: SnapshotDefinition) {
  return inContext(ctx, () => createSnapshot(ctx.store, def, ctx.actor));
}

export function showDataset(ctx: Context, ref: string) {
  return inContext(ctx, () => readSnapshot(ctx.store, ref));
}

export function diffDatasets(ctx: Context, a: string, b: string) {
  return inContext(ctx, () => diffSnapshots(ctx.store, a, b));
}

export function listDatasets(ctx: Context, endpoint?: string) {
  return inContext(ctx, () => listSnapshots(ctx.store, endpoint));
}

/** Defines a feature set (hashed with the RDKit version) and computes the snapshot's missing features into the shared cache. */
export function computeFeatures(
  ctx: Context,
  o: { snapshot: string; name: string; recipe: FeatureRecipe; workers?: number; onProgress?: (done: number, total: number) => void },
) {
  return inContext(ctx, async () => {
    const { set } = await defineFeatureSet(ctx.store, o.name, o.recipe);
    return computeFeatureRows(ctx.store, { snapshot: o.snapshot, featureSet: set, workers: o.workers, onProgress: o.onProgress });
  });
}
