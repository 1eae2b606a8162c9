/**
 * Blobs in the database (PostgresBlobStore): the default blob store with PostgreSQL. The
 * same behaviour as the file store, checked side by side: same hash for the same bytes,
 * same bytes back, the same error codes for a missing, malformed or corrupt blob. The
 * `blobs` table exists on SQLite too, so the suite runs on both backends.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { sql } from 'kysely';
import { RotguardError } from '../../src/core/errors.js';
import { sha256Hex } from '../../src/core/hash.js';
import { FileBlobStore, type BlobStore } from '../../src/store/blob-store.js';
import { PostgresBlobStore } from '../../src/store/postgres-blob-store.js';
import { openStore } from '../../src/store/store.js';
import { forEachBackend } from './backends.js';

function codeOf(e: unknown): string {
  assert.ok(e instanceof RotguardError, `expected a RotguardError, got ${String(e)}`);
  return e.code;
}

async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return codeOf(e);
  }
  assert.fail('expected a rejection');
}

forEachBackend('PostgresBlobStore', (b) => {
  it('round-trips strings, bytes and files under their sha256; a second put is a no-op', async () => {
    const store = await b.openFresh();
    const blobs = new PostgresBlobStore(store.db, store.location);
    const text = 'héllo, blobs\n';
    const h1 = await blobs.put(text);
    assert.equal(h1, sha256Hex(Buffer.from(text, 'utf8')));
    assert.equal((await blobs.get(h1)).toString('utf8'), text);
    const bytes = randomBytes(300_000);
    bytes[0] = 0; // a NUL and every other byte value survive bytea
    const h2 = await blobs.put(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    assert.deepEqual(await blobs.get(h2), bytes);
    assert.equal(await blobs.put(bytes), h2);
    const file = join((await b.freshLocation()).workspace, 'input.bin');
    writeFileSync(file, bytes.subarray(0, 1000));
    assert.equal(await blobs.putFile(file), sha256Hex(bytes.subarray(0, 1000)));
    assert.equal(await blobs.has(h1), true);
    assert.equal(await blobs.has(sha256Hex('never stored')), false);
    const rows = await store.db.selectFrom('blobs').select(['hash', 'size']).orderBy('size').execute();
    assert.deepEqual(
      rows.map((r) => [r.hash, r.size]),
      [
        [h1, Buffer.byteLength(text)],
        [sha256Hex(bytes.subarray(0, 1000)), 1000],
        [h2, 300_000],
      ],
    );
  });

  it('detects corruption: bytes changed in the table are refused on read (blob_corrupt)', async () => {
    const store = await b.openFresh();
    const blobs = new PostgresBlobStore(store.db, store.location);
    const hash = await blobs.put('the training set');
    await store.db
      .updateTable('blobs')
      .set({ bytes: Buffer.from('the training set, edited') })
      .where('hash', '=', hash)
      .execute();
    await assert.rejects(blobs.get(hash), (e) => codeOf(e) === 'blob_corrupt' && (e as Error).message.includes(hash));
  });

  it('reads a blob stored as a file before (the workspace folder) when the table lacks it; new blobs go to the table', async () => {
    const store = await b.openFresh();
    const files = new FileBlobStore(join((await b.freshLocation()).workspace, 'blobs'));
    const old = await files.put('stored before migration 0010');
    const blobs = new PostgresBlobStore(store.db, store.location, files);
    assert.equal((await blobs.get(old)).toString(), 'stored before migration 0010');
    assert.equal(await blobs.has(old), true);
    const fresh = await blobs.put('stored after');
    assert.equal(await files.has(fresh), false);
    assert.equal(await errorCode(new PostgresBlobStore(store.db, store.location).get(old)), 'blob_missing');
  });

  it('behaves as the file store: same hashes and bytes, same error codes', async () => {
    const store = await b.openFresh();
    const stores: BlobStore[] = [new FileBlobStore(join((await b.freshLocation()).workspace, 'blobs')), new PostgresBlobStore(store.db, store.location)];
    const inputs = ['', 'a', '{"canonical":"json"}', randomBytes(5000)];
    const results = await Promise.all(
      stores.map(async (s) => {
        const hashes = [];
        for (const x of inputs) hashes.push(await s.put(x));
        const back = await Promise.all(hashes.map((h) => s.get(h)));
        return {
          hashes,
          back: back.map((x) => x.toString('hex')),
          missing: await errorCode(s.get(sha256Hex('absent'))),
          invalid: await errorCode(s.get('not-a-hash')),
          upper: await errorCode(s.has('A'.repeat(64))),
        };
      }),
    );
    assert.deepEqual(results[1], results[0]);
    assert.deepEqual([results[0]!.missing, results[0]!.invalid, results[0]!.upper], ['blob_missing', 'blob_hash_invalid', 'blob_hash_invalid']);
  });

  it('is the default blob store with PostgreSQL (blobDir keeps a shared folder); SQLite keeps files', async () => {
    const location = await b.freshLocation();
    const store = await openStore({ ...location, migrate: true });
    try {
      assert.equal(store.blobs instanceof PostgresBlobStore, b.backend === 'postgres');
      const hash = await store.blobs.put('where am I');
      const inTable = await sql<{ n: number }>`select count(*) as n from blobs where hash = ${hash}`.execute(store.db);
      assert.equal(Number(inTable.rows[0]!.n), b.backend === 'postgres' ? 1 : 0);
    } finally {
      await store.close();
    }
    const withDir = await openStore({ ...location, blobDir: join(location.workspace, 'shared') });
    try {
      assert.ok(withDir.blobs instanceof FileBlobStore);
    } finally {
      await withDir.close();
    }
  });
});
