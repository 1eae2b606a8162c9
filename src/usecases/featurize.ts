import { featurizeFile, type FeaturizeFileOptions, type FeaturizeSummary } from '../data/featurize-file.js';

/**
 * Standardizes a structure file and writes descriptors, fingerprints and scaffolds, with a
 * rejects file. A module of its own: featurize needs no store, and a batch job timed as a whole
 * process should not load the store and server modules (~0.3 s of start-up).
 */
export function featurize(o: FeaturizeFileOptions): Promise<FeaturizeSummary> {
  return featurizeFile(o);
}
