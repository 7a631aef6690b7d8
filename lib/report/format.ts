/** Text formatting shared by figure labels and HTML tables. */

/**
 * Four significant digits, switching to exponent notation outside [1e-3, 1e5); whole numbers below
 * 1e9 (counts: calls, iterations) in full with thousands separators.
 */
export function formatNumber(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined) return '–';
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (Number.isInteger(value) && magnitude < 1e9) return value.toLocaleString('en-US').replace('-', '−');
  if (magnitude >= 1e5 || magnitude < 1e-3) return value.toExponential(digits - 1).replace('-', '−');
  return Number(value.toPrecision(digits)).toString().replace('-', '−');
}

/** 850 ms, 12.3 s, 4 min 05 s, 2 h 03 min. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.round(s - 60 * m)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** ISO time as 'YYYY-MM-DD HH:MM:SS UTC' (reports must not depend on the viewer's time zone). */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '–';
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  return `${t.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Duration of a stage: recorded, or from its start and finish times. */
export function stageDurationMs(stage: { durationMs?: number; startedAt?: string; finishedAt?: string }): number | undefined {
  if (stage.durationMs !== undefined) return stage.durationMs;
  if (stage.startedAt && stage.finishedAt) return Date.parse(stage.finishedAt) - Date.parse(stage.startedAt);
  return undefined;
}
