/**
 * Plane-parallel thermal emission without scattering, and the band-integrated eclipse depth.
 *
 * Layers: N log-spaced in pressure between the levels P_0 (top) … P_N (bottom); each layer is
 * isothermal at the mean of its levels' temperatures, hydrostatic with constant gravity, so its
 * optical depth is Δτ = κ ΔP / g with κ (cm²/g) = [Σ_m X_m σ_m(ν, T) + n (X_H2² k_H2H2 + X_H2 X_He
 * k_H2He)] / (μ̄ m_u), n = P/kT. The emergent intensity at μ = cos θ is
 *   I(μ) = Σ_layers B(T_l) (e^{−τ_top/μ} − e^{−τ_bot/μ}) + B(T_N) e^{−τ_N/μ}
 * (exact for isothermal layers; an isothermal atmosphere gives I = B exactly), the flux
 * F = 2π ∫ μ I dμ by Gauss–Legendre on μ ∈ [0, 1], and the depth (F_p / π B_⋆)(R_p/R_s)² with a
 * blackbody star, averaged over each band with its filter weights (data.ts bandQuadrature).
 */
import { gaussLegendre } from '../../lib/cosmology/distances.ts';
import { BASE_MIXING_RATIO, DEFAULT_RESOLUTION, HE_TO_H2, MOLECULES, MOLECULE_DATA, PHYS, SYSTEM, type Theta } from './constants.ts';
import { bandQuadrature, type BandQuadrature, type Passband } from './data.ts';
import { buildOpacityTables, SPECIES_PER_NODE, type OpacityTables } from './opacity.ts';
import { lineTemperatureProfile } from './profile.ts';

export type Resolution = Record<keyof typeof DEFAULT_RESOLUTION, number>;

/** Planck B_ν in wavenumber (erg s^-1 cm^-2 sr^-1 (cm^-1)^-1). */
export function planckWavenumber(nu: number, temperature: number): number {
  return (2 * PHYS.h * PHYS.c * PHYS.c * nu * nu * nu) / Math.expm1((PHYS.c2 * nu) / temperature);
}

export interface Composition {
  /** Volume mixing ratios of H2O, CO2, CO, CH4 (MOLECULES order), then H2 and He. */
  molecules: Float64Array;
  h2: number;
  he: number;
  /** Mean molecular mass (amu). */
  mu: number;
}

/**
 * Mixing ratios 1e-6 × 10^scale. If the four absorbers would exceed the whole gas they are scaled
 * to sum to 1 (model choice for the upper prior corner); H2 and He fill the rest at He/H2 = 0.17.
 */
export function composition(logScales: ArrayLike<number>): Composition {
  const molecules = Float64Array.from(MOLECULES, (_, i) => BASE_MIXING_RATIO * 10 ** logScales[i]!);
  const total = molecules.reduce((a, b) => a + b, 0);
  if (total > 1) molecules.forEach((x, i) => (molecules[i] = x / total));
  const rest = Math.max(0, 1 - Math.min(1, total));
  const h2 = rest / (1 + HE_TO_H2);
  const he = rest - h2;
  let mu = h2 * MOLECULE_DATA.H2.mass + he * MOLECULE_DATA.He.mass;
  MOLECULES.forEach((m, i) => (mu += molecules[i]! * MOLECULE_DATA[m].mass));
  return { molecules, h2, he, mu };
}

/** Transmission below which deeper layers no longer reach the top (e^-40). */
const OPAQUE_TAU = 40;

export class ForwardModel {
  readonly quadrature: BandQuadrature;
  readonly nBands: number;
  /** Level pressures (dyn cm^-2), top to bottom. */
  readonly pressures: Float64Array;
  private readonly tables: OpacityTables;
  private readonly mu: Float64Array;
  private readonly muMax: number;
  /** Gauss–Legendre weight on [0, 1] × μ (Σ = ½, so 2 Σ w μ I = F/π). */
  private readonly muWeight: Float64Array;
  private readonly planckPrefactor: Float64Array;
  private readonly starPlanck: Float64Array;
  // Work arrays, reused by every call.
  private readonly levelT: Float64Array<ArrayBuffer>;
  private readonly layerCoef: Float64Array;
  private readonly layerFrac: Float64Array;
  private readonly layerOffset: Int32Array;
  private readonly layerInvT: Float64Array;
  private readonly transmission: Float64Array;
  private readonly intensity: Float64Array;

  constructor(
    bands: Passband[],
    readonly resolution: Resolution = { ...DEFAULT_RESOLUTION },
  ) {
    const r = resolution;
    this.quadrature = bandQuadrature(bands, r.topHatNodes, r.broadNodes);
    this.nBands = bands.length;
    const nLevels = r.layers + 1;
    const logTop = Math.log(r.topPressureBar * 1e6);
    const logBottom = Math.log(r.bottomPressureBar * 1e6);
    this.pressures = Float64Array.from({ length: nLevels }, (_, i) => Math.exp(logTop + ((logBottom - logTop) * i) / r.layers));
    this.tables = buildOpacityTables(this.quadrature.wavenumber);
    const gl = gaussLegendre(r.angles);
    this.mu = Float64Array.from(gl.nodes, (x) => 0.5 * (x + 1));
    this.muMax = Math.max(...this.mu);
    this.muWeight = Float64Array.from(gl.weights, (w, i) => 0.5 * w * this.mu[i]!);
    const nu = this.quadrature.wavenumber;
    this.planckPrefactor = Float64Array.from(nu, (v) => 2 * PHYS.h * PHYS.c * PHYS.c * v * v * v);
    this.starPlanck = Float64Array.from(nu, (v) => planckWavenumber(v, SYSTEM.starTemperature));
    this.levelT = new Float64Array(nLevels);
    this.layerCoef = new Float64Array(r.layers * SPECIES_PER_NODE);
    this.layerFrac = new Float64Array(r.layers);
    this.layerOffset = new Int32Array(r.layers);
    this.layerInvT = new Float64Array(nLevels);
    this.transmission = new Float64Array(r.angles);
    this.intensity = new Float64Array(r.angles);
  }

