/** The LISA pipelines: MBHB inference with SNL (lisa-mbhb) and the gas-torque bias study (lisa-gas-torque). */
export { lisaMbhb } from './mbhb.ts';
export { lisaGasTorque } from './gas-torque-pipeline.ts';
