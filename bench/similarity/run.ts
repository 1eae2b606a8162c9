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
 * --workers threads. The two alternate in --slices slices (a slice of rotguard's queries, then
 * a slice of native's), so both run under the same load over the same minutes.
 * Ratio: comparisons per second per core, (queries × training) / seconds / workers over
 * native's pairs / seconds (one core). Both sides are timed by the wall clock and in CPU
 * seconds. On a shared, oversubscribed machine the CPU-second ratio is the steadier one, so
 * it goes on the last line, with the wall-clock ratio printed above it. Exactness: rotguard's
 * best similarity and index (ties: lower index) must equal native's for every native query,
 * and brute force's (`nearestNeighbours`) for --check-queries queries. Last line:
 * ratio_vs_native_per_core=X
 */
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
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
    slices: { type: 'string', default: '20' },
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
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
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
const made = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as {
  train: number;
  queries: number;
  originals: number;
  analogues_available: number;
  rdkit: string;
};
const bytes = readFileSync(`${base}.bin`);
const all = new Uint32Array(bytes.byteLength / 4);
for (let i = 0; i < all.length; i++) all[i] = bytes.readUInt32LE(i * 4);
const train = all.subarray(0, made.train * WORDS);
const nUsed = Math.min(nQueries, made.queries);
const queries = all.subarray(made.train * WORDS, (made.train + nUsed) * WORDS);

// rotguard and native alternate in --slices slices (rotguard's share of its queries, then
// native's share of its own), so both see the same machine load over the same minutes.
const slices = Math.max(1, Math.min(Number(values.slices), nNative));
const nativeProcess = spawn(
  values.python,
  [join(repo, 'bench/similarity/native_bulk_tanimoto.py'), `${base}.bin`, String(made.train), String(nNative), '--serve'],
  { stdio: ['pipe', 'pipe', 'inherit'] },
);
const nativeLines = createInterface({ input: nativeProcess.stdout! })[Symbol.asyncIterator]();
const nextLine = async (): Promise<string> => {
  const r = await nativeLines.next();
  if (r.done) throw new Error('native_bulk_tanimoto.py ended early');
  return r.value;
};
await nextLine(); // "ready": fingerprints loaded

let t = performance.now();
const index = new SimilarityIndex(train, WORDS);
const buildSeconds = (performance.now() - t) / 1000;
index.search(queries.subarray(0, 200 * WORDS), 1); // warm-up (JIT)
const pool = workers > 1 ? await ChemPool.start(workers) : null;
const shared = pool ? shareFingerprints(train, WORDS) : null;
if (pool) await pool.similarity(shared!, queries.subarray(0, workers * WORDS), 1); // each worker builds its index
const ours: Neighbours = { k: 1, indices: new Int32Array(nUsed), similarities: new Float64Array(nUsed) };
const native = { seconds: 0, cpuSeconds: 0, best: [] as number[], index: [] as number[] };
let compared = 0;
let oursSeconds = 0;
let oursCpuSeconds = 0;
const loads: string[] = [];
for (let c = 0; c < slices; c++) {
  loads.push(load());
  const a = Math.floor((c * nUsed) / slices);
  const b = Math.floor(((c + 1) * nUsed) / slices);
  const cpu = process.cpuUsage();
  t = performance.now();
  let r: Neighbours;
  if (pool) {
    const p = await pool.similarity(shared!, queries.subarray(a * WORDS, b * WORDS), 1);
    compared += p.compared;
    r = p;
  } else {
    const before = index.stats.compared;
    r = index.search(queries.subarray(a * WORDS, b * WORDS), 1);
    compared += index.stats.compared - before;
  }
  oursSeconds += (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  oursCpuSeconds += (used.user + used.system) / 1e6;
  ours.indices.set(r.indices, a);
  ours.similarities.set(r.similarities, a);

  nativeProcess.stdin!.write(`${Math.floor((c * nNative) / slices)} ${Math.floor(((c + 1) * nNative) / slices)}\n`);
  const n = JSON.parse(await nextLine()) as { seconds: number; cpuSeconds: number; best: number[]; index: number[] };
  native.seconds += n.seconds;
  native.cpuSeconds += n.cpuSeconds;
  native.best.push(...n.best);
  native.index.push(...n.index);
}
loads.push(load());
nativeProcess.stdin!.end();
await pool?.close();
const pairs = nUsed * made.train;
const oursRate = pairs / oursSeconds / workers;
const oursCpuRate = pairs / oursCpuSeconds;
const nativePairs = nNative * made.train;
const nativeRate = nativePairs / native.seconds;
const nativeCpuRate = nativePairs / native.cpuSeconds;
const nativeVersion = execFileSync(values.python, ['-c', 'from rdkit import rdBase; print(rdBase.rdkitVersion)'], { encoding: 'utf8' }).trim();

// Exactness: against native for its queries, against brute force for a sample.
let mismatches = 0;
native.best.forEach((s, q) => {
  if (ours.similarities[q] !== s || ours.indices[q] !== native.index[q]) mismatches++;
});
const brute = nearestNeighbours(fingerprintSet(queries.slice(0, nCheck * WORDS), WORDS), fingerprintSet(train, WORDS), 1);
for (let q = 0; q < nCheck; q++) if (brute.similarities[q] !== ours.similarities[q] || brute.indices[q] !== ours.indices[q]) mismatches++;
let sum = 0;
for (let q = 0; q < nUsed; q++) sum += ours.similarities[q]!;

const wallRatio = oursRate / nativeRate;
// CPU seconds (of every thread) already count each core used: no division by workers.
const ratio = oursCpuRate / nativeCpuRate;
console.log(`bench/similarity — npm run bench:similarity -- --train ${nTrain} --queries ${nQueries} --native-queries ${nNative} --workers ${workers}
machine: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${process.platform}-${process.arch}
molecules: ${made.originals} Biogen ADME + ${made.train + made.queries - made.originals} enumerated analogues (native RDKit ${made.rdkit}); Morgan r2/2048
training ${made.train}, queries ${nUsed} (of ${made.queries} made); max-similarity search (k = 1, ties by lower index)

rotguard  index built in ${buildSeconds.toFixed(2)} s (${index.vectorised ? 'WebAssembly SIMD popcount' : 'JS popcount'}); ${nUsed} queries in ${oursSeconds.toFixed(2)} s wall, ${oursCpuSeconds.toFixed(2)} s CPU on ${workers} thread(s)
          ${(oursRate / 1e6).toFixed(1)} M comparisons/s per core by the wall clock (queries × training / s / threads), ${(oursCpuRate / 1e6).toFixed(1)} M per CPU second
          pairs actually counted: ${((100 * compared) / pairs).toFixed(2)} % (the popcount bound pruned the rest)
native    BulkTanimotoSimilarity, ${nNative} queries × ${made.train} in ${native.seconds.toFixed(2)} s wall, ${native.cpuSeconds.toFixed(2)} s CPU (RDKit ${nativeVersion}, one process)
          ${(nativeRate / 1e6).toFixed(2)} M comparisons/s by the wall clock, ${(nativeCpuRate / 1e6).toFixed(2)} M per CPU second
both      alternated in ${slices} slices; load average (1, 5, 15 min) at each slice: ${loads.map((l) => l.split(' ')[0]).join(' ')}; at the end: ${loads[loads.length - 1]}
exact     ${mismatches === 0 ? 'yes' : `NO (${mismatches} mismatches)`}: best similarity and index equal native's for ${nNative} queries and brute force's for ${nCheck}; mean best similarity ${(sum / nUsed).toFixed(4)}
ratio by the wall clock (per core): ${wallRatio.toFixed(2)}
ratio_vs_native_per_core=${ratio.toFixed(2)}`);
if (mismatches) process.exit(3);
