import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { expectedBackend, nvidiaGpuVisible, selectBackend } from '../../../lib/nn/backend.ts';

const installed = (name: string): boolean => {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
};

const missing = async (name: string): Promise<never> => {
  throw new Error(`Cannot find package '${name}'`);
};

/** Pretends a native package loaded: registers a 'tensorflow' backend (a cpu backend in disguise). */
const fakeNative = async (name: string): Promise<unknown> => {
  if (name === '@tensorflow/tfjs-backend-wasm') return import(name);
  const Cpu = tf.findBackend('cpu')!.constructor as new () => tf.KernelBackend;
  tf.registerBackend('tensorflow', () => new Cpu());
  return {};
};

const withoutFake = async <T>(body: () => Promise<T>): Promise<T> => {
  try {
    return await body();
  } finally {
    await tf.setBackend('wasm');
    tf.removeBackend('tensorflow');
  }
};

test('with the real packages: tfjs-node when installed, else wasm, and the reason says why', async () => {
  const choice = await selectBackend({ env: {}, gpuAvailable: () => false });
  if (installed('@tensorflow/tfjs-node')) {
    assert.equal(choice.backend, 'tensorflow');
    assert.equal(choice.package, '@tensorflow/tfjs-node');
  } else {
    assert.equal(choice.backend, 'wasm');
    assert.equal(choice.package, '@tensorflow/tfjs-backend-wasm');
    assert.match(choice.reason, /tensorflow-gpu: no GPU visible; tensorflow: .*tfjs-node/);
  }
  assert.equal(tf.getBackend(), choice.backend);
});

test('injected loader: both native packages missing ⇒ wasm; wasm missing too ⇒ cpu', async () => {
  const wasm = await selectBackend({ env: {}, gpuAvailable: () => true, loadPackage: (n) => (n.includes('wasm') ? import(n) : missing(n)) });
  assert.deepEqual([wasm.backend, wasm.package], ['wasm', '@tensorflow/tfjs-backend-wasm']);
  assert.match(wasm.reason, /tensorflow-gpu: Cannot find package '@tensorflow\/tfjs-node-gpu'; tensorflow: Cannot find/);

  const cpu = await selectBackend({ env: {}, gpuAvailable: () => false, loadPackage: missing });
  assert.deepEqual([cpu.backend, cpu.package], ['cpu', '@tensorflow/tfjs-backend-cpu']);
  assert.equal(tf.getBackend(), 'cpu');
  await tf.setBackend('wasm');
});

test('injected loader: a usable GPU picks tfjs-node-gpu, no GPU skips it for tfjs-node', async () => {
  const loaded: string[] = [];
  const gpu = await withoutFake(async () =>
    selectBackend({ env: {}, gpuAvailable: () => true, loadPackage: (n) => (loaded.push(n), fakeNative(n)) }),
  );
  assert.deepEqual(gpu, { backend: 'tensorflow', package: '@tensorflow/tfjs-node-gpu', reason: 'first choice' });
  assert.deepEqual(loaded, ['@tensorflow/tfjs-node-gpu']);

  const node = await withoutFake(async () =>
    selectBackend({ env: {}, gpuAvailable: () => false, loadPackage: fakeNative }),
  );
  assert.deepEqual(node, {
    backend: 'tensorflow',
    package: '@tensorflow/tfjs-node',
    reason: 'fallback (tensorflow-gpu: no GPU visible)',
  });
});

test('SCIFLOW_TF_BACKEND forces a backend and fails loudly when it is unavailable', async () => {
  const cpu = await selectBackend({ env: { SCIFLOW_TF_BACKEND: 'cpu' } });
  assert.deepEqual(cpu, { backend: 'cpu', package: '@tensorflow/tfjs-backend-cpu', reason: 'forced by SCIFLOW_TF_BACKEND=cpu' });
  const wasm = await selectBackend({ env: { SCIFLOW_TF_BACKEND: 'wasm' } });
  assert.equal(wasm.backend, 'wasm');

  await assert.rejects(
    selectBackend({ env: { SCIFLOW_TF_BACKEND: 'tensorflow' }, loadPackage: missing }),
    /SCIFLOW_TF_BACKEND=tensorflow but @tensorflow\/tfjs-node is unavailable: Cannot find package/,
  );
  await assert.rejects(
    selectBackend({ env: { SCIFLOW_TF_BACKEND: 'tensorflow-gpu' }, gpuAvailable: () => false }),
    /no GPU is visible/,
  );
  await assert.rejects(selectBackend({ env: { SCIFLOW_TF_BACKEND: 'webgl' } }), /not one of tensorflow-gpu, tensorflow, wasm, cpu/);
  assert.equal(tf.getBackend(), 'wasm');
});

test('CUDA_VISIBLE_DEVICES can hide every GPU', () => {
  assert.equal(nvidiaGpuVisible({ CUDA_VISIBLE_DEVICES: '-1' }), false);
  assert.equal(nvidiaGpuVisible({ CUDA_VISIBLE_DEVICES: '' }), false);
});

test('expectedBackend names the backend selectBackend will pick, from the installed packages alone', async () => {
  const before = tf.getBackend();
  const expected = await expectedBackend({ env: {}, gpuAvailable: () => false });
  const selected = await selectBackend({ env: {}, gpuAvailable: () => false });
  assert.deepEqual([expected.backend, expected.package], [selected.backend, selected.package]);
  if (!installed('@tensorflow/tfjs-node')) assert.match(expected.reason, /tensorflow: @tensorflow\/tfjs-node is not installed/);
  await tf.setBackend(before);
  // Nothing is loaded or activated: a package that is merely found counts.
  const found: string[] = [];
  const gpu = await expectedBackend({ env: {}, gpuAvailable: () => true, loadPackage: async (n) => void found.push(n) });
  assert.deepEqual(gpu, { backend: 'tensorflow', package: '@tensorflow/tfjs-node-gpu', reason: 'first choice' });
  assert.deepEqual(found, ['@tensorflow/tfjs-node-gpu']);
  assert.equal(tf.getBackend(), before);
  await assert.rejects(expectedBackend({ env: { SCIFLOW_TF_BACKEND: 'tensorflow' }, loadPackage: missing }), /SCIFLOW_TF_BACKEND=tensorflow but @tensorflow\/tfjs-node is unavailable/);
});
