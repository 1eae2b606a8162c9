import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { COMPUTE_ERROR_CODES } from '../../src/core/errors.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));

it('every error code compute raises is in the compute block of core/errors.ts, and every listed code is raised', () => {
  const files = [
    ...readdirSync(join(repo, 'src/compute')).filter((f) => f.endsWith('.ts')).map((f) => join(repo, 'src/compute', f)),
    join(repo, 'src/cli/commands/jobs.ts'), join(repo, 'src/cli/commands/budget.ts'),
  ];
  const raised = new Set<string>();
  for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(/RotguardError\('([a-z_]+)'/g)) raised.add(m[1]!);
  const listed = new Set(Object.keys(COMPUTE_ERROR_CODES));
  assert.deepEqual([...raised].filter((c) => !listed.has(c)), [], 'raised but not listed');
  // unknown_job and ambiguous_job are raised through a conditional expression in jobs.ts (compute/jobs.ts).
  assert.deepEqual([...listed].filter((c) => !raised.has(c) && !['unknown_job', 'ambiguous_job'].includes(c)), [], 'listed but never raised');
});
