/**
 * Content-addressed blob store: immutable byte strings named by their sha256.
 *
 * `BlobStore` is what the rest of rotguard sees; `FileBlobStore` keeps blobs on the local
 * file system (a workspace's `blobs/`), and an object-store backend (S3 and the like) can
 * implement the same interface later: put returns the hash, get verifies it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RotguardError } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';

export interface BlobStore {
  /** Store bytes (a string is stored as UTF-8); returns their sha256 (64 lowercase hex). Storing content that is already there is a no-op. */
  put(data: Uint8Array | string): Promise<string>;
  /** Store a file's content without holding it in memory; returns its sha256. */
  putFile(path: string): Promise<string>;
  /**
   * The blob's bytes, checked against its hash on every read. Throws RotguardError
   * `blob_missing` when there is no such blob, `blob_corrupt` when the stored bytes no
   * longer hash to their name, `blob_hash_invalid` when `hash` is not 64 lowercase hex.
   */
  get(hash: string): Promise<Buffer>;
  /** Whether a blob with this hash is stored (existence only; get() verifies content). */
  has(hash: string): Promise<boolean>;
}

const HASH_RE = /^[0-9a-f]{64}$/;

/** Throws RotguardError `blob_hash_invalid` unless `hash` is a sha256 as 64 lowercase hex digits. */
export function assertBlobHash(hash: unknown): asserts hash is string {
  if (typeof hash !== 'string' || !HASH_RE.test(hash)) {
    const shown = typeof hash === 'string' ? JSON.stringify(hash.length > 80 ? hash.slice(0, 80) + '…' : hash) : String(hash);
    throw new RotguardError('blob_hash_invalid', `not a blob hash: ${shown} (expected a sha256 as 64 lowercase hex digits)`);
  }
}

/**
 * Blobs as files: `root/ab/cdef…` (the first two hex digits are a directory, the other 62
 * the file name), so no directory grows past a few thousand entries per million blobs.
 *
 * Writes are atomic and durable: the bytes go to a temporary file in the blob's own
 * directory, which is fsynced, renamed into place, and the directory fsynced. Readers
 * see a whole blob or none; a crash leaves at most a `.*.tmp` file, never a partial
 * blob. Blob files are created read-only (0444): they are immutable by name.
 */
export class FileBlobStore implements BlobStore {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  /** The file a blob lives in (whether or not it exists). */
  pathOf(hash: string): string {
    assertBlobHash(hash);
    return join(this.root, hash.slice(0, 2), hash.slice(2));
  }

  async put(data: Uint8Array | string): Promise<string> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const hash = sha256Hex(bytes);
    const path = this.pathOf(hash);
    if (await hasFileOfSize(path, bytes.byteLength)) return hash;
    await this.writeAtomically(hash, async (fh) => {
      let offset = 0;
      while (offset < bytes.byteLength) {
        const { bytesWritten } = await fh.write(bytes, offset, bytes.byteLength - offset);
        offset += bytesWritten;
      }
    });
    return hash;
  }

  /**
   * Two streaming passes: the first hashes the file (and stops there when the blob is
   * already stored, the common case for a re-ingested file); the second copies it into
   * the blob's directory while hashing again, and refuses the copy if the file changed
   * in between.
   */
  async putFile(path: string): Promise<string> {
    let first: { hash: string; size: number };
    try {
      first = await hashFile(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
        throw new RotguardError('file_unreadable', `cannot read ${path}: ${(e as Error).message}`, { file: path });
      }
      throw e;
    }
    const { hash, size } = first;
    if (await hasFileOfSize(this.pathOf(hash), size)) return hash;
    await this.writeAtomically(hash, async (fh) => {
      const h = createHash('sha256');
      let copied = 0;
      for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
        h.update(chunk);
        let offset = 0;
        while (offset < chunk.byteLength) {
          const { bytesWritten } = await fh.write(chunk, offset, chunk.byteLength - offset);
          offset += bytesWritten;
        }
        copied += chunk.byteLength;
      }
      const again = h.digest('hex');
      if (again !== hash || copied !== size) {
        throw new RotguardError(
          'file_changed',
          `${path} changed while it was being stored (sha256 ${hash} then ${again}); store it again once it is complete`,
          { file: path },
        );
      }
    });
    return hash;
  }

  async get(hash: string): Promise<Buffer> {
    const path = this.pathOf(hash);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new RotguardError('blob_missing', `blob ${hash} is not in the blob store (expected at ${path})`, { file: path });
      }
      throw e;
    }
    const actual = sha256Hex(bytes);
    if (actual !== hash) {
      throw new RotguardError(
        'blob_corrupt',
        `blob ${hash} is corrupt: ${path} now hashes to ${actual} (${bytes.byteLength} bytes); restore it from a backup or re-create it`,
        { file: path },
      );
    }
    return bytes;
  }

  async has(hash: string): Promise<boolean> {
    const path = this.pathOf(hash);
    try {
      return (await stat(path)).isFile();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }

  /** temp file in the blob's directory → write → fsync → rename → fsync the directory. */
  private async writeAtomically(hash: string, write: (fh: FileHandle) => Promise<void>): Promise<void> {
    const dir = join(this.root, hash.slice(0, 2));
    const created = await mkdir(dir, { recursive: true });
    if (created !== undefined) {
      // A new fan-out directory (and maybe a new root): make their entries durable too.
      await fsyncDir(this.root);
      if (created !== dir) await fsyncDir(dirname(this.root));
    }
    const tmp = join(dir, `.${hash.slice(2, 14)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    const fh = await open(tmp, 'wx', 0o444);
    try {
      try {
        await write(fh);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, join(dir, hash.slice(2)));
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    await fsyncDir(dir);
  }
}

async function hasFileOfSize(path: string, size: number): Promise<boolean> {
  try {
    const s = await stat(path);
    // A same-named file of another size is damaged (a whole blob always has its size):
    // write it again. Content is verified on get(), not here, to keep put cheap.
    return s.isFile() && s.size === size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

async function hashFile(path: string): Promise<{ hash: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    h.update(chunk);
    size += chunk.byteLength;
  }
  return { hash: h.digest('hex'), size };
}

/** fsync a directory so a rename or new entry in it survives a crash (a no-op where the OS cannot). */
async function fsyncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // Windows cannot open or fsync directories; nothing more can be done there.
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF' && code !== 'EACCES') throw e;
  } finally {
    await fh?.close();
  }
}
