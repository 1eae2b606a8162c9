// rotguard as a library: the same use cases the CLI calls. Run from the repository root:
//   node examples/library.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addEndpoint,
  addProtocol,
  buildModel,
  createContext,
  ingest,
  openStore,
  predict,
  promote,
  RotguardError,
  setGate,
  trace,
  validateMapping,
  validateRecipe,
  withActor,
} from 'rotguard';

const dir = mkdtempSync(join(tmpdir(), 'rotguard-library-'));
const store = await openStore({ workspace: join(dir, '.rotguard'), migrate: true });
// Who acts is passed in (a server passes its authenticated user), never read from a global.
const ana = createContext(store, { actor: 'ana', workspace: join(dir, '.rotguard') });
try {
  await addEndpoint(ana, {
    name: 'solubility',
    unit: 'M',
    transform: 'log10',
    direction: 'higher_is_better',
    validMin: 1e-12,
    validMax: 10,
    description: 'logS',
  });
  await addProtocol(ana, { protocol: 'kinetic', endpoint: 'solubility', unit: 'uM', site: 'site-1', vendor: 'in-house', parameters: { pH: 7.4 } });
  const mapping = validateMapping({
    team: 'adme',
    protocol: 'kinetic',
    columns: { id: 'compound_id', structure: 'smiles', value: 'solubility_uM', measured_at: 'measured_at', reported_at: 'reported_at' },
  });
  const ingested = await ingest(ana, { path: 'examples/solubility-sample.csv', mapping, workers: 1 });
  console.log(`ingested ${ingested.accepted} of ${ingested.rows} rows`);

  const recipe = validateRecipe({
    model: 'sol-rf',
    team: 'adme',
    endpoint: 'solubility',
    dataset: { aggregate: 'mean' },
    algorithm: 'random-forest',
    params: { nEstimators: 30 },
    split: { method: 'random', seed: 1, train: 0.7, calibration: 0.15, test: 0.15 },
    seed: 1,
  });
  const built = await buildModel(ana, recipe);
  console.log(`built ${built.version.id}, test MAE ${built.report.test.mae.toFixed(2)}`);

  await setGate(ana, 'solubility', { minTestSize: 10, requireSplit: 'any', maxMae: 1.5 });
  // Four eyes: the builder cannot promote their own model...
  await promote(ana, { ref: built.version.id, alias: 'champion', reason: 'mine' }).catch((e) => {
    if (!(e instanceof RotguardError) || e.code !== 'approver_is_builder') throw e;
    console.log(`refused: ${e.code}`);
  });
  // ...a second person can.
  await promote(withActor(ana, 'ben'), { ref: built.version.id, alias: 'champion', reason: 'validation reviewed' });

  const served = await predict(withActor(ana, 'carl'), {
    modelRef: 'sol-rf@champion',
    input: 'examples/solubility-sample.csv',
    smilesColumn: 'smiles',
    idColumn: 'compound_id',
    out: join(dir, 'predictions.csv'),
    workers: 1,
  });
  const first = await store.db.selectFrom('predictions').select('id').where('request', '=', served.request).executeTakeFirstOrThrow();
  const t = await trace(ana, first.id);
  console.log(`predicted ${served.predicted}; ${first.id} traces to ${t.sources.map((s) => s.path).join(', ')}`);
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
