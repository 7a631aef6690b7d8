/**
 * Expansion history and cosmological distances for FLRW models with matter, curvature and a
 * dark-energy fluid with the CPL equation of state w(a) = w0 + wa (1 − a) (Chevallier & Polarski
 * 2001; Linder 2003). ΛCDM is w0 = −1, wa = 0; wCDM is wa = 0. Radiation is neglected: at z < 2 it
 * changes E(z) by < 1e-3 of the data's errors.
 *
 * Distances are returned in units of the Hubble distance D_H = c/H0 (Hogg 1999, astro-ph/9905116):
 * D_C = ∫₀ᶻ dz'/E(z'), D_M = D_C (flat), sinh(√Ωk D_C)/√Ωk (open), sin(√−Ωk D_C)/√−Ωk (closed),
 * D_L = (1 + z_hel) D_M(z_cmb).
 *
 * Shared by the cosmology and LISA pipelines (lib/ is part of every stage's code fingerprint, so a
 * change here invalidates both pipelines' cached stages).
 */

/** Speed of light in km/s, so that D_H = C_KM_S / H0 is in Mpc for H0 in km/s/Mpc. */
export const C_KM_S = 299_792.458;

export interface Cosmology {
  omegaM: number;
  /** Curvature density Ωk (0 = flat); Ω_DE = 1 − Ωm − Ωk. */
  omegaK?: number;
  w0?: number;
  wa?: number;
}

/**
 * E²(z) = H²(z)/H0² = Ωm (1+z)³ + Ωk (1+z)² + Ω_DE f(z), with the CPL dark-energy density
 * f(z) = (1+z)^{3(1+w0+wa)} exp(−3 wa z/(1+z)) (Linder 2003, eq. 5). Can be ≤ 0 for closed
 * models (no big bang / a bounce), which callers must treat as outside the model's support.
 */
export function hubbleE2(c: Cosmology, z: number): number {
  const zp1 = 1 + z;
  const omegaK = c.omegaK ?? 0;
  const w0 = c.w0 ?? -1;
  const wa = c.wa ?? 0;
  const darkEnergy = w0 === -1 && wa === 0 ? 1 : Math.pow(zp1, 3 * (1 + w0 + wa)) * Math.exp((-3 * wa * z) / zp1);
  return c.omegaM * zp1 * zp1 * zp1 + omegaK * zp1 * zp1 + (1 - c.omegaM - omegaK) * darkEnergy;
}

export function hubbleE(c: Cosmology, z: number): number {
  return Math.sqrt(hubbleE2(c, z));
}

/** Nodes and weights of n-point Gauss–Legendre quadrature on [−1, 1] (Newton on P_n; exact to degree 2n − 1). */
export function gaussLegendre(n: number): { nodes: Float64Array; weights: Float64Array } {
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let iter = 0; iter < 100; iter++) {
      let p0 = 1;
      let p1 = x;
      for (let k = 2; k <= n; k++) [p0, p1] = [p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k];
      dp = (n * (x * p1 - p0)) / (x * x - 1);
      const dx = p1 / dp;
      x -= dx;
      if (Math.abs(dx) < 1e-15) break;
    }
    nodes[i] = x;
    weights[i] = 2 / ((1 - x * x) * dp * dp);
  }
  return { nodes, weights };
}

/**
 * A quadrature plan for D_C at a fixed set of redshifts, shared by every cosmology: [0, z_max]
 * is cut at every target redshift and into pieces no longer than `maxStep`, each piece integrated
 * with `order`-point Gauss–Legendre, and the pieces summed cumulatively. 1/E is smooth (analytic)
 * on z ≥ 0, so 8 points per 0.1 in z are accurate to ~1e-12 relative (tested against closed forms).
 */
export class DistanceGrid {
  /** Redshifts at which 1/E is evaluated, and the weights that turn them into piece integrals. */
  readonly nodes: Float64Array;
  private readonly weights: Float64Array;
  /** pieceEnd[k]: index one past the last node of piece k; targetPiece[i]: the piece ending at target i. */
  private readonly pieceEnd: Int32Array;
  private readonly targetPiece: Int32Array;

