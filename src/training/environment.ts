import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256Hex } from '../core/hash.js';
import { packageVersion } from '../core/package-info.js';
import { rdkitVersion } from '../chem/rdkit.js';

/**
 * The code and runtime a build ran with. Part of the build hash: a new package version,
 * a changed lockfile (any dependency), another RDKit, Node major or platform is a new build.
 */
export interface BuildEnvironment {
  rotguard: string;
  /** sha256 over rotguard's own compiled code: a code change without a version bump is still a new build. */
  codeSha256: string;
  lockfileSha256: string | null;
  rdkit: string;
  node: string;
  platform: string;
}

const lockfile = new URL('../../../package-lock.json', import.meta.url);

export function buildEnvironment(): BuildEnvironment {
  return {
    rotguard: packageVersion(),
    codeSha256: codeHash(),
    lockfileSha256: existsSync(lockfile) ? sha256Hex(readFileSync(lockfile)) : null,
    rdkit: rdkitVersion(),
    // Major version only: a patch release does not change numerics; a new major (V8) may.
    node: `v${process.versions.node.split('.')[0]}`,
    platform: `${process.platform}-${process.arch}`,
  };
}

let cachedCodeHash: string | undefined;

/** Hash of every compiled source file under dist/src (path and content), computed once per process. */
function codeHash(): string {
  if (cachedCodeHash) return cachedCodeHash;
  const root = fileURLToPath(new URL('..', import.meta.url));
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.js')) files.push(p);
    }
  };
  walk(root);
  const lines = files.map((f) => `${relative(root, f).split('\\').join('/')} ${sha256Hex(readFileSync(f))}`).sort();
  cachedCodeHash = sha256Hex(lines.join('\n'));
  return cachedCodeHash;
}
