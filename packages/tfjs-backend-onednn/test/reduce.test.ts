import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nativeKernelNames } from '../src/index.js';
import { assertParity, pick, randInt, random } from './parity.js';

type Reducer = (x: tf.Tensor, axis: number[] | undefined, keepDims: boolean) => tf.Tensor;
const reducers: Record<string, Reducer> = {
  sum: (x, a, k) => tf.sum(x, a, k),
  mean: (x, a, k) => tf.mean(x, a, k),
  max: (x, a, k) => tf.max(x, a, k),
  min: (x, a, k) => tf.min(x, a, k),
};

function randomShape(): number[] {
  return Array.from({ length: randInt(1, 5) }, () => pick([1, 2, 3, 5, 7, 16, 31]));
}
function randomAxes(rank: number): number[] | undefined {
  if (random() < 0.1) return undefined; // all axes
  const axes = Array.from({ length: rank }, (_, i) => i).filter(() => random() < 0.5);
  return axes.map((a) => (random() < 0.2 ? a - rank : a)); // negative axes too
}

test('the reduction kernels are registered as native', () => {
  const names = nativeKernelNames();
  for (const k of ['Sum', 'Mean', 'Max', 'Min', 'ArgMax', 'ArgMin', 'Softmax']) assert.ok(names.includes(k), k);
});

test('Sum, Mean, Max, Min over random axes (keepDims or not) match the cpu backend', () => {
  for (let i = 0; i < 150; i++) {
    const shape = randomShape();
    const axes = randomAxes(shape.length);
    const keepDims = random() < 0.5;
    const name = pick(Object.keys(reducers));
    assertParity(
      `${name} ${JSON.stringify(shape)} axes ${JSON.stringify(axes)} keepDims ${keepDims}`,
      (x) => reducers[name](x, axes, keepDims),
      [{ shape }],
    );
  }
});

test('training-step reductions above the threading threshold: BN moments, global average pool, bias gradient', () => {
  const x = [16, 17, 15, 64];
  for (const name of Object.keys(reducers)) {
    const f = reducers[name];
    assertParity(`${name} over [0,1,2]`, (t) => f(t, [0, 1, 2], true), [{ shape: x }]);
    assertParity(`${name} over [1,2]`, (t) => f(t, [1, 2], false), [{ shape: x }]);
    assertParity(`${name} over [0]`, (t) => f(t, [0], false), [{ shape: [4096, 10] }]);
    assertParity(`${name} over [1]`, (t) => f(t, [1], false), [{ shape: [3, 40000] }]);
    assertParity(`${name} over [1]`, (t) => f(t, [1], false), [{ shape: [40000, 3] }]);
    assertParity(`${name} over all`, (t) => f(t, undefined, false), [{ shape: [70001] }]);
    assertParity(`${name} over [0, 2]`, (t) => f(t, [0, 2], false), [{ shape: [8, 9, 700] }]);
    assertParity(`${name} scalar`, (t) => f(t, undefined, false), [{ shape: [] }]);
    assertParity(`${name} empty`, (t) => f(t, [1], false), [{ shape: [0, 3] }]);
    assertParity(`${name} int32`, (t) => f(t, [0], false), [{ shape: [4, 3], dtype: 'int32', range: [-9, 9] }]);
    assertParity(`${name} repeated axis`, (t) => f(t, [1, -1], false), [{ shape: [2, 3] }]);
    assertParity(`${name} of a slice`, (t) => f(tf.slice(t, [1, 0], [2, 5]), [1], false), [{ shape: [4, 5] }]);
  }
});

test('max/min propagate NaN like the cpu backend', () => {
  const x = tf.tensor([
    [1, NaN, 3],
    [4, 5, 6],
  ]);
  assert.deepEqual(Array.from(tf.max(x, 1).dataSync()), [NaN, 6]);
  assert.deepEqual(Array.from(tf.min(x, 0).dataSync()), [1, NaN, 3]);
});

test('ArgMax/ArgMin (first index on ties) and Softmax match the cpu backend', () => {
  for (let i = 0; i < 40; i++) {
    const shape = randomShape();
    const axis = randInt(0, shape.length - 1);
    // Few distinct values so that ties occur.
    assertParity(`argMax ${JSON.stringify(shape)} axis ${axis}`, (x) => tf.argMax(tf.round(x), axis), [
      { shape, range: [-2, 2] },
    ]);
    assertParity(`argMin ${JSON.stringify(shape)} axis ${axis}`, (x) => tf.argMin(x, axis), [{ shape }]);
    assertParity(`softmax ${JSON.stringify(shape)}`, (x) => tf.softmax(x), [{ shape, range: [-10, 10] }]);
  }
  assertParity('softmax large', (x) => tf.softmax(x), [{ shape: [512, 100], range: [-30, 30] }]);
  assertParity('argMax int32', (x) => tf.argMax(x, 1), [{ shape: [3, 4], dtype: 'int32' }]);
  assertParity('softmax of scalar-like', (x) => tf.softmax(x), [{ shape: [1] }]);
});

test('gradients through mean, sum, max and softmax cross-entropy match the cpu backend', () => {
  const g = tf.grads((x: tf.Tensor, w: tf.Tensor) =>
    tf.add(
      tf.mean(tf.mul(x, w), [0, 1, 2]).sum(),
      tf.losses.softmaxCrossEntropy(tf.oneHot([1, 0, 3], 5), tf.sum(x, [1, 2]).slice([0, 0], [3, 5])),
    ),
  );
  assertParity('grads', (x, w) => g([x, w]), [{ shape: [3, 5, 7, 6] }, { shape: [6] }]);
  const gm = tf.grad((x: tf.Tensor) => tf.sum(tf.max(x, [1])));
  assertParity('grad of max', (x) => gm(x), [{ shape: [7, 9] }]);
});

test('native reduce rejects a bad axis with an error naming the kernel', async () => {
  const { native } = await import('../src/native.js');
  assert.throws(() => native.reduce(0, new Float32Array(6), [2, 3], [2], new Float32Array(2)), /onednn reduce: axis/);
});
