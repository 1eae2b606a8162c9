import { existsSync, readFileSync } from 'node:fs';
import { sha256Hex } from '../core/hash.js';
import { rdkitVersion } from '../chem/rdkit.js';

/**
 * The code and runtime a build ran with. Part of the build hash: a new package version,
 * a changed lockfile (any dependency), another RDKit, Node major or platform is a new build.
 */
export interface BuildEnvironment {
  rotguard: string;
  lockfileSha256: string | null;
  rdkit: string;
  node: string;
  platform: string;
}

const packageJson = new URL('../../../package.json', import.meta.url);
const lockfile = new URL('../../../package-lock.json', import.meta.url);

export function buildEnvironment(): BuildEnvironment {
  const pkg = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
  return {
    rotguard: pkg.version,
    lockfileSha256: existsSync(lockfile) ? sha256Hex(readFileSync(lockfile)) : null,
    rdkit: rdkitVersion(),
    // Major version only: a patch release does not change numerics; a new major (V8) may.
    node: `v${process.versions.node.split('.')[0]}`,
    platform: `${process.platform}-${process.arch}`,
  };
}
