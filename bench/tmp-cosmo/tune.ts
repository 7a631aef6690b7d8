import { loadCosmologyData } from '../../pipelines/cosmology/data.ts';
import { MODELS, priorTransform } from '../../pipelines/cosmology/models.ts';
import { cosmologyLogLikelihood } from '../../pipelines/cosmology/likelihood.ts';
import { NestedSampler } from '../../lib/sampling/nested/index.ts';
import { LearnedLikelihood } from '../../lib/nn/learned-likelihood.ts';
import { selectBackend } from '../../lib/nn/backend.ts';
import { comparePosteriors } from '../../lib/stats/index.ts';
await selectBackend();
const data = loadCosmologyData();
const nlive = Number(process.env.NLIVE ?? 500);
const learnedOpts = JSON.parse(process.env.LEARNED ?? '{}');
const models = (process.env.MODELS ?? 'lcdm').split(',');
function post(r: any, names: string[]) {
  const m = Math.max(...r.samples.logWeight); const w = r.samples.logWeight.map((x: number) => Math.exp(x - m)); const t = w.reduce((a: number, b: number) => a + b, 0);
  return { samples: Object.fromEntries(names.map((n, d) => [n, Float64Array.from(r.samples.theta, (th: number[]) => th[d])])), weights: Float64Array.from(w, (x: number) => x / t) };
}
for (const name of models) {
  const model = (MODELS as any)[name];
  const L = cosmologyLogLikelihood(model, data);
  let t0 = performance.now();
  const ns = new NestedSampler({ ndim: model.paramNames.length, paramNames: model.paramNames, priorTransform: (u) => priorTransform(model, u), logLikelihood: async (b) => L(b) }, { nlive, seed: 11, dlogz: Number(process.env.DLOGZ ?? 0.5) });
  await ns.run({}); const r = ns.result(); const te = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const ll = new LearnedLikelihood(async (b) => L(b), { ...learnedOpts, seed: 5 });
  const ns2 = new NestedSampler({ ndim: model.paramNames.length, paramNames: model.paramNames, priorTransform: (u) => priorTransform(model, u), logLikelihood: async (b) => { const r = await ll.logLikelihood(b); const st = ll.stats(); if (Math.floor((st.trueCalls+st.networkCalls)/2000) !== Math.floor((st.trueCalls+st.networkCalls-b.length)/2000)) console.error(name, ((performance.now()-t0)/1000).toFixed(1), JSON.stringify(st), ll.events.slice(-3).map(e=>e.kind+e.error.toFixed(3)).join(' ')); return r; } }, { nlive, seed: 12, dlogz: Number(process.env.DLOGZ ?? 0.5) });
  await ns2.run({}); const r2 = ns2.result(); const tl = (performance.now() - t0) / 1000;
  const cmp = comparePosteriors(post(r, model.paramNames), post(r2, model.paramNames), { paramNames: model.paramNames, c2st: false });
  const p = post(r, model.paramNames);
  const mean = (n: string) => { const s = p.samples[n]; let m = 0; s.forEach((v, i) => (m += v * p.weights[i])); let v2 = 0; s.forEach((v, i) => (v2 += (v - m) ** 2 * p.weights[i])); return `${m.toFixed(4)}±${Math.sqrt(v2).toFixed(4)}`; };
  console.log(JSON.stringify({ name, logZ: r.logZ.toFixed(3), err: r.logZerr.toFixed(3), ncall: r.ncall, te: te.toFixed(1), logZL: r2.logZ.toFixed(3), errL: r2.logZerr.toFixed(3), stats: ll.stats(), tl: tl.toFixed(1), bcMin: cmp.summary.minBhattacharyya.toFixed(4), events: ll.events.filter(e => e.kind==='trained').map(e=>e.error.toFixed(3)), audits: ll.events.filter(e=>e.kind==='audit'&&!e.passed).length, post: model.paramNames.map(mean) }));
}
