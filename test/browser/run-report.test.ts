/**
 * The report a real run writes (through Temporal, from the run store) opens in Chromium with every
 * figure drawn: the demo's stage graph, corner plot of the MCMC and nested-sampling posteriors,
 * marginals, evidence, the sampler diagnostics (nested run against prior volume, MCMC traces) and
 * the comparison between the two samplers; the chains' ESS is draws/τ, not the draw count.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../../lib/engine/config.ts';
import { numberColumn } from '../../lib/store/parquet.ts';
import { RunStore } from '../../lib/store/run-store.ts';
import { getPipeline } from '../../pipelines/index.ts';
import { submitRun, waitForRun } from '../../temporal/runs.ts';
import { checkReportFile, launchChromium } from '../support/browser.ts';
import { startTestEnvironment, type TestEnvironment } from '../support/temporal.ts';

let env: TestEnvironment;
let browser: Browser;

before(async () => {
  browser = await launchChromium();
  env = await startTestEnvironment({ worker: true });
});

after(async () => {
  await browser?.close();
  await env?.close();
});

test('the report written by a demo run renders in Chromium: every figure has marks, no errors', async () => {
  const { config } = await loadConfig(getPipeline('demo'), undefined, ['observations=50', 'steps=600', 'burnIn=150', 'substeps=300', 'chains=2', 'nlive=150']);
  await submitRun(env.client, { pipeline: 'demo', config, storeRoot: env.storeRoot, runId: 'report-run' });
  const store = new RunStore(env.storeRoot);
  const view = await waitForRun(env.client, store, 'report-run');
  assert.equal(view.status, 'completed', view.error);
  const file = join(env.storeRoot, 'report-run', 'report.html');
  const checks = await checkReportFile(browser, 'demo-run', file, ['stage-graph', 'stage-timeline', 'corner', 'marginals', 'evidence', 'nested-runs', 'mcmc-trace-1', 'comparison-1']);
  // 2 chains × 16 walkers × 450 steps after burn-in, correlated over τ steps: ESS = draws/τ.
  const manifest = (await store.readManifest('report-run'))!;
  const summary = await store.get(manifest.stages.find((s) => s.name === 'summary')!.outputs!.branches[0]!.posterior!);
  const [tau, ess] = [numberColumn(summary, 'tau'), numberColumn(summary, 'ess')];
  tau.forEach((t, d) => {
    assert.ok(t > 3 && t < 450 / 5, `τ = ${t} steps`);
    assert.ok(Math.abs(ess[d]! * t - 2 * 16 * 450) < 1e-6, `ESS ${ess[d]} = draws/τ`);
  });
  assert.ok(checks.find((c) => c.name === 'corner')!.visibleMarks > 500, 'two posteriors overlaid in the corner plot');
  const html = readFileSync(file, 'utf8');
  assert.match(html, /report-run/);
  assert.match(html, /summary: posterior/);
  // The comparison leads with its verdict in words (lib/stats/agreement.ts), the one the CLI prints.
  assert.match(html, /<p class="verdict (good|bad)" id="verdict-1">nested (reproduces|does NOT reproduce) summary: min BC 0\.\d{3} \(\w+\), mean 0\.\d{3} over 3 parameters/);
});
