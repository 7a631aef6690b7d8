/**
 * Every physical and sensor constant of the rocket-instability simulator, in one place.
 *
 * The test bench modelled is DLR's BKD research combustor (LOX/H2, ≈ 100 MW, 42 injectors,
 * chamber pressure up to ≈ 80 bar, first tangential (1T) mode near 10 kHz; Gröning et al. 2016,
 * J. Propuls. Power 32:560; Sengupta, Waxenegger-Wilfing et al. 2021, "Forecasting
 * thermoacoustic instabilities in liquid propellant rocket engines using multimodal Bayesian
 * deep learning", arXiv:2107.06396). The 1T mode amplitude A obeys the stochastic amplitude
 * equation of a noisy van der Pol / Stuart–Landau oscillator (Noiray & Schuermans 2013,
 * Int. J. Non-Linear Mech. 50:152):
 *
 *   dA = (ν A − κ₃ A³/8 − κ₅ A⁵ + Γ/(4ω²A)) dt + √(Γ/(2ω²)) dW,
 *
 * simulated as the complex amplitude z (|z| = A) so the Γ/(4ω²A) Itô drift comes out exactly and
 * never divides by zero. Only the envelope is simulated, at 1 kHz: the 10 kHz carrier averages out
 * of the amplitude equation, and a 500 ms horizon is 500 envelope samples.
 *
 * The numbers are not BKD's (its data are not public) but chosen to give BKD-like behaviour:
 * a noise-driven 1T amplitude of ≈ 0.2 bar at stable operating points, limit cycles of ≈ 3 bar
 * (≈ 4 % of the chamber pressure; BKD reaches up to ≈ 10 %), growth/decay times of 30–100 ms.
 */

/** Envelope sample rate: one sample per millisecond. */
export const SAMPLE_RATE_HZ = 1000;
export const DT = 1 / SAMPLE_RATE_HZ;
/** Euler–Maruyama sub-steps per envelope sample (0.25 ms; |ν| dt ≤ 0.02 keeps the scheme accurate). */
export const SUBSTEPS = 4;
/** 1T mode frequency (BKD: ≈ 10 kHz). Only enters through Γ = 2 ω² σ². */
export const MODE_FREQUENCY_HZ = 10_000;
export const OMEGA = 2 * Math.PI * MODE_FREQUENCY_HZ;

/** Noise intensity per component of z: σ² = Γ/(2ω²) [bar² s⁻¹]; gives A_rms = √(σ²/|ν|) ≈ 0.2 bar at ν = −20 s⁻¹. */
export const NOISE_SIGMA2 = 0.8;
/** Γ in the Noiray–Schuermans form (for reference; the simulator uses σ²). */
export const GAMMA = 2 * OMEGA ** 2 * NOISE_SIGMA2;

/** Supercritical (van der Pol) saturation κ₃ [bar⁻² s⁻¹]: limit cycle √(8ν/κ₃) ≈ 3 bar at ν = 20 s⁻¹. */
export const KAPPA_SUPERCRITICAL = 18;
/**
 * Subcritical variant: a destabilising cubic (κ₃ < 0) saturated by a quintic κ₅. Bistable for
 * −β²/(4κ₅) < ν < 0 with β = −κ₃/8, i.e. −10 s⁻¹ < ν < 0; the upper branch at ν = 0 is √(β/κ₅) ≈ 3.2 bar.
 */
export const KAPPA3_SUBCRITICAL = -32;
export const KAPPA5_SUBCRITICAL = 0.4;

/**
 * Linear growth rate ν [s⁻¹] of the 1T mode as a function of the operating point: it rises with
 * chamber pressure and mixture ratio and falls with the hydrogen injection temperature (BKD's
 * instabilities appear at high p_c and low H2 temperature; Gröning et al. 2016).
 */
export const GROWTH = {
  /** ν at the reference point. */
  nu0: -15,
  /** per bar of chamber pressure. */
  perBar: 1.2,
  /** per unit of mixture ratio (O/F). */
  perRof: 10,
  /** per kelvin of H2 injection temperature (negative: colder is less stable). */
  perKelvin: -0.25,
  /** A per-run offset nobody measures (hardware, ageing): N(0, sd²). */
  hiddenOffsetSd: 2,
} as const;

/** Reference operating point of the growth-rate law and the sensors. */
export const REFERENCE = { chamberPressure: 70, rof: 5.5, h2Temperature: 80 } as const;

/** Ranges operating points are drawn from (BKD: p_c 40–80 bar, ROF 4–7, T_H2 40–130 K). */
export const OPERATING_RANGE = {
  chamberPressure: [50, 90],
  rof: [4, 7],
  h2Temperature: [50, 110],
} as const;

/** ν must stay below this in a stable run (outside the subcritical bistable band) and end above the second in an unstable one. */
export const STABLE_MAX_GROWTH = -12;
export const UNSTABLE_MIN_GROWTH = 10;

/** Test-run schedule: hold, linear ramp of the commanded operating point, hold [s]. */
export const SCHEDULE = { initialHold: [0.8, 2.0], ramp: [3, 6] } as const;
/** Chamber-pressure response to the flow-rate commands: first-order lag [s]. */
export const CHAMBER_LAG_S = 0.05;
/** H2 temperature drift: Ornstein–Uhlenbeck with this time constant [s] and stationary sd [K]. */
export const H2_TEMPERATURE_DRIFT = { tau: 1.0, sd: 1.5 } as const;

/** Sensor models (noise sds are per envelope sample). */
export const SENSORS = {
  /** Envelope detector of the band-passed dynamic pressure: first-order smoothing [s] and complex band noise per component [bar]. */
  dynamicPressure: { smoothing: 0.002, noise: 0.05 },
  /** OH* chemiluminescence [a.u.]: proportional to p_c plus a term in the heat-release oscillation ∝ A. */
  ohStar: { perBar: 0.01, perAmplitude: 0.08, multiplicativeNoise: 0.25, noise: 0.01 },
  /** H2 injector manifold pressure [bar]: p_c plus a stiffness drop ∝ ṁ², plus pick-up of the 1T oscillation. */
  injectorPressure: { dropFraction: 0.15, perAmplitude: 0.3, noise: 0.15 },
  /** H2 injection temperature [K]: per-run set point, falls with H2 flow (more regenerative cooling flow). */
  injectorTemperature: { perFlow: -8, noise: 0.3 },
  /** Static chamber pressure [bar]. */
  chamberPressure: { noise: 0.1 },
} as const;

/** Default instability threshold on the 1T envelope [bar] (≈ 1.4 % of p_c; noise-driven level ≈ 0.2 bar). */
export const DEFAULT_THRESHOLD = 1.0;

/** The Parquet columns of a test run, in order. */
export const RUN_COLUMNS = ['t', 'p_dyn', 'oh_star', 'p_inj', 't_inj', 'p_c', 'u_lox', 'u_h2'] as const;
