import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { RotguardError } from '../../src/core/errors.js';
import { sha256Hex } from '../../src/core/hash.js';
import { FileBlobStore } from '../../src/store/blob-store.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'rotguard-blob-test-'));
  dirs.push(d);
  return d;
}

function freshStore(): FileBlobStore {
  return new FileBlobStore(join(tempDir(), 'blobs'));
}

/** Every file under root, relative; a clean store holds only ab/<62 hex> files. */
function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(root, p));
    }
  };
  if (existsSync(root)) walk(root);
  return out.sort();
}

function assertOnlyBlobs(root: string, expected: string[]): void {
  const files = listFiles(root);
  assert.deepEqual(files, expected.map((h) => join(h.slice(0, 2), h.slice(2))).sort());
}

function rejectsWithCode(p: Promise<unknown>, code: string, check?: (e: RotguardError) => void): Promise<void> {
  return assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof RotguardError, `expected a RotguardError, got ${String(e)}`);
    assert.equal(e.code, code);
    check?.(e);
    return true;
  });
}

describe('FileBlobStore', () => {
  it('round-trips bytes and strings under their sha256, laid out as ab/cdef…', async () => {
    const blobs = freshStore();
    const text = 'héllo, blobs\n';
    const h1 = await blobs.put(text);
    assert.equal(h1, sha256Hex(Buffer.from(text, 'utf8')));
    assert.deepEqual(await blobs.get(h1), Buffer.from(text, 'utf8'));

    // A view into a larger buffer: only the view's bytes are stored.
    const backing = randomBytes(1000);
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 100, 500);
    const h2 = await blobs.put(view);
    assert.equal(h2, sha256Hex(backing.subarray(100, 600)));
    assert.deepEqual(await blobs.get(h2), backing.subarray(100, 600));

    const h3 = await blobs.put(new Uint8Array(0));
    assert.equal(h3, sha256Hex(''));
    assert.equal((await blobs.get(h3)).byteLength, 0);

    assert.equal(blobs.pathOf(h1), join(blobs.root, h1.slice(0, 2), h1.slice(2)));
    assertOnlyBlobs(blobs.root, [h1, h2, h3]);
    assert.equal(await blobs.has(h1), true);
    assert.equal(await blobs.has(sha256Hex('never stored')), false);
  });

  it('stores blob files read-only', async () => {
    const blobs = freshStore();
    const h = await blobs.put('immutable');
    assert.equal(statSync(blobs.pathOf(h)).mode & 0o777, 0o444);
  });

  it('is idempotent: putting stored content again leaves the file untouched', async () => {
    const blobs = freshStore();
    const h = await blobs.put('same content');
    const before = statSync(blobs.pathOf(h));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(await blobs.put('same content'), h);
    assert.equal(await blobs.put(Buffer.from('same content')), h);
    const afterPut = statSync(blobs.pathOf(h));
    assert.equal(afterPut.ino, before.ino);
    assert.equal(afterPut.mtimeMs, before.mtimeMs);
    assertOnlyBlobs(blobs.root, [h]);
  });

  it('handles concurrent puts of the same and of different content', async () => {
    const blobs = freshStore();
    const contents = Array.from({ length: 40 }, (_, i) => `blob ${i % 10}`);
    const hashes = await Promise.all(contents.map((c) => blobs.put(c)));
    for (let i = 0; i < contents.length; i++) assert.equal(hashes[i], sha256Hex(contents[i]!));
    assertOnlyBlobs(blobs.root, [...new Set(hashes)]);
  });

  it('detects a corrupted blob on read, naming the hash and the file', async () => {
    const blobs = freshStore();
    const h = await blobs.put('precious data');
    const path = blobs.pathOf(h);
    chmodSync(path, 0o644);
    writeFileSync(path, 'precious dat4'); // same size, one byte changed
    await rejectsWithCode(blobs.get(h), 'blob_corrupt', (e) => {
      assert.match(e.message, new RegExp(h));
      assert.ok(e.message.includes(path), e.message);
      assert.equal(e.location.file, path);
    });
    // has() only says the name exists; get() is what verifies.
    assert.equal(await blobs.has(h), true);
  });

  it('re-writes a damaged (wrong-size) blob when the content is put again', async () => {
    const blobs = freshStore();
    const h = await blobs.put('will be truncated');
    chmodSync(blobs.pathOf(h), 0o644);
    truncateSync(blobs.pathOf(h), 4);
    await rejectsWithCode(blobs.get(h), 'blob_corrupt');
    assert.equal(await blobs.put('will be truncated'), h);
    assert.equal((await blobs.get(h)).toString(), 'will be truncated');
    assertOnlyBlobs(blobs.root, [h]);
  });

  it('reports a missing blob as blob_missing', async () => {
    const blobs = freshStore();
    const h = sha256Hex('absent');
    await rejectsWithCode(blobs.get(h), 'blob_missing', (e) => assert.match(e.message, new RegExp(h)));
    await blobs.put('something else');
    await rejectsWithCode(blobs.get(h), 'blob_missing');
  });

  it('refuses malformed hash strings before touching the file system', async () => {
    const root = join(tempDir(), 'never-created');
    const blobs = new FileBlobStore(root);
    const good = sha256Hex('x');
    const bad = [
      '',
      'abc',
      good.toUpperCase(),
      good + '0',
      good.slice(0, 63),
      good.slice(0, 63) + 'g',
      '../' + good.slice(3),
      '../../../../etc/passwd',
      `${good.slice(0, 2)}/${good.slice(3)}`,
      ` ${good.slice(1)}`,
    ];
    for (const h of bad) {
      await rejectsWithCode(blobs.get(h), 'blob_hash_invalid');
      await rejectsWithCode(blobs.has(h), 'blob_hash_invalid');
      assert.throws(
        () => blobs.pathOf(h),
        (e: unknown) => e instanceof RotguardError && e.code === 'blob_hash_invalid',
      );
    }
    await rejectsWithCode(blobs.get(undefined as unknown as string), 'blob_hash_invalid');
    assert.equal(existsSync(root), false);
  });

  it('putFile streams a file in and matches put() of the same bytes', async () => {
    const blobs = freshStore();
    const dir = tempDir();
    const big = randomBytes(5 * 1024 * 1024 + 123);
    const file = join(dir, 'big.bin');
    writeFileSync(file, big);
    const h = await blobs.putFile(file);
    assert.equal(h, sha256Hex(big));
    assert.deepEqual(await blobs.get(h), big);
    // Stored already: nothing is written again.
    const ino = statSync(blobs.pathOf(h)).ino;
    assert.equal(await blobs.putFile(file), h);
    assert.equal(await blobs.put(big), h);
    assert.equal(statSync(blobs.pathOf(h)).ino, ino);

    const empty = join(dir, 'empty');
    writeFileSync(empty, '');
    assert.equal(await blobs.putFile(empty), sha256Hex(''));
    assertOnlyBlobs(blobs.root, [h, sha256Hex('')]);
  });

  it('putFile of a missing file is a RotguardError and stores nothing', async () => {
    const blobs = freshStore();
    const missing = join(tempDir(), 'nope.csv');
    await rejectsWithCode(blobs.putFile(missing), 'file_unreadable', (e) => assert.equal(e.location.file, missing));
    assertOnlyBlobs(blobs.root, []);
  });

  it('leaves no temporary file behind when a write fails', async () => {
    const blobs = freshStore();
    const h = sha256Hex('blocked');
    // A directory where the blob file should go makes the final rename fail.
    mkdirSync(blobs.pathOf(h), { recursive: true });
    await assert.rejects(blobs.put('blocked'));
    const file = join(tempDir(), 'blocked.txt');
    writeFileSync(file, 'blocked');
    await assert.rejects(blobs.putFile(file));
    const dir = join(blobs.root, h.slice(0, 2));
    assert.deepEqual(readdirSync(dir), [h.slice(2)]);
    assert.ok(statSync(blobs.pathOf(h)).isDirectory());
  });
});
