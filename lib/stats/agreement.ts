/**
 * Whether one posterior reproduces another, in words: the verdict the CLI's closing summary prints
 * and the report's comparison section leads with.
 */

/** A comparison "reproduces" its reference when every parameter's BC reaches this (the project's target). */
export const AGREEMENT_MIN_BC = 0.98;

export interface AgreementFigures {
  reference: string;
  other: string;
  /** The lowest per-parameter Bhattacharyya coefficient, its parameter, and the mean over parameters. */
  minBC: number;
  worst: string;
  meanBC: number;
  /** How many parameters were compared, when known. */
  parameters?: number;
  /** The lowest BC two samples of one distribution read at these sample sizes, when measured. */
  floor?: number;
}

/** The figures a `comparePosteriors` stage records in its summary (one branch's entries). */
export function agreementFromSummary(summary: Record<string, unknown>, parameters?: number): AgreementFigures {
  return {
    reference: String(summary.reference ?? '?'),
    other: String(summary.other ?? '?'),
    minBC: Number(summary.minBhattacharyya),
    meanBC: Number(summary.meanBhattacharyya),
    worst: String(summary.worstParameter),
    ...(parameters !== undefined && { parameters }),
    ...(typeof summary.minBhattacharyyaFloor === 'number' && { floor: summary.minBhattacharyyaFloor }),
  };
}

export function reproduces(f: Pick<AgreementFigures, 'minBC'>): boolean {
  return f.minBC >= AGREEMENT_MIN_BC;
}

/**
 * "guided reproduces full: min BC 0.993 (T_iso), mean 0.997 over 9 parameters". A failure that
 * identical posteriors would fail too at these sample sizes (the floor) says so.
 */
export function agreementVerdict(f: AgreementFigures): string {
  const over = f.parameters === undefined ? '' : ` over ${f.parameters} parameter${f.parameters === 1 ? '' : 's'}`;
  const figures = `min BC ${f.minBC.toFixed(3)} (${f.worst}), mean ${f.meanBC.toFixed(3)}${over}`;
  if (reproduces(f)) return `${f.other} reproduces ${f.reference}: ${figures}`;
  const unresolved = f.floor !== undefined && f.floor < AGREEMENT_MIN_BC && f.minBC >= f.floor
    ? ` — but one distribution against itself reads down to ${f.floor.toFixed(3)} at these sample sizes: too few effective draws to resolve ${AGREEMENT_MIN_BC}`
    : '';
  return `${f.other} does NOT reproduce ${f.reference}: ${figures}${unresolved}`;
}
