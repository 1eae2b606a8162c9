/**
 * Blobs in the metadata database (table `blobs`, migration 0010): the default when the
 * metadata is in PostgreSQL, so every client and the organisation server read the same
 * snapshots, artifacts and reports without a shared folder. Content addressed and not
 * team-scoped (a blob is reachable only through a team's row that names its hash), and
 * checked against its sha256 on every read, like the file store.
 *
 * Workspaces that kept blobs as files before: a blob not in the table is read from the
 * fallback store (the workspace's `blobs/` folder) when one is given, so nothing stored
 * earlier becomes unreadable; new blobs go to the table. The table exists on SQLite too
 * (one schema), which lets the same tests run on both backends.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { nowIso } from '../core/clock.js';
import { RotguardError } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import { assertBlobHash, FileBlobStore, type BlobStore } from './blob-store.js';
import type { Database } from './schema.js';

export class PostgresBlobStore implements BlobStore {
  constructor(
    private readonly db: Kysely<Database>,
    /** Where the database is, for messages (no password). */
    private readonly location: string,
    /** Read when a blob is not in the table (blobs stored as files before). */
    private readonly fallback: BlobStore | null = null,
  ) {}

  async put(data: Uint8Array | string): Promise<string> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const hash = sha256Hex(bytes);
    // Content addressed: a second put of the same bytes (or a concurrent one) is a no-op.
    await this.db
      .insertInto('blobs')
      .values({ hash, bytes, size: bytes.byteLength, created_at: nowIso() })
      .onConflict((oc) => oc.column('hash').doNothing())
      .execute();
    return hash;
  }

  async putFile(path: string): Promise<string> {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
        throw new RotguardError('file_unreadable', `cannot read ${path}: ${(e as Error).message}`, { file: path });
      }
      throw e;
    }
    return this.put(bytes);
  }

  async get(hash: string): Promise<Buffer> {
    assertBlobHash(hash);
    const row = await this.db.selectFrom('blobs').select('bytes').where('hash', '=', hash).executeTakeFirst();
    if (!row) {
      if (this.fallback && (await this.fallback.has(hash))) return this.fallback.get(hash);
      throw new RotguardError('blob_missing', `blob ${hash} is not in the blob store (table blobs of ${this.location})`);
    }
    const bytes = Buffer.isBuffer(row.bytes) ? row.bytes : Buffer.from(row.bytes);
    const actual = sha256Hex(bytes);
    if (actual !== hash) {
      throw new RotguardError(
        'blob_corrupt',
        `blob ${hash} is corrupt: its bytes in table blobs of ${this.location} now hash to ${actual} (${bytes.byteLength} bytes); restore it from a backup or re-create it`,
      );
    }
    return bytes;
  }

  async has(hash: string): Promise<boolean> {
    if (await this.hasOwn(hash)) return true;
    return this.fallback ? this.fallback.has(hash) : false;
  }

  /** Whether the table itself holds the blob (not the fallback). */
  async hasOwn(hash: string): Promise<boolean> {
    assertBlobHash(hash);
    return (await this.db.selectFrom('blobs').select('hash').where('hash', '=', hash).executeTakeFirst()) !== undefined;
  }
}

export interface BlobImport {
  /** Blobs copied into the table. */
  copied: number;
  /** Blobs the table already had. */
  present: number;
  /** Files whose bytes no longer hash to their name: not copied (restore them from a backup). */
  corrupt: string[];
}

/**
 * Copies a blob folder (FileBlobStore layout, `ab/cdef…`) into the database, checking every
 * file against its name: `rotguard admin migrate --blobs DIR`, for blobs that clients kept
 * in their workspaces or a shared folder before they moved into PostgreSQL. Other files
 * (temporary `.tmp` files, anything not named by a hash) are ignored.
 */
export async function importFileBlobs(dir: string, into: PostgresBlobStore): Promise<BlobImport> {
  const files = new FileBlobStore(dir);
  const result: BlobImport = { copied: 0, present: 0, corrupt: [] };
  for (const fan of await readdir(dir, { withFileTypes: true })) {
    if (!fan.isDirectory() || !/^[0-9a-f]{2}$/.test(fan.name)) continue;
    for (const f of await readdir(join(dir, fan.name), { withFileTypes: true })) {
      const hash = fan.name + f.name;
      if (!f.isFile() || !/^[0-9a-f]{64}$/.test(hash)) continue;
      if (await into.hasOwn(hash)) {
        result.present++;
        continue;
      }
      let bytes: Buffer;
      try {
        bytes = await files.get(hash);
      } catch (e) {
        if (e instanceof RotguardError && e.code === 'blob_corrupt') {
          result.corrupt.push(hash);
          continue;
        }
        throw e;
      }
      await into.put(bytes);
      result.copied++;
    }
  }
  return result;
}
