import { loadReference, relDiff } from './reference.js';
import { kolmogorovSf, smirnovSf } from '../../src/stats/ks-distribution.js';
import { ks2samp } from '../../src/stats/drift.js';
import { normalQuantile } from '../../src/stats/normal.js';
const ref = loadReference();
let worst = 0;
for (const r of ref.smirnov) { const v = smirnovSf(r.n, r.x); const e = relDiff(v, r.sf); if (e > 1e-13) console.log('smirnov', r.n, r.x, v, r.sf, e); worst = Math.max(worst, e); }
console.log('smirnov worst', worst); worst = 0;
for (const r of ref.kstwo) { const v = kolmogorovSf(r.n, r.d); const e = relDiff(v, r.sf); if (e > 1e-13) console.log('kstwo', r.n, r.d, v, r.sf, e); worst = Math.max(worst, e); }
console.log('kstwo worst', worst); worst = 0;
for (const c of ref.ks) { const t0 = performance.now(); const v = ks2samp(c.a, c.b, c.method); const e = Math.max(relDiff(v.statistic, c.statistic), relDiff(v.pValue, c.pValue)); console.log(c.name, v.method, c.methodUsed, v.statistic, c.statistic, v.pValue, c.pValue, e.toExponential(2), (performance.now()-t0).toFixed(1)+'ms'); }
worst = 0;
for (const r of ref.normalQuantile) { const v = normalQuantile(r.p); const e = relDiff(v, r.x); if (e > 1e-15) console.log('ppf', r.p, v, r.x, e); worst = Math.max(worst, e); }
console.log('ppf worst', worst);
