/**
 * bench/similarity: rotguard's exact max-similarity search (SimilarityIndex: popcount
 * buckets + WebAssembly SIMD popcount) against native RDKit's BulkTanimotoSimilarity, on
 * the same Morgan r2/2048 fingerprints of real molecules, run back to back on this machine.
 *
 *   npm run bench:similarity [-- --train 100000 --queries 100000 --native-queries 1000 --workers 1]
 *
 * Molecules: the Biogen ADME set (../shared/data/biogen-adme) and its single-change
 * analogues enumerated by native RDKit (bench/similarity/make_fingerprints.py; cached in
 * the temp folder, as made once). Training = originals + analogues, queries = other analogues.
 * Native: BulkTanimotoSimilarity of the first --native-queries queries against all training
 * fingerprints in one Python process (only those calls are timed); its per-pair rate does not
 * depend on the number of queries, so a subset measures it. rotguard: every query, k = 1, on
 * --workers threads. The ratio is comparisons per second per core: (queries × training) /
 * seconds / workers, over native's pairs / seconds (one core). Both sides are also timed in
 * CPU seconds; on a shared, oversubscribed machine the CPU-time ratio is the steadier one,
 * and it is the one on the last line (the wall-clock ratio is printed above it). Exactness: rotguard's best
 * similarity and index (ties: lower index) must equal native's for every native query, and
 * brute force (`nearestNeighbours`) for --check-queries queries. Last line:
 * ratio_vs_native_per_core=X
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SimilarityIndex } from '../../src/chem/similarity-index.js';
import { ChemPool } from '../../src/chem/chem-pool.js';
import { shareFingerprints } from '../../src/chem/shared-fingerprints.js';
import { fingerprintSet, nearestNeighbours, type Neighbours } from '../../src/chem/similarity.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const { values } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(repo, '../shared/data/biogen-adme/ADME_public_set_3521.csv') },
    train: { type: 'string', default: '100000' },
    queries: { type: 'string', default: '100000' },
    'native-queries': { type: 'string', default: '1000' },
    'check-queries': { type: 'string', default: '300' },
    workers: { type: 'string', default: '1' },
    python: { type: 'string', default: '/usr/bin/python3' },
  },
});
const nTrain = Number(values.train);
const nQueries = Number(values.queries);
const nNative = Math.min(Number(values['native-queries']), nQueries);
const nCheck = Math.min(Number(values['check-queries']), nQueries);
const workers = Number(values.workers);
if (!existsSync(values.data)) {
  console.error(`bench/similarity: data set ${values.data} not found (needs ../shared/data beside the repo, or --data FILE)`);
  process.exit(1);
}
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const WORDS = 64;

// Fingerprints, made once by native RDKit and cached by (script, data, sizes). At least
// 100,000 queries are always made, so a run with fewer uses the first N of the full-size set.
const nMade = Math.max(nQueries, 100000);
const script = join(repo, 'bench/similarity/make_fingerprints.py');
const key = createHash('sha256').update(readFileSync(script)).update(readFileSync(values.data)).update(`${nTrain}/${nMade}`).digest('hex').slice(0, 16);
const cacheDir = join(tmpdir(), 'rotguard-bench-similarity');
mkdirSync(cacheDir, { recursive: true });
const base = join(cacheDir, `fps-${key}`);
if (!existsSync(`${base}.bin`)) {
  console.error(`enumerating ${nTrain + nMade} molecules with native RDKit (once; cached as ${base}.bin) …`);
  execFileSync(values.python, [script, values.data, base, String(nTrain), String(nMade)], { stdio: ['ignore', 'inherit', 'inherit'] });
}
const made = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as { train: number; queries: number; originals: number; analogues_available: number; rdkit: string };
const bytes = readFileSync(`${base}.bin`);
const all = new Uint32Array(bytes.byteLength / 4);
for (let i = 0; i < all.length; i++) all[i] = bytes.readUInt32LE(i * 4);
const train = all.subarray(0, made.train * WORDS);
const nUsed = Math.min(nQueries, made.queries);
const queries = all.subarray(made.train * WORDS, (made.train + nUsed) * WORDS);

// rotguard first, then native, back to back.
const loadOurs = load();
let t = performance.now();
const index = new SimilarityIndex(train, WORDS);
const buildSeconds = (performance.now() - t) / 1000;
index.search(queries.subarray(0, 200 * WORDS), 1); // warm-up (JIT)
let ours: Neighbours;
let compared: number;
let cpu = process.cpuUsage();
t = performance.now();
if (workers === 1) {
  const before = index.stats.compared;
  ours = index.search(queries, 1);
  compared = index.stats.compared - before;
} else {
  // The chemistry worker pool; each worker indexes the shared training set on its first slice.
  const pool = await ChemPool.start(workers);
  const shared = shareFingerprints(train, WORDS);
  await pool.similarity(shared, queries.subarray(0, workers * WORDS), 1); // build the indexes
  cpu = process.cpuUsage();
  t = performance.now();
  const r = await pool.similarity(shared, queries, 1);
  ours = r;
  compared = r.compared;
  await pool.close();
}
const oursSeconds = (performance.now() - t) / 1000;
const used = process.cpuUsage(cpu);
const oursCpuSeconds = (used.user + used.system) / 1e6;
const pairs = nUsed * made.train;
const oursRate = pairs / oursSeconds / workers;

const loadNative = load();
const native = JSON.parse(execFileSync(values.python, [join(repo, 'bench/similarity/native_bulk_tanimoto.py'), `${base}.bin`, String(made.train), String(nNative)], { encoding: 'utf8', maxBuffer: 1 << 28 }).trim().split('\n').pop()!) as {
  rdkit: string; seconds: number; cpuSeconds: number; comparisonsPerSecond: number; comparisonsPerCpuSecond: number; best: number[]; index: number[];
};
const loadAfter = load();

// Exactness: against native for its queries, against brute force for a sample.
let mismatches = 0;
native.best.forEach((s, q) => {
  if (ours.similarities[q] !== s || ours.indices[q] !== native.index[q]) mismatches++;
});
const brute = nearestNeighbours(fingerprintSet(queries.slice(0, nCheck * WORDS), WORDS), fingerprintSet(train, WORDS), 1);
for (let q = 0; q < nCheck; q++) if (brute.similarities[q] !== ours.similarities[q] || brute.indices[q] !== ours.indices[q]) mismatches++;
let sum = 0;
for (let q = 0; q < nUsed; q++) sum += ours.similarities[q]!;

const wallRatio = oursRate / native.comparisonsPerSecond;
// CPU seconds of all of rotguard's threads already count every core used: no division by workers.
const oursCpuRate = pairs / oursCpuSeconds;
const ratio = oursCpuRate / native.comparisonsPerCpuSecond;
console.log(`bench/similarity — npm run bench:similarity -- --train ${nTrain} --queries ${nQueries} --native-queries ${nNative} --workers ${workers}
machine: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${process.platform}-${process.arch}
molecules: ${made.originals} Biogen ADME + ${made.train + made.queries - made.originals} enumerated analogues (native RDKit ${made.rdkit}); Morgan r2/2048
training ${made.train}, queries ${nUsed} (of ${made.queries} made); max-similarity search (k = 1, ties by lower index)

rotguard  index built in ${buildSeconds.toFixed(2)} s (${index.vectorised ? 'WebAssembly SIMD popcount' : 'JS popcount'}); ${nUsed} queries in ${oursSeconds.toFixed(2)} s wall, ${oursCpuSeconds.toFixed(2)} s CPU on ${workers} thread(s)
          ${(oursRate / 1e6).toFixed(1)} M comparisons/s per core by the wall clock (queries × training / s / threads), ${(oursCpuRate / 1e6).toFixed(1)} M per CPU second
          pairs actually counted: ${(100 * compared / pairs).toFixed(2)} % (the popcount bound pruned the rest)
          load average before: ${loadOurs}
native    BulkTanimotoSimilarity, ${nNative} queries × ${made.train} in ${native.seconds.toFixed(2)} s wall, ${native.cpuSeconds.toFixed(2)} s CPU (RDKit ${native.rdkit}, one process)
          ${(native.comparisonsPerSecond / 1e6).toFixed(2)} M comparisons/s by the wall clock, ${(native.comparisonsPerCpuSecond / 1e6).toFixed(2)} M per CPU second
          load average before: ${loadNative}, after: ${loadAfter}
exact     ${mismatches === 0 ? 'yes' : `NO (${mismatches} mismatches)`}: best similarity and index equal native's for ${nNative} queries and brute force's for ${nCheck}; mean best similarity ${(sum / nUsed).toFixed(4)}
ratio by the wall clock (per core): ${wallRatio.toFixed(2)}
ratio_vs_native_per_core=${ratio.toFixed(2)}`);
if (mismatches) process.exit(3);
