/** The run's closing summary (cli/summary.ts) and the progress lines of a followed run (cli/progress.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtaClock, ProgressPrinter, liveLines } from '../../../cli/progress.ts';
import { renderSummary, runSummary } from '../../../cli/summary.ts';
import { posteriorSamplesTable } from '../../../activities/nested-sampling.ts';
import type { RunManifest, StageRecord } from '../../../lib/engine/types.ts';
import { RunStore } from '../../../lib/store/run-store.ts';
import type { LiveProgress, RunView } from '../../../temporal/runs.ts';

const stage = (fields: Partial<StageRecord> & Pick<StageRecord, 'name'>): StageRecord => ({
  activity: 'nestedSampling', dependsOn: [], status: 'completed', cached: false, branches: 1, cachedBranches: 0, cacheKeys: [], ...fields,
});

test('closing summary: headline evidence, medians with 68 % intervals from the weighted posterior, verdicts in words', async () => {
  const store = new RunStore(mkdtempSync(join(tmpdir(), 'sciflow-store-')));
  // x takes 0…99 with equal weights: median 49.5, 16/84 % points ≈ 15.5 / 83.5 (weighted interpolation).
  const n = 100;
  const theta = Array.from({ length: n }, (_, i) => [i, 2 * i]);
  const posterior = await store.put('r1', ['fit', 'posterior_samples'], posteriorSamplesTable(['x', 'y'], theta, new Array(n).fill(1 / n), new Array(n).fill(0), new Array(n).fill(0)));
  const manifest = {
    runId: 'r1', workflowId: 'r1', pipeline: 'demo', status: 'completed', stages: [
      stage({ name: 'fit', summary: [{ logZ: -12.345, logZerr: 0.21 }], outputs: { branches: [{ posterior_samples: posterior }] } }),
      stage({ name: 'other-fit', summary: [{ logZ: -3, logZerr: 0.1 }] }),
      stage({ name: 'compare-good', activity: 'comparePosteriors', summary: [{ reference: 'ref', other: 'fit', minBhattacharyya: 0.991, meanBhattacharyya: 0.995, worstParameter: 'y' }] }),
      stage({ name: 'compare-bad', activity: 'comparePosteriors', summary: [{ reference: 'ref', other: 'preview', minBhattacharyya: 0.47, meanBhattacharyya: 0.8, worstParameter: 'x' }] }),
    ],
  } as unknown as RunManifest;

  const summary = await runSummary(store, manifest, { headline: ['fit'], report: '/runs/r1/report.html', temporalUi: 'http://127.0.0.1:8233/namespaces/default/workflows/r1' });
  assert.deepEqual(summary.evidence.map((e) => e.stage), ['fit'], 'only the headline stage leads');
  const x = summary.posterior!.parameters.find((p) => p.name === 'x')!;
  assert.ok(Math.abs(x.median - 49.5) < 1 && x.lo > 10 && x.lo < 20 && x.hi > 80 && x.hi < 90, JSON.stringify(x));
  assert.deepEqual(summary.posterior!.parameters.map((p) => p.name), ['x', 'y'], 'weight, logWeight and logL are not parameters');

  const text = renderSummary(summary, true).join('\n');
  assert.match(text, /ln Z = -12\.35 ± 0\.21 {3}fit/);
  assert.match(text, /fit reproduces ref: min BC 0\.991 \(y\)/);
  assert.match(text, /preview does NOT reproduce ref: min BC 0\.470 \(x\)/);
  assert.match(text, /report: \/runs\/r1\/report\.html/);
  assert.match(text, /Temporal UI: http:\/\/127\.0\.0\.1:8233\//);
  assert.match(text, /sciflow server stop/);
  assert.doesNotMatch(renderSummary(summary, false).join('\n'), /server stop/, 'no server note against a cluster');

  const all = await runSummary(store, manifest);
  assert.deepEqual(all.evidence.map((e) => e.stage), ['fit', 'other-fit'], 'without a headline every evidence is listed');
});

test('ETA: linear in the fraction since the branch was first seen; none before it moves', () => {
  let now = 0;
  const clock = new EtaClock(() => now);
  assert.equal(clock.eta('a#0', 0.1), undefined);
  now = 10_000;
  assert.equal(clock.eta('a#0', 0.3), 35_000, '0.2 in 10 s: 0.7 left takes 35 s');
  assert.equal(clock.eta('a#0', undefined), undefined);
});

test('progress without a terminal: changed stage lines, a throttled line per running branch with its ETA, no run line before the last ✓', () => {
  let now = 0;
  const out: string[] = [];
  const printer = new ProgressPrinter({ isTTY: false, write: (s: string) => out.push(s) as unknown as boolean }, () => now);
  const view = (status: RunView['status'], second: 'running' | 'completed'): RunView => ({
    runId: 'r1', status, stages: [
      { name: 'first', status: 'completed', cached: false, branches: 1, cachedBranches: 0, durationMs: 1500 },
      { name: 'second', status: second, cached: false, branches: 1, cachedBranches: 0, durationMs: second === 'completed' ? 9000 : undefined },
    ],
  });
  const live = (fraction: number): LiveProgress[] => [{ stage: 'second', activity: 'nestedSampling', attempt: 2, details: { progress: { fraction, message: 'iteration 10' } } }];
  printer.update(view('running', 'running'), live(0.2));
  now = 5_000;
  printer.update(view('running', 'running'), live(0.3));
  now = 40_000; // 0.2 → 0.6 in 40 s: 0.4 left takes 40 s
  printer.update(view('running', 'running'), live(0.6));
  now = 41_000;
  printer.update(view('completed', 'completed'), []);
  assert.deepEqual(out, [
    '  ✓ first  1.5 s\n',
    '  ▸ second  running\n',
    '    second  20% iteration 10 (attempt 2)\n',
    '    second  60% iteration 10 (attempt 2)  ETA 40.0 s\n',
    '  ✓ second  9.0 s\n',
  ]);
});

test('a large fan-out prints its finished branches while it runs, then its duration; the indexing step has no branch label', () => {
  const out: string[] = [];
  const printer = new ProgressPrinter({ isTTY: false, write: (s: string) => out.push(s) as unknown as boolean }, () => 0);
  const stage = (status: 'running' | 'completed', completedBranches: number): RunView => ({
    runId: 'r1', status: 'running', stages: [{ name: 'draws', status, cached: false, branches: 100_000, cachedBranches: 0, completedBranches, durationMs: status === 'completed' ? 600_000 : undefined }],
  });
  printer.update(stage('running', 37_000), [{ stage: 'draws', activity: 'indexBranches', attempt: 1, details: { stage: 'draws', progress: { fraction: 0.5, message: 'indexing branches' } } }]);
  printer.update(stage('completed', 100_000), []);
  assert.deepEqual(out, ['  ▸ draws ×100000  running 37000/100000\n', '    draws  50% indexing branches\n', '  ✓ draws ×100000  10.0 min\n']);
});

test('`status` lists each running branch under its stage: bar, percentage, message and attempt', () => {
  const view: RunView = {
    runId: 'r1', status: 'running', stages: [
      { name: 'data', status: 'completed', cached: false, branches: 1, cachedBranches: 0 },
      { name: 'chains', status: 'running', cached: false, branches: 2, cachedBranches: 0 },
    ],
  };
  const live: LiveProgress[] = [1, 0].map((branch) => ({ stage: 'chains', branch, activity: 'mcmc', attempt: branch + 1, details: { progress: { fraction: 0.5, message: `step ${branch}` } } }));
  assert.deepEqual(liveLines(view, live), ['  chains', '      #0 [############............] 50% step 0', '      #1 [############............] 50% step 1 (attempt 2)']);
});
