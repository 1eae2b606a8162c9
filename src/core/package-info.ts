import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** rotguard's own version, from its package.json (read once). */
export function packageVersion(): string {
  if (cached) return cached;
  const doc: unknown = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
  const version = doc && typeof doc === 'object' && 'version' in doc ? doc.version : undefined;
  if (typeof version !== 'string') throw new Error('package.json has no version');
  cached = version;
  return version;
}
