/**
 * Chooses the TensorFlow.js backend that every neural component runs on.
 *
 * Preference order: `tensorflow-gpu` (@tensorflow/tfjs-node-gpu, only when a GPU is usable) →
 * `tensorflow` (@tensorflow/tfjs-node) → `wasm` (@tensorflow/tfjs-backend-wasm) → `cpu` (pure JS).
 * The two native packages are optional dependencies whose install downloads libtensorflow, so they
 * are routinely absent; absence is a normal fallback, not an error. `SCIFLOW_TF_BACKEND` forces one
 * candidate by name, and then its absence *is* an error (a user asked for it explicitly).
 *
 * The returned {@link BackendChoice} is meant for the run manifest: numbers from different backends
 * differ in the last float32 bits, so a manifest must say which one produced them.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';

export const BACKEND_CANDIDATES = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendCandidate = (typeof BACKEND_CANDIDATES)[number];

export interface BackendChoice {
  /** Name tfjs knows the backend by (`tf.getBackend()`): 'tensorflow', 'wasm' or 'cpu'. */
  backend: string;
  /** npm package that provides it. */
  package: string;
  /** One line on why this one was chosen (what was forced, or what was tried and skipped). */
  reason: string;
}

export interface BackendSelectionOptions {
  /** Environment to read `SCIFLOW_TF_BACKEND` from (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Loads a package by name; injectable so tests can simulate installed or missing packages. */
  loadPackage?: (name: string) => Promise<unknown>;
  /** Whether a CUDA GPU is visible to this process. */
  gpuAvailable?: () => boolean;
}

interface CandidateInfo {
  backend: string;
  package: string;
}

const CANDIDATES: Record<BackendCandidate, CandidateInfo> = {
  'tensorflow-gpu': { backend: 'tensorflow', package: '@tensorflow/tfjs-node-gpu' },
  tensorflow: { backend: 'tensorflow', package: '@tensorflow/tfjs-node' },
  wasm: { backend: 'wasm', package: '@tensorflow/tfjs-backend-wasm' },
  cpu: { backend: 'cpu', package: '@tensorflow/tfjs-backend-cpu' },
};

/** A GPU counts as visible when the NVIDIA driver lists one and CUDA_VISIBLE_DEVICES does not hide it. */
export function nvidiaGpuVisible(env: Record<string, string | undefined> = process.env): boolean {
  const visible = env.CUDA_VISIBLE_DEVICES;
  if (visible !== undefined && (visible.trim() === '' || visible.trim() === '-1')) return false;
  const gpus = '/proc/driver/nvidia/gpus';
  return (existsSync(gpus) && readdirSync(gpus).length > 0) || existsSync('/dev/nvidia0');
}

const importPackage = (name: string): Promise<unknown> => import(name);

/** Loads the package behind one candidate and activates it; throws with the cause when it cannot. */
async function activate(
  candidate: BackendCandidate,
  loadPackage: (name: string) => Promise<unknown>,
): Promise<void> {
  const info = CANDIDATES[candidate];
  // The cpu backend ships inside @tensorflow/tfjs itself; the others register on import.
  if (candidate !== 'cpu') await loadPackage(info.package);
  if (!(await tf.setBackend(info.backend))) {
    throw new Error(`tfjs could not initialise the '${info.backend}' backend`);
  }
  await tf.ready();
}

const errorLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0];

/** The default selection of this process, shared by every caller (keyed by SCIFLOW_TF_BACKEND). */
const defaultSelection = new Map<string, Promise<BackendChoice>>();

/**
 * Activates the best available backend (or the one `SCIFLOW_TF_BACKEND` names) and says which.
 * Without options every caller shares one selection: two activities of a fan-out selecting at
 * once would otherwise race in tf.setBackend and one could get a half-initialised backend.
 */
export function selectBackend(options: BackendSelectionOptions = {}): Promise<BackendChoice> {
  const loadPackage = options.loadPackage ?? importPackage;
  const choose = () => chooseBackend(options, (candidate) => activate(candidate, loadPackage));
  if (Object.keys(options).length > 0) return choose();
  const key = process.env.SCIFLOW_TF_BACKEND?.trim() ?? '';
  let selection = defaultSelection.get(key);
  if (!selection) {
    selection = choose();
    defaultSelection.set(key, selection);
    selection.catch(() => defaultSelection.delete(key));
  }
  return selection;
}

/**
 * The backend `selectBackend` would choose in a process like this one, judged by which packages are
 * installed, without loading any: cheap enough to announce before a run starts. A package that is
 * installed but cannot load (libtensorflow missing, say) shows only when a stage selects, and the
 * stage's choice is what the manifest records. `loadPackage` here only has to find the package.
 */
export function expectedBackend(options: BackendSelectionOptions = {}): Promise<BackendChoice> {
  const findPackage = options.loadPackage ?? resolvePackage;
  return chooseBackend(options, async (candidate) => {
    if (candidate !== 'cpu') await findPackage(CANDIDATES[candidate].package);
  });
}

const localRequire = createRequire(import.meta.url);

async function resolvePackage(name: string): Promise<void> {
  try {
    localRequire.resolve(name);
  } catch {
    throw new Error(`${name} is not installed`);
  }
}

/** The first candidate `tryCandidate` accepts, in preference order (or the forced one), and why. */
async function chooseBackend(options: BackendSelectionOptions, tryCandidate: (candidate: BackendCandidate) => Promise<void>): Promise<BackendChoice> {
  const env = options.env ?? process.env;
  const gpuAvailable = options.gpuAvailable ?? (() => nvidiaGpuVisible(env));

  const forced = env.SCIFLOW_TF_BACKEND?.trim();
  if (forced) {
    if (!(BACKEND_CANDIDATES as readonly string[]).includes(forced)) {
      throw new Error(
        `SCIFLOW_TF_BACKEND='${forced}' is not one of ${BACKEND_CANDIDATES.join(', ')}`,
      );
    }
    const candidate = forced as BackendCandidate;
    if (candidate === 'tensorflow-gpu' && !gpuAvailable()) {
      throw new Error(`SCIFLOW_TF_BACKEND=tensorflow-gpu but no GPU is visible to this process`);
    }
    try {
      await tryCandidate(candidate);
    } catch (error) {
      throw new Error(
        `SCIFLOW_TF_BACKEND=${candidate} but ${CANDIDATES[candidate].package} is unavailable: ${errorLine(error)}`,
      );
    }
    return { ...CANDIDATES[candidate], reason: `forced by SCIFLOW_TF_BACKEND=${candidate}` };
  }

  const skipped: string[] = [];
  for (const candidate of BACKEND_CANDIDATES) {
    if (candidate === 'tensorflow-gpu' && !gpuAvailable()) {
      skipped.push('tensorflow-gpu: no GPU visible');
      continue;
    }
    try {
      await tryCandidate(candidate);
      const reason = skipped.length === 0 ? 'first choice' : `fallback (${skipped.join('; ')})`;
      return { ...CANDIDATES[candidate], reason };
    } catch (error) {
      skipped.push(`${candidate}: ${errorLine(error)}`);
    }
  }
  // Unreachable in practice: the cpu backend is part of @tensorflow/tfjs.
  throw new Error(`no TensorFlow.js backend could be initialised (${skipped.join('; ')})`);
}
