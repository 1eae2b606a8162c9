import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { d, decodeJson } from './decode.js';

/** rotguard's own package.json (two levels above dist/src/core). */
const packageJson = new URL('../../../package.json', import.meta.url);

let cached: string | undefined;

/** rotguard's version, from its package.json: recorded in every build environment and audit report. */
export function packageVersion(): string {
  cached ??= decodeJson(readFileSync(packageJson, 'utf8'), d.object({ version: d.string }), {
    kind: 'file',
    what: "rotguard's package.json",
    id: fileURLToPath(packageJson),
  }).version;
  return cached;
}
