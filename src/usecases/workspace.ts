import { featurizeFile, type FeaturizeFileOptions, type FeaturizeSummary } from '../data/featurize-file.js';
import { openStore, type Backend } from '../store/store.js';

/** Use cases that need no context: creating a workspace, and featurizing a file (no store). */

/** Creates (or upgrades) a workspace's store: the embedded SQLite file, or a PostgreSQL database, migrated. Safe to run again. */
export async function initWorkspace(o: {
  workspace: string;
  databaseUrl?: string;
  blobDir?: string;
}): Promise<{ workspace: string; backend: Backend; store: string }> {
  const store = await openStore({ workspace: o.workspace, databaseUrl: o.databaseUrl, migrate: true, blobDir: o.blobDir });
  await store.close();
  return { workspace: o.workspace, backend: store.backend, store: store.location };
}

/** Standardizes a structure file and writes descriptors, fingerprints and scaffolds, with a rejects file. */
export function featurize(o: FeaturizeFileOptions): Promise<FeaturizeSummary> {
  return featurizeFile(o);
}
