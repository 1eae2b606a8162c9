import { readFileSync } from 'node:fs';
import { relDiff } from './reference.js';
import { ksTwoSampleExactSf } from '../../src/stats/ks-distribution.js';
const rows = JSON.parse(readFileSync('/tmp/exact.json', 'utf8')) as [number, number, number, boolean, number][];
let w = 0;
for (const [n1, n2, h, ok, p] of rows) {
  const t0 = performance.now();
  const v = ksTwoSampleExactSf(n1, n2, h);
  const ms = performance.now() - t0;
  const e = relDiff(v, p);
  if (e > 1e-13 || !ok || ms > 100) console.log(n1, n2, h, ok, v, p, e.toExponential(1), ms.toFixed(0) + 'ms');
  w = Math.max(w, e);
}
console.log('worst', w);