  constructor(
    readonly redshifts: ArrayLike<number>,
    { order = 8, maxStep = 0.1 }: { order?: number; maxStep?: number } = {},
  ) {
    const sorted = [...new Set(Array.from(redshifts))].sort((a, b) => a - b);
    if (sorted.some((z) => !(z >= 0) || !Number.isFinite(z))) throw new Error('redshifts must be finite and ≥ 0');
    const cuts: number[] = [0];
    for (const z of sorted) {
      const last = cuts.at(-1)!;
      const pieces = Math.max(1, Math.ceil((z - last) / maxStep));
      for (let k = 1; k <= pieces; k++) cuts.push(last + ((z - last) * k) / pieces);
    }
    const gl = gaussLegendre(order);
    const nodes: number[] = [];
    const weights: number[] = [];
    const pieceEnd: number[] = [];
    const pieceOfCut = new Map<number, number>();
    for (let k = 1; k < cuts.length; k++) {
      const [a, b] = [cuts[k - 1]!, cuts[k]!];
      for (let j = 0; j < order; j++) {
        nodes.push(0.5 * (a + b) + 0.5 * (b - a) * gl.nodes[j]!);
        weights.push(0.5 * (b - a) * gl.weights[j]!);
      }
      pieceEnd.push(nodes.length);
      pieceOfCut.set(b, k - 1);
    }
    this.nodes = Float64Array.from(nodes);
    this.weights = Float64Array.from(weights);
    this.pieceEnd = Int32Array.from(pieceEnd);
    // A target at z = 0 has no piece: D_C = 0 (piece index −1).
    this.targetPiece = Int32Array.from(Array.from(redshifts), (z) => (z === 0 ? -1 : pieceOfCut.get(z)!));
  }

  /**
   * D_C/D_H at every target redshift, in the order given to the constructor; `invE` holds 1/E at
   * `nodes` (so the caller can reject a cosmology whose E² ≤ 0 before calling).
   */
  comovingFromInverseE(invE: Float64Array, out = new Float64Array(this.targetPiece.length)): Float64Array {
    const cumulative = new Float64Array(this.pieceEnd.length);
    let sum = 0;
    let start = 0;
    for (let k = 0; k < this.pieceEnd.length; k++) {
      for (let j = start; j < this.pieceEnd[k]!; j++) sum += this.weights[j]! * invE[j]!;
      cumulative[k] = sum;
      start = this.pieceEnd[k]!;
    }
    for (let i = 0; i < out.length; i++) out[i] = this.targetPiece[i]! < 0 ? 0 : cumulative[this.targetPiece[i]!]!;
    return out;
  }

  /** D_C/D_H at every target redshift, or null when E² ≤ 0 somewhere on [0, z_max]. */
  comoving(c: Cosmology): Float64Array | null {
    const invE = new Float64Array(this.nodes.length);
    for (let j = 0; j < invE.length; j++) {
      const e2 = hubbleE2(c, this.nodes[j]!);
      if (!(e2 > 0)) return null;
      invE[j] = 1 / Math.sqrt(e2);
    }
    return this.comovingFromInverseE(invE);
  }
}

/** Transverse comoving distance D_M/D_H from D_C/D_H and Ωk (Hogg 1999, eq. 16). */
export function transverseComoving(comoving: number, omegaK: number): number {
  if (omegaK > 0) {
    const s = Math.sqrt(omegaK);
    return Math.sinh(s * comoving) / s;
  }
  if (omegaK < 0) {
    const s = Math.sqrt(-omegaK);
    return Math.sin(s * comoving) / s;
  }
  return comoving;
}

/** D_L/D_H at each supernova: (1 + z_hel) D_M(z_cmb); null outside the model's support. */
export function luminosityDistances(grid: DistanceGrid, c: Cosmology, zhel: ArrayLike<number>): Float64Array | null {
  const dc = grid.comoving(c);
  if (!dc) return null;
  const omegaK = c.omegaK ?? 0;
  for (let i = 0; i < dc.length; i++) dc[i] = (1 + zhel[i]!) * transverseComoving(dc[i]!, omegaK);
  return dc;
}
