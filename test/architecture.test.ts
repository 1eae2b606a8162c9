import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

/**
 * The layer rules of ARCHITECTURE.md, enforced: each folder under src/ may import only the
 * layers listed here. Two exceptions, because neither runs another layer's code: a
 * type-only import (`import type`), and a layer's `decoders.ts`, which is pure (it may
 * import only core, other decoders and types: checked below). A new layer or a new
 * dependency is a decision: change this table and ARCHITECTURE.md together.
 */
const ALLOWED: Record<string, string[]> = {
  core: [],
  chem: ['core'],
  stats: ['core'],
  store: ['core'],
  data: ['core', 'chem', 'stats', 'store'],
  validate: ['core', 'stats'],
  registry: ['core', 'store', 'validate'],
  training: ['core', 'chem', 'stats', 'data', 'store', 'validate', 'registry'],
  serve: ['core', 'chem', 'training', 'data', 'registry', 'store', 'validate'],
  monitor: ['core', 'chem', 'stats', 'registry', 'store', 'validate'],
  policy: ['core', 'monitor', 'registry', 'store', 'training'],
  compute: ['core', 'store', 'training', 'registry', 'data', 'chem', 'serve', 'validate', 'policy'],
  audit: ['core', 'chem', 'stats', 'data', 'store', 'validate', 'registry', 'training', 'serve', 'monitor', 'policy', 'compute'],
  usecases: [
    'core',
    'identity',
    'chem',
    'stats',
    'data',
    'store',
    'validate',
    'registry',
    'training',
    'serve',
    'monitor',
    'policy',
    'compute',
    'audit',
    'demo',
    'notify',
  ],
  demo: ['core', 'chem', 'stats', 'data', 'store', 'validate', 'registry', 'training', 'serve', 'monitor', 'policy', 'usecases'],
  // Front ends: use cases, plus the parsers, constants, types and renderers they need to read flags and print.
  cli: [
    'core',
    'identity',
    'usecases',
    'server',
    'web',
    'store',
    'chem',
    'data',
    'training',
    'registry',
    'validate',
    'monitor',
    'policy',
    'audit',
    'demo',
    'compute',
    'notify',
  ],
  server: [
    'core',
    'identity',
    'usecases',
    'store',
    'chem',
    'serve',
    'registry',
    'validate',
    'monitor',
    'policy',
    'audit',
    'training',
    'data',
    'compute',
    'notify',
  ],
  identity: ['core', 'store'],
  web: ['core', 'usecases', 'server', 'audit'],
  // Webhooks out of the event log (issue 14).
  notify: ['core', 'store'],
};

const src = fileURLToPath(new URL('../../src/', import.meta.url)).replace(`${sep}dist${sep}`, sep);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('architecture', () => {
  it('every layer imports only what ARCHITECTURE.md allows it', () => {
    const violations: string[] = [];
    const all = files(src);
    assert.ok(all.length > 100, `found the sources (${all.length} files under ${src})`);
    for (const file of all) {
      const rel = relative(src, file).split(sep);
      if (rel.length < 2) continue; // src/index.ts: the public API may re-export anything
      const layer = rel[0]!;
      const allowed = ALLOWED[layer];
      if (!allowed) {
        violations.push(`${rel.join('/')}: layer "${layer}" is not in the table`);
        continue;
      }
      const isDecoders = rel.at(-1) === 'decoders.ts';
      for (const m of readFileSync(file, 'utf8').matchAll(/^import (type )?[^;]*? from '(\.[^']+)';/gms)) {
        const typeOnly = Boolean(m[1]);
        const path = m[2]!;
        const target = relative(src, join(file, '..', path)).split(sep)[0]!;
        const toDecoders = path.endsWith('/decoders.js');
        if (isDecoders) {
          // Pure: core, other layers' decoders, types.
          if (!typeOnly && target !== 'core' && !toDecoders && target !== layer)
            violations.push(`${rel.join('/')} (a decoder) imports ${target}'s code (${path})`);
          continue;
        }
        if (target !== layer && !allowed.includes(target) && !typeOnly && !toDecoders) violations.push(`${rel.join('/')} imports ${target} (${path})`);
      }
    }
    assert.deepEqual(violations, []);
  });
});
