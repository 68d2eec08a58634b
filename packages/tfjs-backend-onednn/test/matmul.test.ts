import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alsoUnderAvx2 } from '../src/testing.js';
import { nativeKernelNames } from '../src/index.js';
import { assertParity, pick, randInt } from './parity.js';

function operandShape(batch: number[], rows: number, cols: number, transpose: boolean): number[] {
  return [...batch, ...(transpose ? [cols, rows] : [rows, cols])];
}

test('BatchMatMul and _FusedMatMul are registered as native', () => {
  const names = nativeKernelNames();
  assert.ok(names.includes('BatchMatMul') && names.includes('_FusedMatMul'));
});

test('matMul with transposes and batch broadcasting matches the cpu backend', () => {
  for (let i = 0; i < 60; i++) {
    const [M, K, N] = [pick([1, 3, 7, 32]), pick([1, 5, 16, 33]), pick([1, 2, 10, 64])];
    const ta = pick([false, true]);
    const tb = pick([false, true]);
    const batch = pick([[], [1], [3], [2, 3]]);
    const batchA = pick([batch, batch, batch.map(() => 1)]);
    const batchB = pick([batch, batch, batch.map(() => 1)]);
    const specs = [{ shape: operandShape(batchA, M, K, ta) }, { shape: operandShape(batchB, K, N, tb) }];
    assertParity(`matMul ${JSON.stringify(specs)} ${ta} ${tb}`, (a, b) => tf.matMul(a, b, ta, tb), specs);
  }
  // Broadcast patterns the native kernel leaves to the cpu kernel, and int32 / empty inputs.
  assertParity('mixed broadcast', (a, b) => tf.matMul(a, b), [{ shape: [2, 1, 3, 4] }, { shape: [1, 3, 4, 5] }]);
  assertParity('int32', (a, b) => tf.matMul(a, b), [
    { shape: [3, 4], dtype: 'int32', range: [-5, 5] },
    { shape: [4, 2], dtype: 'int32', range: [-5, 5] },
  ]);
  assertParity('empty', (a, b) => tf.matMul(a, b), [{ shape: [0, 4] }, { shape: [4, 2] }]);
  assertParity('large', (a, b) => tf.matMul(a, b, false, true), [{ shape: [128, 256] }, { shape: [100, 256] }]);
});

test('fused matMul (bias + relu/linear, other activations fall back) and its gradients match the cpu backend', () => {
  for (let i = 0; i < 30; i++) {
    const [M, K, N] = [randInt(1, 40), randInt(1, 40), randInt(1, 20)];
    const ta = pick([false, true]);
    const tb = pick([false, true]);
    const activation = pick(['linear', 'relu', 'elu'] as const);
    const biasShape = pick([[N], [1, N], [M, N]]);
    const specs = [{ shape: operandShape([], M, K, ta) }, { shape: operandShape([], K, N, tb) }, { shape: biasShape }];
    const f = (a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor) =>
      tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias, transposeA: ta, transposeB: tb, activation });
    const label = `fused ${activation} ${JSON.stringify(specs)} ${ta} ${tb}`;
    assertParity(label, f, specs);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor) => tf.sum(tf.square(f(a, b, bias))));
    assertParity(`${label} gradients`, (a, b, bias) => g([a, b, bias]), specs, 1e-3);
  }
});

test('a Dense layer trains the same on onednn as on cpu', () => {
  const run = () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 7, inputShape: [5], activation: 'relu', kernelInitializer: 'ones' }),
        tf.layers.dense({ units: 3, kernelInitializer: 'ones', activation: 'softmax' }),
      ],
    });
    const x = tf.linspace(-1, 1, 40).reshape([8, 5]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3);
    const opt = tf.train.sgd(0.1);
    for (let s = 0; s < 3; s++)
      opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar);
    return model.getWeights().map((w) => Array.from(w.dataSync()));
  };
  tf.setBackend('cpu');
  const expected = run();
  tf.setBackend('onednn');
  const actual = run();
  for (let k = 0; k < expected.length; k++) {
    for (let i = 0; i < expected[k].length; i++) {
      assert.ok(Math.abs(actual[k][i] - expected[k][i]) <= 1e-5 + 1e-4 * Math.abs(expected[k][i]), `weight ${k}[${i}]`);
    }
  }
});

test('native matmul rejects wrong buffer sizes with an error naming the kernel', async () => {
  const { native } = await import('../src/native.js');
  assert.throws(
    () =>
      native.matmul(new Float32Array(5), new Float32Array(6), null, new Float32Array(4), [1, 1, 2, 3, 2, 0, 0], false),
    /onednn matmul: argument 'a' has 5 elements, expected 6/,
  );
});

alsoUnderAvx2(import.meta.url);
