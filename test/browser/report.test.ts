/**
 * Opens rendered run reports in headless Chromium (Debian's package, driven by playwright-core) and
 * checks what a reader would see: no console or page errors, no network requests, and every
 * `[data-figure]` holding an SVG with visible marks. Screenshots go to test-output/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { renderReport, type ReportInput } from '../../lib/report/index.ts';
import { comparisonReportInput, demoReportInput } from '../unit/report/fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = resolve('test-output');
let browser: Browser;

before(async () => {
  assert.ok(
    existsSync(CHROMIUM),
    `Chromium not found at ${CHROMIUM}. Run the setup first: apt-get update && apt-get install -y chromium (.ci/run does this).`,
  );
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
});

interface FigureCheck {
  name: string;
  svgs: number;
  /** Mark elements (inside vega `mark-*` groups) with a non-zero bounding box. */
  visibleMarks: number;
}

async function checkReport(name: string, input: ReportInput, expectedFigures: string[]) {
  const { html, figures } = await renderReport(input);
  await mkdir(OUTPUT, { recursive: true });
  const file = join(OUTPUT, `report-${name}.html`);
  await writeFile(file, html);

  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('request', (request) => {
    if (request.url() !== pathToFileURL(file).href) requests.push(request.url());
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

  const checks: FigureCheck[] = await page.$$eval('[data-figure]', (elements) =>
    elements.map((element) => {
      const marks = element.querySelectorAll('svg g[class^="mark-"] :is(path, circle, rect, line, polyline, polygon, text)');
      let visibleMarks = 0;
      for (const mark of marks) {
        const box = mark.getBoundingClientRect();
        if (box.width > 0 || box.height > 0) visibleMarks++;
      }
      return { name: element.getAttribute('data-figure') ?? '', svgs: element.querySelectorAll('svg').length, visibleMarks };
    }),
  );
  const screenshot = join(OUTPUT, `report-${name}.png`);
  await page.screenshot({ path: screenshot, fullPage: true });
  await page.close();

  assert.deepEqual(problems, [], 'the page logged errors');
  assert.deepEqual(requests, [], 'the report must not load anything');
  assert.deepEqual(checks.map((c) => c.name), expectedFigures);
  assert.deepEqual(figures.map((f) => f.name), expectedFigures);
  for (const check of checks) {
    assert.equal(check.svgs, 1, `${check.name}: one inline SVG`);
    // Axes and legends alone give a few dozen marks; data marks add many more.
    assert.ok(check.visibleMarks >= 10, `${check.name}: only ${check.visibleMarks} visible marks`);
  }
  return checks;
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
