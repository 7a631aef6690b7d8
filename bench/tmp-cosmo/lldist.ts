import { loadCosmologyData } from '../../pipelines/cosmology/data.ts';
import { MODELS, priorTransform } from '../../pipelines/cosmology/models.ts';
import { cosmologyLogLikelihood } from '../../pipelines/cosmology/likelihood.ts';
import { NestedSampler } from '../../lib/sampling/nested/index.ts';
const data = loadCosmologyData();
const model = MODELS[(process.env.M ?? 'cpl') as 'cpl'];
const L = cosmologyLogLikelihood(model, data);
const all: number[] = [];
const ns = new NestedSampler({ ndim: model.paramNames.length, paramNames: model.paramNames, priorTransform: (u) => priorTransform(model, u), logLikelihood: async (b) => { const r = L(b); all.push(...r); return r; } }, { nlive: 1000, seed: 11, dlogz: 0.01 });
await ns.run({}); const r = ns.result();
console.log('ncall', r.ncall, 'logZ', r.logZ, r.logZerr, 'maxL', Math.max(...all));
for (let s = 2000; s < all.length; s += 2000) { const w = all.slice(s - 1000, s).sort((a, b) => a - b); console.log(s, [0, 0.1, 0.5, 0.9, 1].map((q) => w[Math.min(999, Math.floor(q * 1000))]!.toFixed(1)).join(' ')); }
