#!/usr/bin/env node
// Gives one endpoint of the Biogen ADME public set (Fang et al. 2023, MIT) a plausible,
// seeded timeline, for trying `rotguard backtest` on real structures and real labels.
// The set has no dates, so the timeline is made up and says so: compounds are "measured"
// in the file's row order (Mol1, Mol2, …), `--per-week` a week from --start, each label
// "reported" 2–6 weeks after its measurement. Structures and values are the real ones.
//
//   node scripts/backtest/biogen-timeline.mjs ../shared/data/biogen-adme/ADME_public_set_3521.csv \
//        --column "LOG SOLUBILITY PH 6.8 (ug/mL)" > biogen-solubility-dated.csv
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { column: { type: 'string', default: 'LOG SOLUBILITY PH 6.8 (ug/mL)' }, start: { type: 'string', default: '2023-01-02' }, 'per-week': { type: 'string', default: '25' }, seed: { type: 'string', default: '1' } },
});
const [file] = positionals;
if (!file) {
  process.stderr.write('usage: biogen-timeline.mjs ADME_public_set_3521.csv [--column NAME] [--start YYYY-MM-DD] [--per-week N] [--seed N]\n');
  process.exit(1);
}
const perWeek = Number(values['per-week']);
const start = Date.parse(`${values.start}T00:00:00Z`);
if (!Number.isInteger(perWeek) || perWeek < 1 || !Number.isFinite(start)) {
  process.stderr.write('--per-week must be a positive integer and --start an ISO date\n');
  process.exit(1);
}
// A small seeded generator (mulberry32): the same seed gives the same timeline.
let state = Number(values.seed) >>> 0;
const random = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
// The CSV has no quoted fields with commas in its SMILES or numbers; headers may contain commas inside quotes only if quoted: it has none.
const [header, ...lines] = readFileSync(file, 'utf8').split(/\r?\n/).filter(Boolean);
const cols = header.split(',');
const at = (name) => {
  const i = cols.indexOf(name);
  if (i < 0) {
    process.stderr.write(`no column "${name}" in ${file}; columns: ${cols.join(', ')}\n`);
    process.exit(1);
  }
  return i;
};
const [iId, iSmiles, iValue] = [at('Internal ID'), at('SMILES'), at(values.column)];
const day = 86_400_000;
const iso = (t) => new Date(t).toISOString().slice(0, 10);
const out = ['id,smiles,value_log10,measured_at,reported_at'];
let n = 0;
for (const line of lines) {
  const f = line.split(',');
  if (f[iValue] === undefined || f[iValue] === '') continue;
  const week = Math.floor(n / perWeek);
  const measured = start + week * 7 * day + Math.floor(random() * 5) * day;
  const reported = measured + (14 + Math.floor(random() * 29)) * day;
  out.push([f[iId], f[iSmiles], f[iValue], iso(measured), iso(reported)].join(','));
  n++;
}
process.stdout.write(out.join('\n') + '\n');
process.stderr.write(`${n} compounds over ${Math.ceil(n / perWeek)} weeks from ${values.start}\n`);
