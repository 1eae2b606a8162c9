import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { RotguardError } from '../../src/core/errors.js';
import { validateMapping } from '../../src/data/mapping.js';
import { recordFreeze, withModelLock } from '../../src/registry/registry.js';
import { readEvents } from '../../src/store/event-log.js';
import { openStore, type Store } from '../../src/store/store.js';
import { validateRecipe } from '../../src/training/recipe.js';
import { createContext, withActor, type Context } from '../../src/usecases/context.js';
import { ingest } from '../../src/usecases/data.js';
import { buildModel, promote } from '../../src/usecases/models.js';
import { addEndpoint, addProtocol, setGate } from '../../src/usecases/standards.js';
import { combinatorialSmiles } from '../helpers/molecules.js';
import { forEachBackend } from '../store/backends.js';

const dir = mkdtempSync(join(tmpdir(), 'rotguard-governance-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const recipe = validateRecipe({
  model: 'logd-rf',
  team: 'chem',
  endpoint: 'logd',
  dataset: { aggregate: 'mean' },
  algorithm: 'random-forest',
  params: { nEstimators: 8 },
  split: { method: 'random', seed: 0, train: 0.7, calibration: 0.15, test: 0.15 },
  seed: 1,
});

async function modelWithGate(store: Store, tag: string): Promise<Context> {
  const ana = createContext(store, { actor: 'ana' });
  await addEndpoint(ana, { name: 'logd', unit: 'ratio', transform: 'none', direction: 'higher_is_better', validMin: null, validMax: null, description: '' });
  await addProtocol(ana, { protocol: 'shake', endpoint: 'logd', unit: 'ratio', site: 's', vendor: 'v', parameters: {} });
  const smiles = combinatorialSmiles(120);
  const file = join(dir, `${tag}.csv`);
  writeFileSync(file, ['id,smiles,logd', ...smiles.map((s, i) => `c${i},${s},${((s.length % 13) / 3).toFixed(3)}`)].join('\n') + '\n');
  await ingest(ana, {
    path: file,
    mapping: validateMapping({ team: 'chem', protocol: 'shake', columns: { id: 'id', structure: 'smiles', value: 'logd' } }),
    quarantineDir: dir,
    workers: 1,
  });
  await buildModel(ana, recipe);
  await setGate(withActor(ana, 'lead'), 'logd', { minTestSize: 5, requireSplit: 'any' });
  return ana;
}

forEachBackend('governance in the use cases', (b) => {
  before(() => loadRDKit());

  it('a retrain of a model in production needs a decision or a reason, checked before training and logged where the version is registered', async () => {
    const store = await b.openFresh();
    const ana = await modelWithGate(store, `${b.backend}-retrain`);
    await promote(withActor(ana, 'ben'), { ref: 'logd-rf@1', alias: 'champion', reason: 'reviewed' });
    await assert.rejects(buildModel(ana, { ...recipe, seed: 2 }), (e: unknown) => e instanceof RotguardError && e.code === 'override_reason_required');
    assert.equal((await store.db.selectFrom('builds').select('hash').execute()).length, 1, 'nothing trained for a refused retrain');
    const v2 = await buildModel(ana, { ...recipe, seed: 2 }, { overrideReason: 'corrected vendor data' });
    const kinds = (await readEvents(store.db, { model: 'logd-rf' })).map((e) => e.kind);
    const at = kinds.lastIndexOf('retrain_override');
    assert.ok(at >= 0 && kinds.slice(at + 1).includes('registered'), `the basis is logged with the registration: ${kinds.join(', ')}`);
    assert.equal(v2.version.id, 'logd-rf@2');
    // An identical build is a cache hit: nothing new is registered, so no basis is needed.
    assert.equal((await buildModel(ana, { ...recipe, seed: 2 })).cacheHit, true);
  });

  it('a promotion waits for a freeze being recorded and is refused by it (checks inside the writing transaction)', async (t) => {
    if (b.backend === 'sqlite') return t.skip('SQLite serializes writers in one process; the race needs two connections (PostgreSQL)');
    const location = await b.freshLocation();
    const a = await openStore({ ...location, migrate: true });
    const other = await openStore(location);
    try {
      const ana = await modelWithGate(a, `${b.backend}-race`);
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let locked!: () => void;
      const haveLock = new Promise<void>((r) => (locked = r));
      // Connection A records a freeze and holds its transaction open...
      const freezing = withModelLock(a, 'logd-rf', async (trx) => {
        await recordFreeze(trx, {
          model: 'logd-rf',
          versionId: 'logd-rf@1',
          actor: 'policy',
          reason: 'assay shift',
          payload: { policyHash: 'f'.repeat(64), window: { label: '2026-W01', start: '2026-01-05T00:00:00.000Z', end: '2026-01-11T23:59:59.999Z' } },
        });
        locked();
        await held;
      });
      await haveLock;
      // ...while connection B promotes: it must wait for A and then see the freeze.
      const promoting = promote(createContext(other, { actor: 'ben' }), { ref: 'logd-rf@1', alias: 'champion', reason: 'reviewed' });
      await new Promise((r) => setTimeout(r, 200));
      release();
      await freezing;
      await assert.rejects(promoting, (e: unknown) => e instanceof RotguardError && e.code === 'frozen');
      assert.equal((await a.db.selectFrom('model_aliases').selectAll().execute()).length, 0);
      void ana;
    } finally {
      await other.close();
      await a.close();
    }
  });
});
