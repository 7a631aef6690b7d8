/**
 * Gelman–Rubin potential scale reduction R̂ (Gelman & Rubin 1992) across independent runs.
 *
 * For m chains of n draws of one parameter: W = mean of the within-chain variances, B/n = variance
 * of the chain means, V̂ = (n − 1)/n · W + B/n, and R̂ = √(V̂ / W). R̂ → 1 as the chains forget
 * their starting points and agree; values above ~1.01 mean "run longer".
 */
export function gelmanRubin(chains: number[][][]): number[] {
  const m = chains.length;
  if (m < 2) throw new Error('R-hat needs at least two chains');
  const n = Math.min(...chains.map((c) => c.length));
  if (n < 2) throw new Error('R-hat needs at least two draws per chain');
  const dims = chains[0][0].length;
  const rhat: number[] = [];
  for (let k = 0; k < dims; k++) {
    const means: number[] = [];
    let within = 0;
    for (const chain of chains) {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += chain[i][k];
      mean /= n;
      let variance = 0;
      for (let i = 0; i < n; i++) variance += (chain[i][k] - mean) ** 2;
      within += variance / (n - 1) / m;
      means.push(mean);
    }
    const grand = means.reduce((a, b) => a + b, 0) / m;
    const betweenOverN = means.reduce((a, b) => a + (b - grand) ** 2, 0) / (m - 1);
    const pooled = ((n - 1) / n) * within + betweenOverN;
    rhat.push(Math.sqrt(pooled / within));
  }
  return rhat;
}
