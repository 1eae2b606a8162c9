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
  /** sha256 over the compiled code that determines a model (MODEL_CODE): a change there without a version bump is still a new build. */
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

/**
 * The compiled code that determines a model, relative to dist/src: chemistry (standardize,
 * descriptors, fingerprints, scaffolds), statistics, the data layer (snapshots, feature
 * cache), training and validation (splits, trainers, the validation report), and the
 * seeded random generator and hashing in core. Anything else (the CLI, the audit report's
 * rendering, monitoring, policy, the registry, the store, use cases, the demo) can change
 * without invalidating a single build: upgrading rotguard for a report fix keeps every
 * build cache.
 */
export const MODEL_CODE = ['chem/', 'stats/', 'data/', 'training/', 'validate/', 'core/random.js', 'core/hash.js'] as const;

let cachedCodeHash: string | undefined;

function codeHash(): string {
  cachedCodeHash ??= modelCodeHash(fileURLToPath(new URL('..', import.meta.url)));
  return cachedCodeHash;
}

/** sha256 over the path and content of every compiled .js file under `root` that MODEL_CODE covers. */
export function modelCodeHash(root: string, include: readonly string[] = MODEL_CODE): string {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.js')) files.push(p);
    }
  };
  walk(root);
  const covered = (rel: string) => include.some((prefix) => (prefix.endsWith('/') ? rel.startsWith(prefix) : rel === prefix));
  const lines = files
    .map((f) => relative(root, f).split('\\').join('/'))
    .filter(covered)
    .map((rel) => `${rel} ${sha256Hex(readFileSync(join(root, rel)))}`)
    .sort();
  return sha256Hex(lines.join('\n'));
}
