// The wasm backend's missing Conv2DBackpropFilter (src/browser/wasm_conv_grad.ts) against the cpu backend's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmConv2DBackpropFilter } from '../../src/browser/wasm_conv_grad.js';

type Pad = 'same' | 'valid' | number;

function filterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: number[], strides: number, pad: Pad): Float32Array {
  const attrs = { strides, pad, dataFormat: 'NHWC', filterShape };
  return (
    tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as never) as tf.Tensor
  ).dataSync() as Float32Array;
}

test('wasm Conv2DBackpropFilter equals the cpu kernel (strides 1 and 2, same/valid/numeric padding, 1x1)', async () => {
  assert.equal(registerWasmConv2DBackpropFilter(), true);
  assert.equal(registerWasmConv2DBackpropFilter(), false, 'registers once');
  const cases: Array<[Pad, number, number, number]> = [
    ['same', 1, 9, 3],
    ['same', 2, 9, 3],
    ['same', 2, 8, 3],
    ['valid', 2, 10, 3],
    ['valid', 1, 7, 5],
    [1, 1, 7, 3],
    [2, 2, 7, 3],
    ['same', 1, 6, 1],
    ['valid', 2, 7, 1],
  ];
  for (const [pad, stride, size, k] of cases) {
    const filterShape: [number, number, number, number] = [k, k, 4, 5];
    await tf.setBackend('cpu');
    const x = tf.randomNormal([3, size, size + 1, 4], 0, 1, 'float32', 1) as tf.Tensor4D;
    const yShape = tf.conv2d(x, tf.zeros(filterShape) as tf.Tensor4D, stride, pad).shape;
    const dy = tf.randomNormal(yShape, 0, 1, 'float32', 2) as tf.Tensor4D;
    const expected = filterGrad(x, dy, filterShape, stride, pad);
    const [xs, dys] = [x.dataSync(), dy.dataSync()];
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const got = filterGrad(tf.tensor4d(xs, x.shape), tf.tensor4d(dys, dy.shape), filterShape, stride, pad);
    assert.equal(tf.memory().numTensors, before + 3, 'only x, dy and the result remain (temporaries disposed)');
    assert.equal(got.length, expected.length);
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - expected[i]));
    assert.ok(worst < 1e-4, `pad ${pad}, stride ${stride}, ${size}x${size + 1}, ${k}x${k}: max |diff| ${worst}`);
  }
});

test('a CNN computes every gradient on wasm with the kernel registered', async () => {
  await tf.setBackend('wasm');
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 3, kernelSize: 3, strides: 2, padding: 'same' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2 }),
    ],
  });
  const x = tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 3);
  const { grads } = tf.variableGrads(() => tf.mean(model.apply(x) as tf.Tensor) as tf.Scalar);
  assert.equal(Object.keys(grads).length, 4);
  const kernelGrad = Object.entries(grads).find(([name]) => name.includes('conv2d') && name.includes('kernel'))![1];
  assert.deepEqual(kernelGrad.shape, [3, 3, 1, 3]);
  assert.ok(tf.sum(tf.abs(kernelGrad)).dataSync()[0] > 0);
  tf.dispose([x, ...Object.values(grads)]);
  model.dispose();
});