  get nWavenumbers(): number {
    return this.quadrature.wavenumber.length;
  }

  /** Temperature (K) at every level for θ (the first five entries are the profile's). */
  temperatures(theta: Theta, out: Float64Array<ArrayBuffer> = new Float64Array(this.pressures.length)): Float64Array<ArrayBuffer> {
    return lineTemperatureProfile({ logKappa: theta[0]!, logGamma1: theta[1]!, logGamma2: theta[2]!, alpha: theta[3]!, beta: theta[4]! }, this.pressures, out);
  }

  /** Per-layer opacity weights and table positions for level temperatures T and abundance scales. */
  private prepareLayers(T: Float64Array, logScales: ArrayLike<number>): void {
    const comp = composition(logScales);
    const massFactor = 1 / (comp.mu * PHYS.amu * SYSTEM.gravity);
    const { temperatures: grid, nWavenumbers } = this.tables;
    const tMin = grid[0]!;
    const tStep = grid[1]! - tMin;
    const nL = this.layerFrac.length;
    for (let l = 0; l < nL; l++) {
      const tLayer = 0.5 * (T[l]! + T[l + 1]!);
      const dP = this.pressures[l + 1]! - this.pressures[l]!;
      const pLayer = Math.sqrt(this.pressures[l + 1]! * this.pressures[l]!);
      const x = Math.min(grid.length - 1 - 1e-9, Math.max(0, (tLayer - tMin) / tStep));
      const k = Math.floor(x);
      this.layerFrac[l] = x - k;
      this.layerOffset[l] = k * nWavenumbers * SPECIES_PER_NODE;
      this.layerInvT[l] = 1 / tLayer;
      const c = l * SPECIES_PER_NODE;
      for (let m = 0; m < MOLECULES.length; m++) this.layerCoef[c + m] = comp.molecules[m]! * dP * massFactor;
      const pairs = (pLayer / (PHYS.k * tLayer)) * dP * massFactor;
      this.layerCoef[c + MOLECULES.length] = comp.h2 * comp.h2 * pairs;
      this.layerCoef[c + MOLECULES.length + 1] = comp.h2 * comp.he * pairs;
    }
    this.layerInvT[nL] = 1 / T[nL]!;
  }

  /** Planet-to-star flux ratio × (R_p/R_s)² at wavenumber node j (prepareLayers first). */
  private depthAt(j: number): number {
    const values = this.tables.values;
    const nL = this.layerFrac.length;
    const nMu = this.mu.length;
    const stride = this.tables.nWavenumbers * SPECIES_PER_NODE;
    const c2nu = PHYS.c2 * this.quadrature.wavenumber[j]!;
    const prefactor = this.planckPrefactor[j]!;
    const tr = this.transmission;
    const I = this.intensity;
    tr.fill(1);
    I.fill(0);
    const opaque = OPAQUE_TAU * this.muMax;
    let tau = 0;
    let l = 0;
    for (; l < nL; l++) {
      const a = this.layerOffset[l]! + j * SPECIES_PER_NODE;
      const f = this.layerFrac[l]!;
      const c = l * SPECIES_PER_NODE;
      let dtau = 0;
      for (let s = 0; s < SPECIES_PER_NODE; s++) dtau += this.layerCoef[c + s]! * (values[a + s]! + f * (values[a + stride + s]! - values[a + s]!));
      tau += dtau;
      const B = prefactor / Math.expm1(c2nu * this.layerInvT[l]!);
      for (let q = 0; q < nMu; q++) {
        const t = Math.exp(-tau / this.mu[q]!);
        I[q] += B * (tr[q]! - t);
        tr[q] = t;
      }
      if (tau > opaque) break;
    }
    const Bbottom = l === nL ? prefactor / Math.expm1(c2nu * this.layerInvT[nL]!) : 0;
    let flux = 0;
    for (let q = 0; q < nMu; q++) flux += this.muWeight[q]! * (I[q]! + Bbottom * tr[q]!);
    // 2π Σ w μ I / (π B⋆) = 2 Σ w μ I / B⋆.
    return ((2 * flux) / this.starPlanck[j]!) * SYSTEM.radiusRatio * SYSTEM.radiusRatio;
  }

  /** Band-integrated eclipse depths for θ, written into `out`. */
  depths(theta: Theta, out = new Float64Array(this.nBands)): Float64Array {
    return this.depthsForProfile(this.temperatures(theta, this.levelT), theta.slice(5), out);
  }

  /** Band-integrated depths for any level temperatures (top to bottom) and abundance scales. */
  depthsForProfile(levelTemperatures: Float64Array, logScales: ArrayLike<number>, out = new Float64Array(this.nBands)): Float64Array {
    this.prepareLayers(levelTemperatures, logScales);
    const { weight, start } = this.quadrature;
    for (let b = 0; b < this.nBands; b++) {
      let sum = 0;
      for (let j = start[b]!; j < start[b + 1]!; j++) sum += weight[j]! * this.depthAt(j);
      out[b] = sum;
    }
    return out;
  }

  /** Unbinned depth at every wavenumber node (for plots and tests). */
  spectrum(theta: Theta, out = new Float64Array(this.nWavenumbers)): Float64Array {
    this.prepareLayers(this.temperatures(theta, this.levelT), theta.slice(5));
    for (let j = 0; j < out.length; j++) out[j] = this.depthAt(j);
    return out;
  }
}
