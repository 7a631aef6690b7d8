import type { LiveProgress, RunView } from '../temporal/runs.ts';
import { formatDuration } from './output.ts';

const ICON: Record<string, string> = { pending: '·', running: '▸', completed: '✓', failed: '✗', cancelled: '⊘', skipped: '-' };

function bar(fraction: number, width = 24): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return '[' + '#'.repeat(filled) + '.'.repeat(width - filled) + ']';
}

/** One line per stage, plus one bar per running branch fed by its heartbeats. */
export function renderProgress(view: RunView, live: LiveProgress[]): string[] {
  const lines = [`run ${view.runId}  ${view.status}`];
  for (const s of view.stages) {
    const tag = s.status === 'completed' ? (s.cached ? 'cached' : formatDuration(s.durationMs)) : s.status;
    const fan = s.branches > 1 ? ` ×${s.branches}` : '';
    lines.push(`  ${ICON[s.status] ?? '?'} ${s.name}${fan}  ${tag}${s.error ? `  ${s.error}` : ''}`);
    for (const p of live.filter((l) => l.stage === s.name).sort((a, b) => (a.branch ?? 0) - (b.branch ?? 0))) {
      const progress = p.details?.progress;
      const label = s.branches > 1 ? `#${p.branch}` : '';
      const retry = p.attempt > 1 ? ` (attempt ${p.attempt})` : '';
      lines.push(`      ${label} ${bar(progress?.fraction ?? 0)} ${Math.round((progress?.fraction ?? 0) * 100)}% ${progress?.message ?? ''}${retry}`);
    }
  }
  return lines;
}

/**
 * Redraws the block in place on a terminal; elsewhere (CI logs, pipes) prints only the stage
 * lines that changed, so logs stay short.
 */
export class ProgressPrinter {
  private drawn = 0;
  private lastLines = new Set<string>();

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  update(view: RunView, live: LiveProgress[]): void {
    const lines = renderProgress(view, live);
    if (this.stream.isTTY) {
      if (this.drawn) this.stream.write(`\x1b[${this.drawn}F\x1b[J`);
      this.stream.write(lines.join('\n') + '\n');
      this.drawn = lines.length;
      return;
    }
    for (const line of lines.filter((l) => !l.startsWith('      '))) {
      if (!this.lastLines.has(line)) this.stream.write(line + '\n');
    }
    this.lastLines = new Set(lines);
  }
}
