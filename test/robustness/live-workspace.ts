import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addEndpoint } from '../../src/data/endpoints.js';
import { ingestFile } from '../../src/data/ingest.js';
import { validateMapping } from '../../src/data/mapping.js';
import { addProtocolVersion } from '../../src/data/protocols.js';
import { promote, setGate } from '../../src/registry/registry.js';
import type { Store } from '../../src/store/store.js';
import { build, UNGOVERNED } from '../../src/training/build.js';
import { validateRecipe } from '../../src/training/recipe.js';
import { readValidationReport } from '../../src/validate/decoders.js';
import { combinatorialSmiles } from '../helpers/molecules.js';

/**
 * A small live workspace: endpoint, protocol, 130 measured compounds, model logd-rf@1
 * built, gated and promoted to champion by a second person. Returns structures not in
 * training, for prediction files, the recipe and mapping, and a report reader for
 * further promotions. `gate` replaces the release gate's thresholds; `team` and `model`
 * make the same model for another team (its recipe then selects only that team's labels),
 * so several teams can share one store.
 */
export async function liveWorkspace(store: Store, dir: string, tag: string, o: { gate?: Record<string, unknown>; team?: string; model?: string } = {}) {
  const team = o.team ?? 'chem';
  const model = o.model ?? 'logd-rf';
  const readReport = (b: string) => readValidationReport(store.blobs, b);
  await addEndpoint(
    store,
    { name: 'logd', unit: 'ratio', transform: 'none', direction: 'higher_is_better', validMin: null, validMax: null, description: '' },
    'ana',
  );
  await addProtocolVersion(store, { protocol: 'shake', endpoint: 'logd', unit: 'ratio', site: 's', vendor: 'v', parameters: {} }, 'ana');
  const mapping = validateMapping({
    team,
    protocol: 'shake',
    columns: { id: 'id', structure: 'smiles', value: 'logd', measured_at: 'measured', reported_at: 'reported' },
  });
  const smiles = combinatorialSmiles(3000);
  // Another team's labels differ slightly: identical values would be refused as duplicates of the first team's.
  const shift = o.team ? ([...team].reduce((a, ch) => a + ch.charCodeAt(0), 0) % 97) / 1000 : 0;
  const train = join(dir, `${tag}-train.csv`);
  writeFileSync(
    train,
    [
      'id,smiles,logd,measured,reported',
      ...smiles.slice(0, 130).map((s, i) => `c${i},${s},${((s.length % 13) / 3 + shift).toFixed(3)},2024-01-02,2024-01-20`),
    ].join('\n') + '\n',
  );
  await ingestFile(store, { path: train, mapping, actor: 'ana', quarantineDir: dir, workers: 1 });
  const recipe = validateRecipe({
    model,
    team,
    endpoint: 'logd',
    dataset: { aggregate: 'mean', reported_by: '2024-01-31', ...(o.team ? { teams: [team] } : {}) },
    algorithm: 'random-forest',
    params: { nEstimators: 5 },
    split: { method: 'random', seed: 0, train: 0.7, calibration: 0.15, test: 0.15 },
    seed: 1,
  });
  await build(store, recipe, 'ana', UNGOVERNED);
  await setGate(store, 'logd', o.gate ?? { minTestSize: 5, requireSplit: 'any' }, 'lead');
  await promote(store, { ref: `${model}@1`, alias: 'champion', actor: 'ben', reason: 'reviewed', readReport });
  return { unseen: smiles.slice(130), recipe, mapping, readReport };
}

/** A prediction input of n structures. */
export function predictionFile(path: string, smiles: string[]): string {
  writeFileSync(path, ['id,smiles', ...smiles.map((s, i) => `q${i},${s}`)].join('\n') + '\n');
  return path;
}
