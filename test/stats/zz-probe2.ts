import { readFileSync } from 'node:fs';
import { relDiff } from './reference.js';
import { kolmogorovSf, smirnovSf } from '../../src/stats/ks-distribution.js';
const rows = JSON.parse(readFileSync('/tmp/dense.json', 'utf8')) as [number, number, number, number][];
let w1 = 0, w2 = 0;
for (const [n, x, sm, ks] of rows) {
  const a = smirnovSf(n, x), b = kolmogorovSf(n, x);
  const e1 = relDiff(a, sm), e2 = relDiff(b, ks);
  if (e1 > 1e-13 || e2 > 1e-13) console.log(n, x, a, sm, e1.toExponential(1), b, ks, e2.toExponential(1));
  w1 = Math.max(w1, e1); w2 = Math.max(w2, e2);
}
console.log('worst', w1, w2);
