/**
 * bench/serve/predict-memory: `predict` on a large file streams with bounded memory.
 * Builds a small model in a temporary workspace, writes N structures (combinatorial
 * med-chem molecules, repeated with new ids), predicts them, and samples the process's
 * resident memory (RSS, which includes the worker threads) every 250 ms.
 *
 *   npm run bench:predict-memory [-- --rows 100000]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { build, UNGOVERNED } from '../../src/training/build.js';
import { validateRecipe } from '../../src/training/recipe.js';
import { addEndpoint } from '../../src/data/endpoints.js';
import { ingestFile } from '../../src/data/ingest.js';
import { validateMapping } from '../../src/data/mapping.js';
import { addProtocolVersion } from '../../src/data/protocols.js';
import { predictFile } from '../../src/serve/predict.js';
import { openStore } from '../../src/store/store.js';
import { combinatorialSmiles } from '../../test/helpers/molecules.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '100000' } } });
const rows = Number(values.rows);
const dir = mkdtempSync(join(tmpdir(), 'rotguard-bench-predict-'));
try {
  await loadRDKit();
  const store = await openStore({ workspace: join(dir, 'ws'), migrate: true });
  await addEndpoint(
    store,
    { name: 'logd', unit: 'ratio', transform: 'none', direction: 'higher_is_better', validMin: null, validMax: null, description: '' },
    'bench',
  );
  await addProtocolVersion(store, { protocol: 'shake', endpoint: 'logd', unit: 'ratio', site: 's', vendor: 'v', parameters: {} }, 'bench');
  const pool = combinatorialSmiles(10_000);
  writeFileSync(
    join(dir, 'train.csv'),
    ['id,smiles,logd', ...pool.slice(0, 1000).map((s, i) => `c${i},${s},${((s.length % 13) / 3).toFixed(3)}`)].join('\n') + '\n',
  );
  await ingestFile(store, {
    path: join(dir, 'train.csv'),
    mapping: validateMapping({ team: 't', protocol: 'shake', columns: { id: 'id', structure: 'smiles', value: 'logd' } }),
    actor: 'bench',
    quarantineDir: dir,
  });
  await build(
    store,
    validateRecipe({
      model: 'm',
      team: 't',
      endpoint: 'logd',
      dataset: { aggregate: 'mean' },
      algorithm: 'random-forest',
      params: { nEstimators: 50 },
      seed: 1,
    }),
    'bench',
    UNGOVERNED,
  );
  const lines = ['id,smiles'];
  for (let i = 0; i < rows; i++) lines.push(`q${i},${pool[i % pool.length]}`);
  writeFileSync(join(dir, 'big.csv'), lines.join('\n') + '\n');
  lines.length = 0;

  let peak = 0;
  const base = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 250);
  const started = performance.now();
  const s = await predictFile(store, { modelRef: 'm@1', input: join(dir, 'big.csv'), out: join(dir, 'out.csv'), actor: 'bench' });
  clearInterval(timer);
  const seconds = (performance.now() - started) / 1000;
  await store.close();
  console.log(`bench/serve/predict-memory — npm run bench:predict-memory -- --rows ${rows}
machine: ${cpus()[0]?.model ?? 'unknown'}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}
predicted ${s.predicted} of ${s.rows} rows in ${seconds.toFixed(0)} s (${(s.predicted / seconds).toFixed(0)} molecules/s, ${availableParallelism()} workers)
resident memory: ${(base / 2 ** 20).toFixed(0)} MiB before, peak ${(peak / 2 ** 20).toFixed(0)} MiB during (sampled every 250 ms; includes the worker threads)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
