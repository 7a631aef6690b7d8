/**
 * Importance nested sampling (lib/sampling/nested/importance.ts): ln Z from every evaluated point.
 * Checked against exact evidences, against the plain estimate of the same run, and for calibration
 * of its quoted error over seeds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../../lib/random.ts';
import { NestedSampler, resolveOptions, type NestedSamplerOptions } from '../../../lib/sampling/index.ts';
import { EllipsoidUnion } from '../../../lib/sampling/nested/bound.ts';
import { Ellipsoid } from '../../../lib/sampling/nested/ellipsoid.ts';
import { tallyLogVolume } from '../../../lib/sampling/nested/importance.ts';
import { correlatedGaussian, eggbox, gaussian, gaussianShells, logGamma, type ReferenceProblem } from '../../../lib/sampling/reference-problems.ts';

async function run(problem: ReferenceProblem, seed: number, importance: boolean, nlive = 300) {
  const sampler = new NestedSampler(problem, { nlive, seed, importance });
  await sampler.run();
  return sampler.result();
}

/** Runs to the end, restarting from a JSON checkpoint at every step once the nested part is done (the extra-draw rounds are single steps). */
async function runRestartingAfterNested(problem: ReferenceProblem, options: NestedSamplerOptions) {
  let sampler = new NestedSampler(problem, options);
  let restarts = 0;
  while (!(await sampler.step(1)).finished) {
    if (sampler.progress().dlogz < sampler.options.dlogz) {
      sampler = NestedSampler.restore(problem, JSON.parse(JSON.stringify(sampler.checkpoint())));
      restarts++;
    }
  }
  return { sampler, restarts };
}

/** z-scores over a few seeds: none beyond 3.5, and their RMS near 1 (loose: 8 seeds pin it only to ≈ ±25%). */
function assertZsInBand(zs: number[]): void {
  assert.ok(zs.every((z) => Math.abs(z) < 3.5), zs.map((z) => z.toFixed(2)).join(' '));
  const rms = Math.sqrt(zs.reduce((a, z) => a + z * z, 0) / zs.length);
  assert.ok(rms > 0.4 && rms < 1.8, `RMS of z over ${zs.length} seeds ${rms.toFixed(2)} (${zs.map((z) => z.toFixed(2)).join(' ')})`);
}

const disc = (cx: number, cy: number, r: number) => new Ellipsoid(2, Float64Array.of(cx, cy), Float64Array.of(r, 0, 0, r));

