/**
 * bench/monitor: the heavy parts of monitoring at scale, on synthetic data from a seeded
 * generator (no shared data needed):
 *  - input drift over 1,000,000 prediction records × the 24 descriptors of rdkit-desc@1
 *    against a 10,000-compound training reference: PSI, two-sample KS (asymptotic p-value,
 *    as SciPy's 'auto' picks at this size) and Wasserstein per descriptor;
 *  - nearest-neighbour Tanimoto (top-1) for 100,000 query fingerprints against 10,000
 *    training fingerprints (Morgan-like: 2048 bits, ~45 on).
 *
 *   npm run bench:monitor [-- --records 1000000 --queries 100000 --train 10000]
 */
import { availableParallelism, cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { Random } from '../../src/core/random.js';
import { fingerprintSet, nearestNeighbours } from '../../src/chem/similarity.js';
import { ks2samp, psi, wasserstein1d } from '../../src/stats/drift.js';

const { values } = parseArgs({
  options: { records: { type: 'string', default: '1000000' }, queries: { type: 'string', default: '100000' }, train: { type: 'string', default: '10000' } },
});
const records = Number(values.records);
const queries = Number(values.queries);
const train = Number(values.train);
const descriptors = 24;
const rng = new Random(2026);
const gauss = () => {
  // Box–Muller from the seeded generator.
  const u = 1 - rng.uniform();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.uniform());
};

console.log(`bench/monitor — npm run bench:monitor -- --records ${records} --queries ${queries} --train ${train}
machine: ${cpus()[0]?.model ?? 'unknown'}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`);

// Drift: one column per descriptor (the monitor holds a window's values per descriptor).
const ref = Array.from({ length: descriptors }, () => Float64Array.from({ length: train }, gauss));
const cur = Array.from({ length: descriptors }, (_, d) => Float64Array.from({ length: records }, () => gauss() + (d % 4 === 0 ? 0.2 : 0)));
let t = performance.now();
let maxPsi = 0;
for (let d = 0; d < descriptors; d++) maxPsi = Math.max(maxPsi, psi(ref[d]!, cur[d]!).psi);
const psiSeconds = (performance.now() - t) / 1000;
t = performance.now();
let minP = 1;
for (let d = 0; d < descriptors; d++) minP = Math.min(minP, ks2samp(ref[d]!, cur[d]!, 'asymp').pValue);
const ksSeconds = (performance.now() - t) / 1000;
t = performance.now();
for (let d = 0; d < descriptors; d++) wasserstein1d(ref[d]!, cur[d]!);
const wSeconds = (performance.now() - t) / 1000;
console.log(`
drift, ${records.toLocaleString('en')} records × ${descriptors} descriptors vs ${train.toLocaleString('en')} reference
  PSI          ${psiSeconds.toFixed(2)} s   (max PSI ${maxPsi.toFixed(3)})
  KS (asymp)   ${ksSeconds.toFixed(2)} s   (min p ${minP.toExponential(2)})
  Wasserstein  ${wSeconds.toFixed(2)} s
  total        ${(psiSeconds + ksSeconds + wSeconds).toFixed(2)} s`);

// Nearest neighbours.
const words = 64;
const fps = (n: number) => {
  const data = new Uint32Array(n * words);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < 45; j++) {
      const b = rng.below(2048);
      data[i * words + (b >>> 5)]! |= 1 << (b & 31);
    }
  return fingerprintSet(data, words);
};
const trainSet = fps(train);
const querySet = fps(queries);
t = performance.now();
nearestNeighbours(querySet, trainSet, 1);
const nnSeconds = (performance.now() - t) / 1000;
console.log(`
nearest neighbour (top-1 Tanimoto), ${queries.toLocaleString('en')} queries × ${train.toLocaleString('en')} training fingerprints, one core
  ${nnSeconds.toFixed(1)} s = ${((queries * train) / nnSeconds / 1e6).toFixed(2)} M similarities/s, ${(queries / nnSeconds).toFixed(0)} queries/s`);
