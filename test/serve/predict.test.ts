import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { RotguardError } from '../../src/core/errors.js';
import { sha256Hex } from '../../src/core/hash.js';
import { build, UNGOVERNED } from '../../src/training/build.js';
import { validateRecipe } from '../../src/training/recipe.js';
import { addEndpoint } from '../../src/data/endpoints.js';
import { ingestFile } from '../../src/data/ingest.js';
import { validateMapping } from '../../src/data/mapping.js';
import { addProtocolVersion } from '../../src/data/protocols.js';
import { exportPredictions } from '../../src/serve/export.js';
import { requestDigest } from '../../src/serve/prediction-digest.js';
import { predictFile } from '../../src/serve/predict.js';
import { latestEvent, readEvents, verifyEventLog } from '../../src/store/event-log.js';
import { openStore, type Store } from '../../src/store/store.js';
import { combinatorialSmiles } from '../helpers/molecules.js';
import { forEachBackend, type StoreLocation } from '../store/backends.js';

const dir = mkdtempSync(join(tmpdir(), 'rotguard-predict-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function storeWithModel(location: StoreLocation): Promise<{ store: Store; training: string[] }> {
  const store = await openStore({ ...location, migrate: true });
  await addEndpoint(
    store,
    { name: 'logd', unit: 'ratio', transform: 'none', direction: 'higher_is_better', validMin: null, validMax: null, description: '' },
    'ana',
  );
  await addProtocolVersion(store, { protocol: 'shake', endpoint: 'logd', unit: 'ratio', site: 's', vendor: 'v', parameters: {} }, 'ana');
  const smiles = combinatorialSmiles(150);
  writeFileSync(join(dir, 'train.csv'), ['id,smiles,logd', ...smiles.map((s, i) => `c${i},${s},${(s.length % 13) / 3}`)].join('\n') + '\n');
  await ingestFile(store, {
    path: join(dir, 'train.csv'),
    mapping: validateMapping({ team: 'chem', protocol: 'shake', columns: { id: 'id', structure: 'smiles', value: 'logd' } }),
    actor: 'ana',
    quarantineDir: dir,
    workers: 1,
  });
  await build(
    store,
    validateRecipe({
      model: 'logd-rf',
      team: 'chem',
      endpoint: 'logd',
      dataset: { aggregate: 'mean' },
      algorithm: 'random-forest',
      params: { nEstimators: 10 },
      split: { method: 'random', seed: 0, train: 0.7, calibration: 0.15, test: 0.15 },
      seed: 1,
    }),
    'ana',
    UNGOVERNED,
  );
  return { store, training: smiles };
}

forEachBackend('predict with lineage', (backend) => {
  // Both tests use one workspace (and database): the second reopens what the first built.
  let location: Promise<StoreLocation> | undefined;
  const workspace = () => (location ??= backend.freshLocation());
  before(() => loadRDKit());

  it('writes value, interval and applicability domain, and stores a traceable record per prediction', async () => {
    const { store, training } = await storeWithModel(await workspace());
    const queries = [training[0]!, training[1]!, 'CCCCCCCCCCCCCCCCCCCC(=O)O', 'not a smiles', 'OC(=O)c1ccccc1[O-].[Na+]'];
    writeFileSync(join(dir, 'q.csv'), ['id,smiles', ...queries.map((s, i) => `q${i},${s}`)].join('\n') + '\n');
    const s = await predictFile(store, { modelRef: 'logd-rf@1', input: join(dir, 'q.csv'), out: join(dir, 'p.csv'), actor: 'carl', workers: 1 });
    assert.deepEqual([s.rows, s.predicted, s.rejected], [5, 4, 1]);
    // Each batch is an event, committed with its rows, carrying the digest of those rows.
    const event = (await latestEvent(store.db, { kind: 'predicted' }))!;
    assert.deepEqual([event.subject, event.model, event.version_id, event.actor], [`request:${s.request}`, 'logd-rf', 'logd-rf@1', 'carl']);
    assert.equal(event.team, 'chem', "a model event takes the model's team");
    // Standards are shared (no team); what a team did carries its team.
    assert.deepEqual(
      (await readEvents(store.db, { kind: ['endpoint_created', 'protocol_version_created', 'source_ingested', 'registered'] })).map((e) => e.team),
      [null, null, 'chem', 'chem'],
    );
    const logged = JSON.parse(event.payload) as { request: string; batch: number; count: number; digest: string };
    assert.deepEqual(logged, { request: s.request, batch: 0, count: 4, digest: (await requestDigest(store.db, s.request, 0)).digest });
    assert.match(logged.digest, /^[0-9a-f]{64}$/);
    const everything = (await readEvents(store.db)).map((e) => e.kind);
    assert.deepEqual(everything, [
      'endpoint_created',
      'protocol_version_created',
      'source_ingested',
      'snapshot_created',
      'registered',
      'build_trained',
      'predicted',
    ]);
    assert.ok((await verifyEventLog(store.db)).ok);
    const records = await store.db.selectFrom('predictions').selectAll().where('request', '=', s.request).orderBy('input_id').execute();
    assert.equal(records.length, 4);
    for (const r of records) {
      assert.equal(r.model_version, 'logd-rf@1');
      assert.equal(r.requested_by, 'carl');
      assert.equal(r.request, s.request);
      assert.equal(r.team, 'chem', "the model version's team owns its predictions");
      assert.ok(r.lower! < r.value && r.value < r.upper!, 'interval around the value');
      assert.equal(r.interval_level, 0.9);
    }
    const byId = Object.fromEntries(records.map((r) => [r.input_id, r]));
    // A structure that is in the training set: similarity 1 to itself or a duplicate, if it landed in train.
    // Compounds the model was trained on are at similarity 1 with a seen scaffold.
    const version = await store.db.selectFrom('model_versions').select('lineage').where('id', '=', 'logd-rf@1').executeTakeFirstOrThrow();
    const trainingSet = JSON.parse((await store.blobs.get(JSON.parse(version.lineage).trainingSet)).toString('utf8')) as { inchikeys: string[] };
    const all = await predictFile(store, { modelRef: 'logd-rf@1', input: join(dir, 'train.csv'), out: join(dir, 'p-train.csv'), actor: 'carl', workers: 1 });
    const trained = new Set(trainingSet.inchikeys);
    const inTrain = (await store.db.selectFrom('predictions').selectAll().where('request', '=', all.request).execute()).filter((r) => trained.has(r.inchikey));
    assert.ok(inTrain.length >= trained.size, `${inTrain.length} predictions of ${trained.size} training compounds`);
    for (const r of inTrain) {
      assert.equal(r.max_similarity, 1);
      assert.equal(r.scaffold_seen, 1);
    }
    assert.ok(byId.q2!.max_similarity! < 0.3, 'a fatty acid is far from the training chemistry');
    assert.equal(byId.q2!.input_hash, sha256Hex(queries[2]!));
    assert.equal(byId.q4!.smiles, 'O=C(O)c1ccccc1O', 'standardized before prediction');
    const out = readFileSync(join(dir, 'p.csv'), 'utf8').trim().split('\n');
    assert.equal(out.length, 5);
    assert.match(readFileSync(join(dir, 'p.rejects.csv'), 'utf8'), /\n5,q3,not a smiles,unparsable_structure/);
    assert.equal(await exportPredictions(store, { out: join(dir, 'all.csv'), request: s.request }), 4);
    assert.equal(readFileSync(join(dir, 'all.csv'), 'utf8').trim().split('\n').length, 5);
    assert.equal(await exportPredictions(store, { out: join(dir, 'all.jsonl'), model: 'logd-rf' }), 4 + all.predicted);
    // An altered prediction no longer matches the digest its request logged.
    await store.db
      .updateTable('predictions')
      .set({ value: records[0]!.value + 1 })
      .where('id', '=', records[0]!.id)
      .execute();
    assert.notEqual((await requestDigest(store.db, s.request)).digest, logged.digest);
    await store.close();
  });

  it('refuses a model whose feature contract this runtime cannot honour', async () => {
    const store = await openStore({ ...(await workspace()), migrate: true });
    await store.db
      .updateTable('model_versions')
      .set({ feature_hash: 'f'.repeat(64) })
      .where('id', '=', 'logd-rf@1')
      .execute();
    writeFileSync(join(dir, 'q2.csv'), 'id,smiles\na,CCO\n');
    await assert.rejects(
      predictFile(store, { modelRef: 'logd-rf@1', input: join(dir, 'q2.csv'), out: join(dir, 'p2.csv'), actor: 'carl', workers: 1 }),
      (e: unknown) => e instanceof RotguardError && e.code === 'feature_contract_mismatch',
    );
    assert.equal((await store.db.selectFrom('predictions').select('id').where('input_id', '=', 'a').execute()).length, 0);
    await store.close();
  });
});
