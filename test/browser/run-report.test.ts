/**
 * The report a real run writes (through Temporal, from the run store) opens in Chromium with every
 * figure drawn: the demo's stage graph, corner plot of the MCMC and nested-sampling posteriors,
 * marginals, evidence and the comparison between the two samplers.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../../lib/engine/config.ts';
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
  const view = await waitForRun(env.client, new RunStore(env.storeRoot), 'report-run');
  assert.equal(view.status, 'completed', view.error);
  const file = join(env.storeRoot, 'report-run', 'report.html');
  const checks = await checkReportFile(browser, 'demo-run', file, ['stage-graph', 'stage-timeline', 'corner', 'marginals', 'evidence', 'comparison-1']);
  assert.ok(checks.find((c) => c.name === 'corner')!.visibleMarks > 500, 'two posteriors overlaid in the corner plot');
  const html = readFileSync(file, 'utf8');
  assert.match(html, /report-run/);
  assert.match(html, /summary: posterior/);
});
