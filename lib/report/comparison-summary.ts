/**
 * The head of a posterior comparison in the report: the verdict in words (the one the CLI prints,
 * lib/stats/agreement.ts), then the figures beside it — BC and C2ST, and where the run has them the
 * speed-up and the approximation's ln L error (comparison-facts.ts).
 */
import { agreementVerdict, reproduces } from '../stats/agreement.ts';
import { agreementOf, comparisonCost, likelihoodErrors, type PosteriorCost } from './comparison-facts.ts';
import { escapeHtml, formatDuration, formatNumber } from './format.ts';
import type { ReportComparison, ReportStage } from './types.ts';

/** The Bhattacharyya coefficient below which a parameter is flagged as disagreeing. */
export const BC_FLAG = 0.95;

interface Card {
  label: string;
  value: string;
  detail?: string;
  bad?: boolean;
}

export function comparisonSummary(comparison: ReportComparison, stages: readonly ReportStage[], verdictId: string): string {
  const parts: string[] = [];
  const cards: Card[] = [];
  const agreement = agreementOf(comparison);
  if (agreement) {
    parts.push(`<p class="verdict ${reproduces(agreement) ? 'good' : 'bad'}" id="${escapeHtml(verdictId)}">${escapeHtml(agreementVerdict(agreement))}</p>`);
    cards.push({ label: `min BC (${agreement.worst})`, value: formatNumber(agreement.minBC), bad: agreement.minBC < BC_FLAG });
    cards.push({ label: 'mean BC', value: formatNumber(agreement.meanBC) });
  }
  const c2st = comparison.rows.find((r) => r.metric === 'c2st_accuracy')?.value;
  // A C2ST accuracy well above 0.5 means a classifier tells the two posteriors apart.
  if (c2st !== undefined) cards.push({ label: 'C2ST accuracy (0.5 = same)', value: formatNumber(c2st, 3), bad: c2st > 0.6 });
  const cost = comparisonCost(stages, comparison);
  const timed = cost?.other.ms && cost.reference.ms ? { other: cost.other.ms, reference: cost.reference.ms } : undefined;
  if (timed) cards.push({ label: 'speed-up in stage time', value: `${formatNumber(timed.reference / timed.other, 3)}×`, detail: `${formatDuration(timed.other)} against ${formatDuration(timed.reference)}` });
  if (cost?.calls?.other) {
    const { other, reference } = cost.calls;
    const count = (n: number) => Math.round(n).toLocaleString('en-US');
    cards.push({ label: 'exact-likelihood calls', value: `${formatNumber(reference / other, 3)}× fewer`, detail: `${count(other)} against ${count(reference)}` });
  }
  for (const e of likelihoodErrors(stages, comparison)) {
    cards.push({
      label: `ln L − ln L̃ of ${e.approximation} on ${comparison.reference}'s draws (${e.stage})`,
      value: `median ${formatNumber(e.q50, 3)} nats`,
      detail: `5–95 %: ${formatNumber(e.q05, 3)} … ${formatNumber(e.q95, 3)}; mean ${formatNumber(e.mean, 3)} ± ${formatNumber(e.sd, 3)}`,
    });
  }
  const html = cards.map((c) => `<div${c.bad ? ' class="bad"' : ''}><span>${escapeHtml(c.label)}</span><b>${escapeHtml(c.value)}</b>${c.detail ? `<small>${escapeHtml(c.detail)}</small>` : ''}</div>`);
  if (html.length) parts.push(`<div class="summary">${html.join('')}</div>`);
  if (cost && timed) {
    const counted = (c: PosteriorCost) => c.stages.map(escapeHtml).join(' + ');
    parts.push(`<p class="note">Stage time: the durations of each side's stage and of the stages that only feed it (${counted(cost.other)} against ${counted(cost.reference)}); upstream stages both read, such as training sets and surrogates, are not counted.</p>`);
  }
  return parts.join('\n');
}
