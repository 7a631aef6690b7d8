import type { LiveProgress, RunView } from '../temporal/runs.ts';
import { formatDuration } from './output.ts';

const ICON: Record<string, string> = { pending: '·', running: '▸', completed: '✓', failed: '✗', cancelled: '⊘', skipped: '-' };

/** Seconds between two progress lines of one running branch when the output is not a terminal. */
const LOG_EVERY_MS = Number(process.env.SCIFLOW_PROGRESS_SECONDS ?? 30) * 1000;

function bar(fraction: number, width = 24): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return '[' + '#'.repeat(filled) + '.'.repeat(width - filled) + ']';
}

/**
 * Remaining time of a branch from the rate its fraction has grown at since it was first seen:
 * a linear extrapolation, honest about being one (nested sampling's fraction is its ln Z
 * convergence, which speeds up towards the end). Undefined until the fraction has moved.
 */
export class EtaClock {
  private readonly seen = new Map<string, { t: number; f: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  eta(key: string, fraction: number | undefined): number | undefined {
    if (fraction === undefined) return undefined;
    const t = this.now();
    const first = this.seen.get(key);
    if (!first || fraction < first.f) {
      this.seen.set(key, { t, f: fraction });
      return undefined;
    }
    const rate = (fraction - first.f) / (t - first.t);
    return rate > 0 ? (1 - fraction) / rate : undefined;
  }
}

const branchKey = (p: LiveProgress) => `${p.stage}#${p.branch ?? 0}`;

/** One running branch's progress: percentage, the activity's message, attempt and ETA. */
function progressText(p: LiveProgress, eta: number | undefined): string {
  const progress = p.details?.progress;
  const percent = `${Math.round((progress?.fraction ?? 0) * 100)}%`;
  const retry = p.attempt > 1 ? ` (attempt ${p.attempt})` : '';
  const left = eta === undefined ? '' : `  ETA ${formatDuration(Math.round(eta))}`;
  return `${percent} ${progress?.message ?? ''}${retry}${left}`.trimEnd();
}

/** One line per stage, plus one bar per running branch fed by its heartbeats. */
export function renderProgress(view: RunView, live: LiveProgress[], etaOf: (p: LiveProgress) => number | undefined = () => undefined): string[] {
  const lines = [`run ${view.runId}  ${view.status}`];
  for (const s of view.stages) {
    lines.push(stageLine(s));
    lines.push(...branchBars(s, live, etaOf));
  }
  return lines;
}

/** A bar per running branch of one stage, from its heartbeats: fraction, message, attempt, ETA. */
function branchBars(s: RunView['stages'][number], live: LiveProgress[], etaOf: (p: LiveProgress) => number | undefined): string[] {
  return live
    .filter((l) => l.stage === s.name)
    .sort((a, b) => (a.branch ?? 0) - (b.branch ?? 0))
    .map((p) => {
      const label = s.branches > 1 && p.branch !== undefined ? `#${p.branch}` : '';
      return `      ${label} ${bar(p.details?.progress?.fraction ?? 0)} ${progressText(p, etaOf(p))}`;
    });
}

/** `sciflow status`: the running stages' branch bars, each under its stage's name (no ETA: one look, no rate). */
export function liveLines(view: RunView, live: LiveProgress[]): string[] {
  return view.stages.flatMap((s) => {
    const bars = branchBars(s, live, () => undefined);
    return bars.length ? [`  ${s.name}`, ...bars] : [];
  });
}

/**
 * A stage's status word, with a running large fan-out's finished branches (`running 37000/100000`):
 * it reports finished batches, since its branches' heartbeats live in child workflows.
 */
export function stageStatusText(s: RunView['stages'][number]): string {
  return s.status === 'running' && s.completedBranches !== undefined ? `running ${s.completedBranches}/${s.branches}` : s.status;
}

function stageLine(s: RunView['stages'][number]): string {
  const tag = s.status === 'completed' ? (s.cached ? 'cached' : formatDuration(s.durationMs)) : stageStatusText(s);
  const fan = s.branches > 1 ? ` ×${s.branches}` : '';
  return `  ${ICON[s.status] ?? '?'} ${s.name}${fan}  ${tag}${s.error ? `  ${s.error}` : ''}`;
}

/**
 * Redraws the block in place on a terminal. Elsewhere (CI logs, pipes, nohup) it prints the stage
 * lines that changed and, every LOG_EVERY_MS, one line per running branch with its progress and
 * ETA, so a 15-minute stage is not a single "running" line; the run's own status line is left to
 * the final summary, so it never precedes the last stages' ✓ lines.
 */
export class ProgressPrinter {
  private drawn = 0;
  private lastLines = new Set<string>();
  private readonly lastLogged = new Map<string, number>();
  private readonly clock: EtaClock;

  constructor(
    private readonly stream: Pick<NodeJS.WriteStream, 'write' | 'isTTY'> = process.stderr,
    private readonly now: () => number = Date.now,
  ) {
    this.clock = new EtaClock(now);
  }

  update(view: RunView, live: LiveProgress[]): void {
    const etas = new Map(live.map((p) => [branchKey(p), this.clock.eta(branchKey(p), p.details?.progress?.fraction)]));
    if (this.stream.isTTY) {
      const lines = renderProgress(view, live, (p) => etas.get(branchKey(p)));
      if (this.drawn) this.stream.write(`\x1b[${this.drawn}F\x1b[J`);
      this.stream.write(lines.join('\n') + '\n');
      this.drawn = lines.length;
      return;
    }
    const lines = view.stages.map(stageLine);
    for (const line of lines) if (!this.lastLines.has(line)) this.stream.write(line + '\n');
    this.lastLines = new Set(lines);
    for (const p of live) {
      const key = branchKey(p);
      if (p.details?.progress?.fraction === undefined || this.now() - (this.lastLogged.get(key) ?? -Infinity) < LOG_EVERY_MS) continue;
      this.lastLogged.set(key, this.now());
      const stage = view.stages.find((s) => s.name === p.stage);
      const label = stage && stage.branches > 1 && p.branch !== undefined ? ` #${p.branch}` : '';
      this.stream.write(`    ${p.stage}${label}  ${progressText(p, etas.get(key))}\n`);
    }
  }
}
