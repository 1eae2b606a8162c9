/**
 * A small workspace for compute tests: 120 combinatorial compounds with a label that
 * depends on their R-groups, one endpoint and protocol, and a tiny random-forest recipe
 * (10 trees: a build takes seconds).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addEndpoint } from '../../src/data/endpoints.js';
import { ingestFile } from '../../src/data/ingest.js';
import { validateMapping } from '../../src/data/mapping.js';
import { addProtocolVersion } from '../../src/data/protocols.js';
import type { Store } from '../../src/store/store.js';
import { validateRecipe, type Recipe } from '../../src/training/recipe.js';
import { combinatorialSmiles } from '../helpers/molecules.js';

export async function seedStore(store: Store, dir: string, compounds = 120): Promise<void> {
  await addEndpoint(
    store,
    { name: 'logd', unit: 'ratio', transform: 'none', direction: 'higher_is_better', validMin: null, validMax: null, description: '' },
    'alice',
  );
  await addProtocolVersion(store, { protocol: 'shake', endpoint: 'logd', unit: 'ratio', site: 's', vendor: 'v', parameters: {} }, 'alice');
  const smiles = combinatorialSmiles(compounds);
  const csv = ['id,smiles,logd', ...smiles.map((s, i) => `c${i},${s},${((s.length % 17) / 4 + (s.includes('Cl') ? 1 : 0)).toFixed(3)}`)].join('\n') + '\n';
  const file = join(dir, 'assay.csv');
  writeFileSync(file, csv);
  await ingestFile(store, {
    path: file,
    mapping: validateMapping({ team: 'chem', protocol: 'shake', columns: { id: 'id', structure: 'smiles', value: 'logd' } }),
    actor: 'alice',
    quarantineDir: dir,
    workers: 1,
  });
}

export const recipe = (patch: Record<string, unknown> = {}): Recipe =>
  validateRecipe({
    model: 'logd-rf',
    team: 'chem',
    endpoint: 'logd',
    dataset: { aggregate: 'mean' },
    features: { descriptors: 'rdkit-desc@1', radius: 2, bits: 1024 },
    split: { method: 'scaffold', seed: 0, train: 0.7, calibration: 0.15, test: 0.15 },
    algorithm: 'random-forest',
    params: { nEstimators: 10 },
    seed: 7,
    ...patch,
  });
