/**
 * Opens rendered run reports in headless Chromium (Debian's package, driven by playwright-core) and
 * checks what a reader would see: no console or page errors, no network requests, and every
 * `[data-figure]` holding an SVG with visible marks. Screenshots go to test-output/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { renderReport, type ReportInput } from '../../lib/report/index.ts';
import { comparisonReportInput, demoReportInput } from '../unit/report/fixtures.ts';
import { checkReportFile, launchChromium, OUTPUT } from '../support/browser.ts';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

let browser: Browser;

before(async () => {
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

async function checkReport(name: string, input: ReportInput, expectedFigures: string[]) {
  const { html, figures } = await renderReport(input);
  assert.deepEqual(figures.map((f) => f.name), expectedFigures);
  await mkdir(OUTPUT, { recursive: true });
  const file = join(OUTPUT, `report-${name}.html`);
  await writeFile(file, html);
  return checkReportFile(browser, name, file, expectedFigures);
}

test('demo run report renders in Chromium without errors', async () => {
  const checks = await checkReport('demo', demoReportInput(), ['stage-graph', 'stage-timeline', 'corner', 'marginals']);
  // 3 parameters: 3 scatter panels of 500 draws each.
  assert.ok(checks.find((c) => c.name === 'corner')!.visibleMarks > 1500);
});

test('comparison report renders in Chromium without errors', async () => {
  await checkReport('comparison', comparisonReportInput(), [
    'stage-graph',
    'stage-timeline',
    'corner',
    'marginals',
    'evidence',
    'training',
    'comparison-1',
    'calibration-1',
  ]);
});
