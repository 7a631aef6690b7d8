/**
 * Headless Debian Chromium (driven by playwright-core, no browser download) for report tests:
 * a report must open with no console or page errors, load nothing, and show every figure's marks.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const OUTPUT = resolve('test-output');

export async function launchChromium(): Promise<Browser> {
  assert.ok(
    existsSync(CHROMIUM),
    `Chromium not found at ${CHROMIUM}. Run the setup first: apt-get update && apt-get install -y chromium (.ci/run does this).`,
  );
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface FigureCheck {
  name: string;
  svgs: number;
  /** Mark elements (inside vega `mark-*` groups) with a non-zero bounding box. */
  visibleMarks: number;
}

/** Open a report file, collect problems and per-figure visible marks, save a screenshot, assert. */
export async function checkReportFile(browser: Browser, name: string, file: string, expectedFigures: string[]): Promise<FigureCheck[]> {
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
  await mkdir(OUTPUT, { recursive: true });
  const screenshot = join(OUTPUT, `report-${name}.png`);
  await page.screenshot({ path: screenshot, fullPage: true });
  await page.close();

  assert.deepEqual(problems, [], 'the page logged errors');
  assert.deepEqual(requests, [], 'the report must not load anything');
  assert.deepEqual(checks.map((c) => c.name), expectedFigures);
  for (const check of checks) {
    assert.equal(check.svgs, 1, `${check.name}: one inline SVG`);
    // Axes and legends alone give a few dozen marks; data marks add many more.
    assert.ok(check.visibleMarks >= 10, `${check.name}: only ${check.visibleMarks} visible marks`);
  }
  return checks;
}

