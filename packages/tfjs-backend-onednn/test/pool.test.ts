import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alsoUnderAvx2 } from '../src/testing.js';
import { nativeKernelNames } from '../src/index.js';
import { assertParity, pick, randInt } from './parity.js';

type Pad = 'same' | 'valid' | number;

function randomPoolCase() {
  const k = pick([1, 2, 3, 5]);
  const stride = pick([1, 2, 3]);
  const pad: Pad = pick(['same', 'valid', 'valid', 1] as Pad[]);
  const minSize = typeof pad === 'number' ? Math.max(1, k - 2 * pad) : k;
  return {
    b: pick([1, 2, 3]),
    h: randInt(minSize, 13),
    w: randInt(minSize, 11),
    c: pick([1, 3, 16, 64]),
    k,
    stride,
    pad: typeof pad === 'number' && pad >= k ? ('same' as Pad) : pad,
  };
}

test('the pooling kernels are registered as native', () => {
  const names = nativeKernelNames();
  for (const k of ['MaxPool', 'AvgPool', 'MaxPoolGrad', 'AvgPoolGrad']) assert.ok(names.includes(k), k);
});

test('maxPool/avgPool and their gradients match the cpu backend on random shapes', () => {
  for (let i = 0; i < 40; i++) {
    const c = randomPoolCase();
    const label = `pool case ${i} ${JSON.stringify(c)}`;
    const specs = [{ shape: [c.b, c.h, c.w, c.c] }];
    const max = (x: tf.Tensor) => tf.maxPool(x as tf.Tensor4D, c.k, c.stride, c.pad);
    const avg = (x: tf.Tensor) => tf.avgPool(x as tf.Tensor4D, c.k, c.stride, c.pad);
    assertParity(`${label} max`, max, specs);
    assertParity(`${label} avg`, avg, specs);
    // Weighted sums so that every output's gradient differs.
    const gMax = tf.grad((x: tf.Tensor) => tf.sum(tf.square(max(x))));
    const gAvg = tf.grad((x: tf.Tensor) => tf.sum(tf.square(avg(x))));
    assertParity(`${label} max grad`, (x) => gMax(x), specs);
    assertParity(`${label} avg grad`, (x) => gAvg(x), specs);
    // Few distinct values: ties inside windows must route the gradient to the same element as the cpu backend.
    assertParity(`${label} max grad with ties`, (x) => gMax(tf.round(x)), [{ shape: specs[0].shape, range: [-1, 1] }]);
  }
});

test('pooling at training-step sizes, ceil rounding (cpu fallback), batch 1, empty and int32 inputs', () => {
  const x = [16, 32, 32, 16];
  assertParity('max 3x3/2 same', (t) => tf.maxPool(t as tf.Tensor4D, 3, 2, 'same'), [{ shape: x }]);
  assertParity('avg 2x2/2 valid', (t) => tf.avgPool(t as tf.Tensor4D, 2, 2, 'valid'), [{ shape: x }]);
  const g = tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, 3, 2, 'same')));
  assertParity('max grad 3x3/2 same', (t) => g(t), [{ shape: x }]);
  assertParity('ceil rounding', (t) => tf.maxPool(t as tf.Tensor4D, 3, 2, 0, 'ceil'), [{ shape: [1, 8, 8, 2] }]);
  assertParity('batch 1', (t) => tf.avgPool(t as tf.Tensor4D, 5, 1, 'same'), [{ shape: [1, 7, 9, 3] }]);
  assertParity('empty batch', (t) => tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'), [{ shape: [0, 4, 4, 3] }]);
  assertParity('int32 max', (t) => tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'), [
    { shape: [1, 4, 4, 2], dtype: 'int32', range: [-9, 9] },
  ]);
});

test('global average pooling (Mean over axes [1, 2]) and its gradient match the cpu backend', () => {
  const layer = tf.layers.globalAveragePooling2d({});
  assertParity('GAP', (x) => layer.apply(x) as tf.Tensor, [{ shape: [8, 9, 7, 64] }]);
  const g = tf.grad((x: tf.Tensor) => tf.sum(tf.square(layer.apply(x) as tf.Tensor)));
  assertParity('GAP grad', (x) => g(x), [{ shape: [8, 9, 7, 64] }]);
});

test('native pooling rejects bad buffers with an error naming the kernel', async () => {
  const { native } = await import('../src/native.js');
  const params = [1, 4, 4, 1, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0];
  assert.throws(
    () => native.pool(true, new Float32Array(15), new Float32Array(4), params),
    /onednn pool: argument 'x'/,
  );
  assert.throws(
    () => native.poolBackward(true, new Float32Array(4), null, new Float32Array(16), params),
    /onednn poolBackward/,
  );
});

alsoUnderAvx2(import.meta.url);
