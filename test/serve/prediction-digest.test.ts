import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { canonicalJson } from '../../src/core/hash.js';
import { requestBatchDigests, requestDigest } from '../../src/serve/prediction-digest.js';
import type { NewRow } from '../../src/store/schema.js';
import { forEachBackend } from '../store/backends.js';
import { endpointRow, modelVersionRow, predictionRow, repeatedHash } from '../store/fixture-rows.js';

const H = repeatedHash;

forEachBackend('prediction request digest', (b) => {
  it("hashes a request's predictions in id (byte) order across pages, and changes with any of them", async () => {
    const store = await b.openFresh();
    await store.db.insertInto('endpoints').values(endpointRow()).execute();
    await store.db
      .insertInto('model_versions')
      .values(modelVersionRow({ id: 'm@1', model: 'm', version: 1, team: 't' }))
      .execute();
    const row = (request: string, i: number): NewRow<'predictions'> =>
      predictionRow({ id: randomUUID(), request, model_version: 'm@1', input_hash: H(String(i % 10)), input_id: `x${i}`, value: i / 7, team: 'dmpk' });
    const rows = Array.from({ length: 1234 }, (_, i) => row('r1', i));
    const other = Array.from({ length: 5 }, (_, i) => row('r2', i));
    for (let i = 0; i < rows.length; i += 200)
      await store.db
        .insertInto('predictions')
        .values(rows.slice(i, i + 200))
        .execute();
    await store.db.insertInto('predictions').values(other).execute();

    const expected = createHash('sha256');
    for (const r of [...rows].sort((x, y) => (x.id < y.id ? -1 : 1))) expected.update(canonicalJson([r.id, r.value, r.input_hash, r.model_version]) + '\n');
    const d = await requestDigest(store.db, 'r1');
    assert.deepEqual(d, { count: 1234, digest: expected.digest('hex') });
    assert.deepEqual(await requestDigest(store.db, 'nothing'), { count: 0, digest: createHash('sha256').digest('hex') });

    await store.db
      .updateTable('predictions')
      .set({ input_hash: H('f') })
      .where('id', '=', rows[600]!.id)
      .execute();
    assert.notEqual((await requestDigest(store.db, 'r1')).digest, d.digest);

    // Every batch's digest in one pass over the request (the audit's read) equals requestDigest of that batch, across pages (4,500 rows: two).
    const batched = Array.from({ length: 4500 }, (_, i) => ({ ...row('r3', i), batch: i % 3, feature_hash: i === 7 ? H('e') : H('c') }));
    for (let i = 0; i < batched.length; i += 500)
      await store.db
        .insertInto('predictions')
        .values(batched.slice(i, i + 500))
        .execute();
    const all = await requestBatchDigests(store.db, 'r3');
    assert.deepEqual([...all.batches.keys()].sort(), [0, 1, 2]);
    for (const batch of [0, 1, 2]) {
      const one = all.batches.get(batch)!;
      assert.deepEqual({ count: one.count, digest: one.digest }, await requestDigest(store.db, 'r3', batch));
      assert.deepEqual(Object.fromEntries(one.features), batch === 1 ? { [H('c')]: 1499, [H('e')]: 1 } : { [H('c')]: 1500 });
    }
    assert.deepEqual({ count: all.whole.count, digest: all.whole.digest }, await requestDigest(store.db, 'r3'));
    assert.equal((await requestBatchDigests(store.db, 'nothing')).batches.size, 0);
  });
});
