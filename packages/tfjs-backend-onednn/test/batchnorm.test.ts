import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { alsoUnderAvx2 } from '../src/testing.js';
import { fileURLToPath } from 'node:url';
import { batchNormTrain } from '../src/index.js';
import { native } from '../src/native.js';
import { assertParity, makeData, pick, randInt } from './parity.js';

// The native kernel on 'onednn' against the composite tfjs version on 'cpu' (which autodiff differentiates).
function checkParity(shape: number[], relu: boolean, withResidual: boolean, label: string): void {
  const c = shape[shape.length - 1];
  const specs = [
    { shape, range: [-3, 5] as [number, number] },
    { shape: [c], range: [0.5, 1.5] as [number, number] },
    { shape: [c] },
    { shape },
  ];
  const fwd = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, r: tf.Tensor) =>
    batchNormTrain(x, g, b, null, null, { relu, residual: withResidual ? r : undefined });
  assertParity(label, fwd, specs);
  const loss = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, r: tf.Tensor) =>
    tf.sum(tf.mul(fwd(x, g, b, r), tf.linspace(-1, 2, x.size).reshape(x.shape)));
  // Without a residual, r is not part of the computation, so it gets no gradient.
  const grads = withResidual
    ? (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, r: tf.Tensor) => tf.grads(loss)([x, g, b, r])
    : (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, r: tf.Tensor) =>
        tf.grads((x2: tf.Tensor, g2: tf.Tensor, b2: tf.Tensor) => loss(x2, g2, b2, r))([x, g, b]);
  assertParity(`${label} gradients`, grads, specs, 1e-3, 1e-4);
}

test('batchNormTrain forward and gradients match the composite version on the cpu backend', () => {
  for (let i = 0; i < 24; i++) {
    const shape = pick([
      [randInt(1, 4), randInt(1, 9), randInt(1, 9), pick([1, 3, 8, 16, 24, 64])],
      [randInt(2, 40), pick([1, 5, 10])],
    ]);
    if (shape.slice(0, -1).reduce((a, b) => a * b, 1) < 2) shape[0] = 2;
    const relu = pick([false, true]);
    const withResidual = pick([false, true]);
    checkParity(shape, relu, withResidual, `bn case ${i} shape [${shape}] relu ${relu} residual ${withResidual}`);
  }
});

// With ReLU and a channel count divisible by 8 the backward reads a bit mask instead of y: every such combination.
test('batchNormTrain with the ReLU bit mask (channels % 8 == 0) matches the cpu backend', () => {
  for (const shape of [
    [2, 3, 5, 8],
    [1, 7, 3, 16],
    [3, 2, 2, 24],
    [2, 64],
  ]) {
    for (const withResidual of [false, true]) {
      checkParity(shape, true, withResidual, `bn mask shape [${shape}] residual ${withResidual}`);
    }
  }
});

test('batchNormTrain updates running statistics as PyTorch (momentum 0.1, unbiased variance)', () => {
  const x = makeData({ shape: [4, 3, 3, 5], range: [-2, 6] }) as Float32Array;
  const results: Record<string, number[][]> = {};
  for (const backend of ['cpu', 'onednn']) {
    tf.setBackend(backend);
    const mean = tf.variable(tf.zeros([5]), false);
    const variance = tf.variable(tf.ones([5]), false);
    tf.tidy(() => {
      batchNormTrain(tf.tensor(x, [4, 3, 3, 5]), tf.ones([5]), tf.zeros([5]), mean, variance, { momentum: 0.1 });
    });
    results[backend] = [Array.from(mean.dataSync()), Array.from(variance.dataSync())];
    mean.dispose();
    variance.dispose();
  }
  tf.setBackend('onednn');
  // Independent reference: direct formulas over the 36 values of each channel.
  for (let k = 0; k < 5; k++) {
    const vals = Array.from({ length: 36 }, (_, r) => x[r * 5 + k]);
    const mu = vals.reduce((a, b) => a + b, 0) / 36;
    const unbiased = vals.reduce((a, b) => a + (b - mu) ** 2, 0) / 35;
    for (const backend of ['cpu', 'onednn']) {
      assert.ok(Math.abs(results[backend][0][k] - 0.1 * mu) < 1e-5, `${backend} running mean ${k}`);
      assert.ok(Math.abs(results[backend][1][k] - (0.9 + 0.1 * unbiased)) < 1e-4, `${backend} running var ${k}`);
    }
  }
});

test('batchNormTrain rejects mismatched shapes with a clear message', () => {
  assert.throws(
    () => batchNormTrain(tf.zeros([2, 4]), tf.ones([3]), tf.zeros([4]), null, null),
    /gamma must have shape \[4\]/,
  );
  assert.throws(() => batchNormTrain(tf.zeros([1, 4]), tf.ones([4]), tf.zeros([4]), null, null), /more than one value/);
  assert.throws(
    () => batchNormTrain(tf.zeros([2, 4]), tf.ones([4]), tf.zeros([4]), null, null, { residual: tf.zeros([2, 3]) }),
    /residual must have the shape/,
  );
});

test('batchNormTrain does not leak tensors across training steps', () => {
  const gamma = tf.variable(tf.ones([8]));
  const beta = tf.variable(tf.zeros([8]));
  const rm = tf.variable(tf.zeros([8]), false);
  const rv = tf.variable(tf.ones([8]), false);
  const x = tf.randomNormal([4, 5, 5, 8]);
  const opt = tf.train.sgd(0.01);
  const step = () =>
    opt.minimize(() => tf.mean(tf.square(batchNormTrain(x, gamma, beta, rm, rv, { relu: true, residual: x }))), false, [
      gamma,
      beta,
    ]);
  step();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 10; i++) step();
  assert.equal(tf.memory().numTensors, before);
});

// The kernels have AVX2 + FMA loops and portable (SSE2 / scalar) ones; on a machine with AVX2 only the former run
// in-process, so this file runs again in a child process with TFJS_ONEDNN_BN_SIMD=0.
if (process.env.TFJS_ONEDNN_BN_SIMD === '0') {
  test('the portable batch-norm loops are the ones running in this process', () => {
    assert.equal(native.batchNormSimd(), false);
  });
} else {
  test('every batch-norm test also passes with the portable loops (TFJS_ONEDNN_BN_SIMD=0, child process)', () => {
    const run = spawnSync(process.execPath, [...process.execArgv, '--test', fileURLToPath(import.meta.url)], {
      // Without NODE_TEST_CONTEXT, which would make the child report to this runner instead of printing TAP.
      env: { ...process.env, TFJS_ONEDNN_BN_SIMD: '0', NODE_TEST_CONTEXT: undefined },
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, `child test run failed:\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /# pass [1-9]/);
    assert.match(run.stdout, /# fail 0/);
  });
}

alsoUnderAvx2(import.meta.url);