describe('importance nested sampling', () => {
  it('the run is the plain run: same calls and iterations, and its plain estimate is kept in result.nested', async () => {
    const problem = gaussianShells(2);
    const plain = await run(problem, 3, false);
    const ins = await run(problem, 3, true);
    assert.equal(ins.ncall, plain.ncall);
    assert.equal(ins.niter, plain.niter);
    assert.deepEqual(ins.nested, { logZ: plain.logZ, logZerr: plain.logZerr, points: plain.ncall });
    assert.equal(ins.equalWeight.length, plain.equalWeight.length);
    assert.notEqual(ins.logZ, plain.logZ);
  });

  it('agrees with the exact evidence within 3σ, with an error several times below the plain one', async () => {
    for (const problem of [gaussian(2), gaussianShells(2), correlatedGaussian(), eggbox(), logGamma(2)]) {
      const r = await run(problem, 1, true);
      const z = (r.logZ - problem.truth) / r.logZerr;
      assert.ok(Math.abs(z) < 3, `${problem.name}: ln Z ${r.logZ} ± ${r.logZerr}, truth ${problem.truth} (z ${z.toFixed(2)})`);
      assert.ok(r.logZerr < r.nested!.logZerr / 3, `${problem.name}: error ${r.logZerr} vs plain ${r.nested!.logZerr}`);
      const weightSum = r.samples.logWeight.reduce((s, w) => s + Math.exp(w - r.logZ), 0);
      assert.ok(Math.abs(weightSum - 1) < 1e-9, `${problem.name}: the sample weights sum to Ẑ (got ${weightSum})`);
    }
  });

  it('its quoted error is calibrated: z-scores over 16 seeds centred with spread near 1 (2-D Gaussian, 10-D Gaussian)', async () => {
    for (const [problem, nlive] of [[gaussian(2), 200], [gaussian(10), 150]] as const) {
      const zs: number[] = [];
      for (let seed = 1; seed <= 16; seed++) {
        const r = await run(problem, seed, true, nlive);
        zs.push((r.logZ - problem.truth) / r.logZerr);
      }
      const mean = zs.reduce((a, b) => a + b) / zs.length;
      const sd = Math.sqrt(zs.reduce((a, z) => a + (z - mean) ** 2, 0) / (zs.length - 1));
      // 16 seeds: the sd of z is itself uncertain by ≈ 18%, the mean by 0.25.
      assert.ok(Math.abs(mean) < 0.75, `${problem.name}: mean z ${mean.toFixed(2)} (${zs.map((z) => z.toFixed(1)).join(' ')})`);
      assert.ok(sd > 0.55 && sd < 1.6, `${problem.name}: sd of z ${sd.toFixed(2)} (${zs.map((z) => z.toFixed(1)).join(' ')})`);
    }
  });

  it('dynamic allocation: keeps drawing from the bounds until σ(ln Z) and the ESS reach their targets, still calibrated', async () => {
    const problem = gaussianShells(2);
    const zs: number[] = [];
    for (let seed = 1; seed <= 8; seed++) {
      const baseline = await run(problem, seed, true);
      const sampler = new NestedSampler(problem, { nlive: 300, seed, importance: true, targetLogZerr: 0.006, targetEss: 5000 });
      await sampler.run();
      const r = sampler.result();
      assert.equal(r.niter, baseline.niter, 'the nested part is the baseline run');
      assert.ok(r.ncall > baseline.ncall && r.nested!.points === r.ncall);
      assert.ok(r.logZerr <= 0.006 && r.ess >= 5000, `σ ${r.logZerr}, ESS ${r.ess}`);
      zs.push((r.logZ - problem.truth) / r.logZerr);
    }
    assertZsInBand(zs);
  });

  it('a checkpoint taken during the extra draws restores to the same numbers, volume refinements included', async () => {
    // Shells: overlapping ellipsoids, so volumes are estimates and the target makes the run sharpen them.
    const problem = gaussianShells(2);
    const options = { nlive: 400, seed: 4, importance: true, targetLogZerr: 0.005 };
    const reference = new NestedSampler(problem, options);
    await reference.run();
    const { sampler, restarts } = await runRestartingAfterNested(problem, options);
    assert.ok(restarts >= 2, `only ${restarts} restarts during the extra draws`);
    assert.ok(sampler.checkpoint().draws!.volumes!.some((t) => t && t.draws > 4096), 'no volume was sharpened');
    assert.deepEqual(sampler.result(), reference.result());
  });

  it('discarding the exploration: ln Z and the posterior come from fresh draws alone, until σ matches the exploration\'s, still calibrated', async () => {
    const problem = gaussianShells(2);
    const zs: number[] = [];
    for (let seed = 1; seed <= 8; seed++) {
      const exploration = await run(problem, seed, true);
      const sampler = new NestedSampler(problem, { nlive: 300, seed, importance: true, discardExploration: true });
      await sampler.run();
      const r = sampler.result();
      assert.deepEqual(r.exploration, { logZ: exploration.logZ, logZerr: exploration.logZerr, points: exploration.ncall }, 'the exploration is the plain importance run');
      const fresh = r.ncall - exploration.ncall;
      assert.ok(fresh >= 300 && r.samples.theta.length <= fresh, `${fresh} fresh draws, ${r.samples.theta.length} weighted samples`);
      assert.ok(r.logZerr <= exploration.logZerr, `σ ${r.logZerr} vs the exploration's ${exploration.logZerr}`);
      const weightSum = r.samples.logWeight.reduce((a, w) => a + Math.exp(w - r.logZ), 0);
      assert.ok(Math.abs(weightSum - 1) < 1e-9, `the fresh draws' weights sum to Ẑ (got ${weightSum})`);
      zs.push((r.logZ - problem.truth) / r.logZerr);
    }
    assertZsInBand(zs);
  });

  it('a checkpoint taken while the fresh draws are made restores to the same numbers', async () => {
    const problem = gaussianShells(2);
    const options = { nlive: 300, seed: 2, importance: true, discardExploration: true, targetLogZerr: 0.01 };
    const reference = new NestedSampler(problem, options);
    await reference.run();
    const { sampler, restarts } = await runRestartingAfterNested(problem, options);
    assert.ok(restarts >= 2, `only ${restarts} restarts during the fresh draws`);
    assert.ok(sampler.checkpoint().draws!.production, 'the checkpoint records where the fresh draws begin');
    assert.deepEqual(sampler.result(), reference.result());
  });

  it('estimates the volume of an ellipsoid union clipped by the cube, with a calibrated error', () => {
    const rng = Rng.fromSeed(9);
    const estimate = (union: EllipsoidUnion) => tallyLogVolume(union, union.tallyVolumeInCube(rng, 4096));
    // A disc of radius 0.3 centred on a corner: a quarter lies in the cube.
    const quarterDisc = new EllipsoidUnion(2, [disc(0, 0, 0.3)]);
    const quarter = estimate(quarterDisc);
    assert.ok(Math.abs(Math.exp(quarter.logVolume) / ((Math.PI * 0.09) / 4) - 1) < 0.03, `quarter disc: ${Math.exp(quarter.logVolume)}`);
    // Two identical discs inside the cube: the union is one disc, not two.
    const twice = estimate(new EllipsoidUnion(2, [disc(0.5, 0.5, 0.2), disc(0.5, 0.5, 0.2)]));
    assert.ok(Math.abs(Math.exp(twice.logVolume) / (Math.PI * 0.04) - 1) < 0.03, `overlapping discs: ${Math.exp(twice.logVolume)}`);
    // Every draw of the doubled disc counts ½, so the estimate is exact and says so; a disc in the cube too.
    assert.equal(twice.variance, 0);
    assert.equal(estimate(new EllipsoidUnion(2, [disc(0.5, 0.5, 0.2)])).variance, 0);
    // The quoted Var(ln V̂) matches the scatter over repeated tallies (within 25% over 200 repeats).
    const repeats = Array.from({ length: 200 }, () => estimate(quarterDisc));
    const mean = repeats.reduce((a, r) => a + r.logVolume, 0) / repeats.length;
    const scatter = repeats.reduce((a, r) => a + (r.logVolume - mean) ** 2, 0) / (repeats.length - 1);
    const quoted = repeats.reduce((a, r) => a + r.variance, 0) / repeats.length;
    assert.ok(Math.abs(scatter / quoted - 1) < 0.25, `scatter ${scatter} vs quoted ${quoted}`);
  });

  it('refuses proposals whose points are not independent draws from the bound', () => {
    assert.throws(() => resolveOptions(2, { importance: true, proposal: 'slice' }), /importance nested sampling needs uniform proposals/);
    assert.throws(() => resolveOptions(30, { importance: true }), /proposal is 'slice'/);
    assert.throws(() => resolveOptions(2, { targetLogZerr: 0.01 }), /targetLogZerr needs importance: true/);
    assert.throws(() => resolveOptions(2, { importance: true, targetEss: -1 }), /targetEss must be a positive number/);
    assert.throws(() => resolveOptions(2, { discardExploration: true }), /discardExploration needs importance: true/);
    assert.equal(resolveOptions(2, { importance: true, learnedBound: true }).discardExploration, true);
    assert.equal(resolveOptions(2, { importance: true }).discardExploration, false);
  });
});
