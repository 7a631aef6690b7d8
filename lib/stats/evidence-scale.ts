/**
 * Reading an evidence difference as a referee would. The strength of ln B on the empirical scale of
 * Trotta (2008, Contemp. Phys. 49, 71; a revision of Jeffreys 1961): |ln B| < 1 inconclusive,
 * 1–2.5 weak, 2.5–5 moderate, ≥ 5 strong. Beside it, the difference in units of its own error: two
 * runs of one model by different methods should agree within ~2σ whatever the scale says.
 */
export type EvidenceStrength = 'inconclusive' | 'weak' | 'moderate' | 'strong';

export function evidenceStrength(lnB: number): EvidenceStrength {
  const b = Math.abs(lnB);
  return b < 1 ? 'inconclusive' : b < 2.5 ? 'weak' : b < 5 ? 'moderate' : 'strong';
}

/** "weak, favours wCDM (1.8σ)": ln B = ln Z_a − ln Z_b with error `err`. */
export function evidenceReading(lnB: number, err: number, a: string, b: string): string {
  const strength = evidenceStrength(lnB);
  const sigmas = err > 0 ? ` (${(Math.abs(lnB) / err).toFixed(1)}σ)` : '';
  return strength === 'inconclusive' ? `inconclusive${sigmas}` : `${strength}, favours ${lnB > 0 ? a : b}${sigmas}`;
}
