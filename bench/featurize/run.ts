/**
 * bench/featurize: rotguard's featurization and Tanimoto throughput against native RDKit
 * (Debian's python3-rdkit) on the same molecules, in the same run, on this machine.
 *
 *   npm run bench:featurize [-- --data PATH.csv --smiles-column SMILES --python /usr/bin/python3]
 *
 * Featurization, rotguard: the full `rotguard featurize` path (read CSV, standardize,
 * InChIKey, rdkit-desc@1, Morgan r2/2048, scaffold + framework, write CSV) with 1 worker
 * and with one worker per core. Native: the same per-molecule work in Python from a
 * SMILES list already in memory, without InChIKey (Debian's RDKit is built without InChI),
 * in 1 process and in a process pool of the same size. Native therefore does less work.
 * Tanimoto: every molecule against all, packed words (rotguard) vs BulkTanimotoSimilarity.
 *
 * Whole process (the last line, `ratio_vs_native_whole_process=X`): `rotguard featurize`
 * as its own process (Node start-up, RDKit loaded in every worker, read the CSV, write
 * features and rejects) against `native_featurize.py` as its own process (Python start-up,
 * RDKit import, read the SMILES), both with one worker per core, wall clock from spawn to
 * exit through /usr/bin/time, alternating rotguard, native, rotguard, native, best of each.
 * X = native seconds / rotguard seconds (above 1: rotguard is faster). `--whole-process-only`
 * skips the in-process sections.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { featurizeFile } from '../../src/data/featurize-file.js';
import { loadRDKit, rdkitVersion } from '../../src/chem/rdkit.js';
import { fingerprintSet, nearestNeighbours, tanimotoOneToMany, fingerprintAt } from '../../src/chem/similarity.js';
import { fingerprintFromHex } from '../../src/chem/fingerprint.js';
import { readDelimited } from '../../src/data/delimited.js';
import { createReadStream } from 'node:fs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const { values } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(repo, '../shared/data/biogen-adme/ADME_public_set_3521.csv') },
    'smiles-column': { type: 'string', default: 'SMILES' },
    python: { type: 'string', default: '/usr/bin/python3' },
    json: { type: 'boolean', default: false },
    'whole-process-only': { type: 'boolean', default: false },
    rounds: { type: 'string', default: '2' },
  },
});
const data = values.data;
if (!existsSync(data)) {
  console.error(`bench/featurize: data set ${data} not found (needs ../shared/data beside the repo, or --data FILE)`);
  process.exit(1);
}

async function column(path: string, name: string): Promise<string[]> {
  const out: string[] = [];
  let index = -1;
  for await (const r of readDelimited(createReadStream(path, { encoding: 'utf8' }))) {
    if (index < 0) {
      index = r.fields.indexOf(name);
      if (index < 0) throw new Error(`${path}: no column ${name}`);
      continue;
    }
    out.push(r.fields[index] ?? '');
  }
  return out;
}

function python(script: string, args: string[]): Record<string, number | string | boolean> {
  const out = execFileSync(values.python, [join(repo, 'bench/featurize', script), ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return JSON.parse(out.trim().split('\n').pop()!);
}

await loadRDKit();
const cores = availableParallelism();
const work = mkdtempSync(join(tmpdir(), 'rotguard-bench-'));
const smiles = await column(data, values['smiles-column']);
const smiFile = join(work, 'input.smi');
writeFileSync(smiFile, smiles.join('\n') + '\n');

function wholeProcess(): { rotguard: { wall: number; cpu: number }; native: { wall: number; cpu: number }; loads: string[] } {
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
    const m = /TIME (\S+) (\S+) (\S+)\s*$/.exec(r.stderr);
    if (!m) throw new Error(`no timing from /usr/bin/time: ${r.stderr.slice(-500)}`);
    return { wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]) };
  };
  const cli = join(repo, 'bin/rotguard.js');
  const best = { rotguard: { wall: Infinity, cpu: Infinity }, native: { wall: Infinity, cpu: Infinity } };
  const loads: string[] = [];
  for (let r = 0; r < Number(values.rounds); r++) {
    loads.push(
      loadavg()
        .map((l) => l.toFixed(2))
        .join(' '),
    );
    const ours = run(process.execPath, [
      cli,
      'featurize',
      data,
      '--out',
      join(work, 'whole.csv'),
      '--smiles-column',
      values['smiles-column'],
      '--workers',
      String(cores),
    ]);
    loads.push(
      loadavg()
        .map((l) => l.toFixed(2))
        .join(' '),
    );
    const native = run(values.python, [join(repo, 'bench/featurize/native_featurize.py'), smiFile, String(cores)]);
    if (ours.wall < best.rotguard.wall) best.rotguard = ours;
    if (native.wall < best.native.wall) best.native = native;
  }
  return { ...best, loads };
}

if (values['whole-process-only']) {
  const w = wholeProcess();
  rmSync(work, { recursive: true, force: true });
  console.log(`bench/featurize (whole process) — npm run bench:featurize -- --whole-process-only
machine: ${cpus()[0]?.model ?? 'unknown'}, ${cores} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${process.platform}-${process.arch}
data:    ${data} (${smiles.length} molecules); ${cores} workers each side; best of ${values.rounds} alternating rounds
rotguard featurize  ${w.rotguard.wall.toFixed(2)} s wall, ${w.rotguard.cpu.toFixed(2)} s CPU (RDKit ${rdkitVersion()} WebAssembly; with InChIKey and CSV output)
native (python3)    ${w.native.wall.toFixed(2)} s wall, ${w.native.cpu.toFixed(2)} s CPU (Debian python3-rdkit; no InChIKey, no output file)
load average before each run: ${w.loads.join(' | ')}
ratio in CPU seconds (native / rotguard): ${(w.native.cpu / w.rotguard.cpu).toFixed(2)}
ratio_vs_native_whole_process=${(w.native.wall / w.rotguard.wall).toFixed(2)}`);
  process.exit(0);
}

const recipe = { descriptors: 'rdkit-desc@1', morgan: { radius: 2, nBits: 2048 } };
async function ours(workers: number) {
  const s = await featurizeFile({ input: data, out: join(work, `features-${workers}.csv`), recipe, workers, smilesColumn: values['smiles-column'] });
  return { seconds: s.seconds, rate: s.accepted / s.seconds, accepted: s.accepted };
}

// Warm-up (JIT, file cache), then measure.
await ours(1);
const ours1 = await ours(1);
const native1 = python('native_featurize.py', [smiFile, '1']);
const oursN = await ours(cores);
const nativeN = python('native_featurize.py', [smiFile, String(cores)]);

// Tanimoto: the fingerprints rotguard just wrote, all against all.
const hex = await column(join(work, `features-${cores}.csv`), 'morgan_r2_2048');
const words = 64;
const packed = new Uint32Array(hex.length * words);
hex.forEach((h, i) => packed.set(fingerprintFromHex(h), i * words));
const set = fingerprintSet(packed, words);
const row = new Float64Array(set.count);
for (let q = 0; q < 200; q++) tanimotoOneToMany(fingerprintAt(set, q), set, row); // warm-up
let t = performance.now();
for (let q = 0; q < set.count; q++) tanimotoOneToMany(fingerprintAt(set, q), set, row);
const oneToManySeconds = (performance.now() - t) / 1000;
t = performance.now();
nearestNeighbours(set, set, 5, { excludeSelf: true });
const knnSeconds = (performance.now() - t) / 1000;
const pairs = set.count * set.count;
const nativeTanimoto = python('native_tanimoto.py', [smiFile]);
const whole = wholeProcess();
rmSync(work, { recursive: true, force: true });

const result = {
  command: 'npm run bench:featurize',
  machine: {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores,
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  },
  data: { path: data, molecules: smiles.length },
  rdkit: { rotguard: `${rdkitVersion()} (WebAssembly, @rdkit/rdkit)`, native: `${native1.rdkit} (Debian python3-rdkit, InChI: ${native1.inchi})` },
  featurize: {
    oneCore: { rotguard: ours1.rate, native: native1.moleculesPerSecond as number, ratio: ours1.rate / (native1.moleculesPerSecond as number) },
    allCores: {
      workers: cores,
      rotguard: oursN.rate,
      native: nativeN.moleculesPerSecond as number,
      ratio: oursN.rate / (nativeN.moleculesPerSecond as number),
    },
  },
  tanimoto: {
    pairs,
    rotguard: pairs / oneToManySeconds,
    rotguardTop5: pairs / knnSeconds,
    native: nativeTanimoto.similaritiesPerSecond as number,
    ratio: pairs / oneToManySeconds / (nativeTanimoto.similaritiesPerSecond as number),
  },
  wholeProcess: { ...whole, ratio: whole.native.wall / whole.rotguard.wall },
};

if (values.json) console.log(JSON.stringify(result, null, 2));
else {
  const f = (n: number) => n.toFixed(0).padStart(9);
  const m = (n: number) => (n / 1e6).toFixed(2).padStart(7) + ' M';
  console.log(`bench/featurize — ${result.command}
machine: ${result.machine.cpu}, ${cores} cores, ${result.machine.memoryGiB} GiB, Node ${process.version}, ${result.machine.platform}
data:    ${data} (${smiles.length} molecules)
rotguard RDKit ${result.rdkit.rotguard}; native RDKit ${result.rdkit.native}
rotguard does standardize + InChIKey + descriptors + Morgan + scaffolds + CSV I/O; native the same minus InChIKey and I/O.

featurization (molecules/s)      rotguard     native   ratio
  one core                      ${f(ours1.rate)}  ${f(result.featurize.oneCore.native)}   ${result.featurize.oneCore.ratio.toFixed(2)}×
  all cores (${cores})                 ${f(oursN.rate)}  ${f(result.featurize.allCores.native)}   ${result.featurize.allCores.ratio.toFixed(2)}×

Tanimoto, ${set.count}×${set.count} (similarities/s, one core)
  one-vs-many                  ${m(result.tanimoto.rotguard)} ${m(result.tanimoto.native)}   ${result.tanimoto.ratio.toFixed(2)}×
  top-5 nearest neighbours     ${m(result.tanimoto.rotguardTop5)}

whole process, ${cores} workers each (s wall / s CPU, best of ${values.rounds}; load before each: ${whole.loads.join(' | ')})
  rotguard featurize           ${whole.rotguard.wall.toFixed(2)} / ${whole.rotguard.cpu.toFixed(2)}
  native_featurize.py          ${whole.native.wall.toFixed(2)} / ${whole.native.cpu.toFixed(2)}
  ratio in CPU seconds         ${(whole.native.cpu / whole.rotguard.cpu).toFixed(2)}
ratio_vs_native_whole_process=${result.wholeProcess.ratio.toFixed(2)}`);
}
