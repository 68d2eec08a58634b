import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alsoUnderAvx2 } from '../src/testing.js';
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

test('Sum/Mean gradients (registered without a ones tensor) equal dy broadcast (/ n) exactly, on both backends', () => {
  for (let i = 0; i < 30; i++) {
    const shape = randomShape();
    const axes = randomAxes(shape.length) ?? shape.map((_, k) => k);
    const keepDims = random() < 0.5;
    const norm = axes.map((a) => (a < 0 ? a + shape.length : a));
    const n = norm.reduce((acc, a) => acc * shape[a], 1);
    for (const backend of ['cpu', 'onednn']) {
      tf.setBackend(backend);
      tf.tidy(() => {
        const x = tf.randomNormal(shape);
        const outShape = shape.map((d, k) => (norm.includes(k) ? 1 : d));
        const dyValues = Float32Array.from({ length: outShape.reduce((a, b) => a * b, 1) }, () => random() - 0.5);
        const dy = tf.tensor(dyValues, keepDims ? outShape : outShape.filter((_, k) => !norm.includes(k)));
        const gSum = tf
          .grad((t: tf.Tensor) => tf.sum(t, axes, keepDims))(x, dy)
          .dataSync();
        const gMean = tf
          .grad((t: tf.Tensor) => tf.mean(t, axes, keepDims))(x, dy)
          .dataSync();
        // Expected: element i of x takes dy at its index with the reduced coordinates set to 0.
        const strides = shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
        const outStrides = outShape.map((_, k) => outShape.slice(k + 1).reduce((a, b) => a * b, 1));
        for (let e = 0; e < gSum.length; e++) {
          let j = 0;
          for (let k = 0; k < shape.length; k++) {
            const coord = Math.floor(e / strides[k]) % shape[k];
            if (!norm.includes(k)) j += coord * outStrides[k];
          }
          const label = `${backend} ${JSON.stringify(shape)} axes ${JSON.stringify(axes)} element ${e}`;
          assert.equal(gSum[e], dyValues[j], `sum grad ${label}`);
          assert.equal(gMean[e], Math.fround(dyValues[j] / n), `mean grad ${label}`);
        }
      });
    }
  }
  tf.setBackend('onednn');
  const gi = tf.grad((t: tf.Tensor) => tf.sum(t))(tf.tensor([1, 2, 3], [3], 'int32'));
  assert.equal(gi.dtype, 'float32');
  assert.deepEqual(Array.from(gi.dataSync()), [1, 1, 1]);
});

alsoUnderAvx2(import.meta.url);
