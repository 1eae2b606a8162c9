/**
 * bench/data/ingest: ingest throughput and snapshot build time for the largest shared
 * data set, on the embedded store (SQLite) and on PostgreSQL when ROTGUARD_DATABASE_URL
 * (or ROTGUARD_TEST_DATABASE_URL) is set.
 *
 *   npm run bench:ingest
 *
 * Each of the set's six assay columns is ingested as its own source (so every row is
 * read six times and every structure standardized six times: standardization is the
 * cost), then one snapshot per endpoint is built.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRDKit } from '../../src/chem/rdkit.js';
import { addEndpoint } from '../../src/data/endpoints.js';
import { ingestFile } from '../../src/data/ingest.js';
import { addProtocolVersion } from '../../src/data/protocols.js';
import { createSnapshot } from '../../src/data/snapshots.js';
import { openStore } from '../../src/store/store.js';
import { BIOGEN_ASSAYS, BIOGEN_FILE, biogenMapping } from './biogen.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const data = resolve(repo, '../shared/data', BIOGEN_FILE);
if (!existsSync(data)) {
  console.error(`bench/data/ingest: ${data} not found (needs ../shared/data beside the repo)`);
  process.exit(1);
}
await loadRDKit();
const backends: Array<{ name: string; url?: string }> = [{ name: 'sqlite' }];
const pgUrl = process.env.ROTGUARD_DATABASE_URL || process.env.ROTGUARD_TEST_DATABASE_URL;
if (pgUrl) backends.push({ name: 'postgres', url: pgUrl });

console.log(`bench/data/ingest — npm run bench:ingest
machine: ${cpus()[0]?.model ?? 'unknown'}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}
data:    ${data}`);
if (!pgUrl) console.log('PostgreSQL: skipped (set ROTGUARD_DATABASE_URL to a database you can wipe)');

for (const backend of backends) {
  const workspace = mkdtempSync(join(tmpdir(), 'rotguard-bench-ingest-'));
  const store = await openStore({ workspace, databaseUrl: backend.url, migrate: true });
  if (backend.url) {
    // A shared server: start from empty tables so the numbers are comparable.
    for (const t of [
      'feature_cache',
      'feature_sets',
      'snapshots',
      'measurements',
      'compound_aliases',
      'compounds',
      'sources',
      'protocol_versions',
      'protocols',
      'endpoints',
      'teams',
    ] as const) {
      await store.db.deleteFrom(t).execute();
    }
  }
  let rows = 0;
  let accepted = 0;
  let seconds = 0;
  for (const a of BIOGEN_ASSAYS) {
    await addEndpoint(store, a.endpoint, 'bench');
    await addProtocolVersion(store, a.protocol, 'bench');
    const s = await ingestFile(store, { path: data, mapping: biogenMapping(a), actor: 'bench', quarantineDir: join(workspace, 'quarantine') });
    rows += s.rows;
    accepted += s.accepted;
    seconds += s.seconds;
  }
  let t = performance.now();
  const again = await ingestFile(store, {
    path: data,
    mapping: biogenMapping(BIOGEN_ASSAYS[0]!),
    actor: 'bench',
    quarantineDir: join(workspace, 'quarantine'),
  });
  const noop = (performance.now() - t) / 1000;
  const snaps: string[] = [];
  for (const a of BIOGEN_ASSAYS) {
    t = performance.now();
    const s = await createSnapshot(store, { endpoint: a.endpoint.name, aggregation: { method: 'mean', censored: 'prefer_exact' } }, 'bench');
    snaps.push(`${a.endpoint.name} ${s.info.compounds} compounds ${((performance.now() - t) / 1000).toFixed(3)} s`);
  }
  await store.close();
  rmSync(workspace, { recursive: true, force: true });
  console.log(`
${backend.name}:
  ingest: ${rows} rows (${accepted} measurements) in ${seconds.toFixed(1)} s = ${(rows / seconds).toFixed(0)} rows/s, ${(accepted / seconds).toFixed(0)} measurements/s
  re-ingest of an ingested file (${again.status}): ${noop.toFixed(3)} s
  snapshots: ${snaps.join('; ')}`);
}
