/**
 * bench/demo: how long `rotguard demo` takes, per stage, over several seeds of the default
 * scenario (no shared data needed), and what each year did. Each run is a full year on a
 * fresh workspace in a temp folder.
 *
 *   npm run bench:demo [-- --seeds 7,11,23 --split random|scaffold|time]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runDemo } from '../../src/demo/run.js';
import { defaultScenario, resolveScenario } from '../../src/demo/scenario.js';

const { values } = parseArgs({ options: { seeds: { type: 'string', default: '7,11,23' }, split: { type: 'string', default: 'random' } } });
const split = values.split as 'random' | 'scaffold' | 'time';
const seeds = values.seeds!.split(',').map(Number);
console.log(`bench/demo: npm run bench:demo -- --seeds ${seeds.join(',')} --split ${split}`);
console.log(
  `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}-${process.arch}; ${new Date().toISOString()}`,
);
console.log('| seed | total s | setup | predict | ingest | decide | retrain | watch weeks | retrain builds (promoted) | frozen in week |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const seed of seeds) {
  const dir = mkdtempSync(join(tmpdir(), 'rotguard-bench-demo-'));
  try {
    const r = await runDemo({ scenario: resolveScenario(defaultScenario(), { seed }), dir, split });
    const t = r.timings;
    const retrains = r.weeks.filter((w) => w.retrain);
    const cells = [
      seed,
      r.seconds.toFixed(1),
      t.setup.toFixed(1),
      t.predict.toFixed(1),
      t.ingest.toFixed(1),
      t.decide.toFixed(1),
      t.retrain.toFixed(1),
      r.weeks.filter((w) => w.decision.action === 'watch').length,
      `${retrains.length} (${retrains.filter((w) => w.retrain!.promoted).length})`,
      r.weeks.find((w) => w.froze)?.week ?? '–',
    ];
    console.log(`| ${cells.join(' | ')} |`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
