import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alsoUnderAvx2 } from '../src/testing.js';
import { nativeKernelNames } from '../src/index.js';
import { assertParity, pick, randInt, random } from './parity.js';

function randomShape(maxRank = 5): number[] {
  return Array.from({ length: randInt(1, maxRank) }, () => pick([1, 2, 3, 5, 7, 16]));
}
function shuffle<T>(xs: T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = randInt(0, i);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

test('the layout kernels are registered as native', () => {
  const names = nativeKernelNames();
  for (const k of ['Tile', 'Transpose', 'PadV2', 'Slice', 'Concat']) assert.ok(names.includes(k), k);
});

test('Tile, Transpose, PadV2 on random shapes match the cpu backend', () => {
  for (let i = 0; i < 40; i++) {
    const shape = randomShape();
    const reps = shape.map(() => pick([1, 1, 2, 3]));
    assertParity(`tile ${JSON.stringify(shape)} ${JSON.stringify(reps)}`, (x) => tf.tile(x, reps), [{ shape }]);
    const perm = shuffle(shape.map((_, k) => k));
    assertParity(`transpose ${JSON.stringify(shape)} ${JSON.stringify(perm)}`, (x) => tf.transpose(x, perm), [
      { shape },
    ]);
    const pads = shape.map(() => [randInt(0, 2), randInt(0, 2)] as [number, number]);
    const value = pick([0, 1.5]);
    assertParity(`pad ${JSON.stringify(shape)} ${JSON.stringify(pads)}`, (x) => tf.pad(x, pads, value), [{ shape }]);
  }
  // Training-step sizes, above the threading threshold.
  assertParity('tile BN stats', (x) => tf.tile(x, [32, 16, 16, 1]), [{ shape: [1, 1, 1, 64] }]);
  assertParity('tile rows', (x) => tf.tile(x, [3, 40]), [{ shape: [700, 5] }]);
  assertParity('transpose NHWC->NCHW', (x) => tf.transpose(x, [0, 3, 1, 2]), [{ shape: [8, 17, 17, 32] }]);
  assertParity('transpose 2d', (x) => tf.transpose(x), [{ shape: [300, 257] }]);
  assertParity(
    'pad NHWC',
    (x) =>
      tf.pad(x, [
        [0, 0],
        [1, 1],
        [2, 1],
        [0, 0],
      ]),
    [{ shape: [8, 31, 31, 16] }],
  );
  assertParity(
    'pad channels (ResNet option A shortcut)',
    (x) =>
      tf.pad(x, [
        [0, 0],
        [0, 0],
        [0, 0],
        [8, 8],
      ]),
    [{ shape: [4, 8, 8, 16] }],
  );
});

test('Slice (strided copies natively, contiguous ones stay views) and Concat match the cpu backend', () => {
  for (let i = 0; i < 40; i++) {
    const shape = randomShape();
    const begin = shape.map((d) => randInt(0, d - 1));
    const size = shape.map((d, k) => (random() < 0.2 ? -1 : randInt(0, d - begin[k])));
    assertParity(
      `slice ${JSON.stringify(shape)} ${JSON.stringify(begin)} ${JSON.stringify(size)}`,
      (x) => tf.slice(x, begin, size),
      [{ shape }],
    );
    const axis = randInt(0, shape.length - 1);
    const n = randInt(1, 4);
    const specs = Array.from({ length: n }, () => ({ shape: shape.map((d, k) => (k === axis ? randInt(0, 4) : d)) }));
    assertParity(`concat axis ${axis} ${JSON.stringify(specs)}`, (...xs) => tf.concat(xs, axis), specs);
  }
  assertParity('slice crop NHWC', (x) => tf.slice(x, [0, 2, 3, 0], [8, 28, 28, 3]), [{ shape: [8, 32, 32, 3] }]);
  assertParity('concat channels', (a, b) => tf.concat([a, b], 3), [
    { shape: [8, 16, 16, 16] },
    { shape: [8, 16, 16, 8] },
  ]);
  assertParity(
    'int32 layout ops',
    (x) =>
      tf.concat(
        [
          tf.tile(x, [2, 1]),
          tf.transpose(x),
          tf.pad(x, [
            [1, 0],
            [0, 1],
          ]),
        ].map((t) => t.reshape([-1])),
        0,
      ),
    [{ shape: [3, 3], dtype: 'int32', range: [-9, 9] }],
  );
  assertParity(
    'empty tile/transpose/pad',
    (x) =>
      tf.concat([
        tf.tile(x, [2, 1]).reshape([-1]),
        tf.transpose(x).reshape([-1]),
        tf
          .pad(x, [
            [1, 1],
            [0, 0],
          ])
          .reshape([-1]),
      ]),
    [{ shape: [0, 3] }],
  );
  assertParity('scalar tile/transpose', (x) => tf.stack([tf.tile(x.reshape([1]), [3]).sum(), tf.transpose(x)]), [
    { shape: [] },
  ]);
});

test('a contiguous slice is a view: disposing the source keeps it valid, and data() arrays are not recycled', () => {
  const x = tf.range(0, 24, 1, 'float32').reshape([4, 6]);
  const y = tf.mul(x, 2);
  const s = tf.slice(y, [1, 0], [2, 6]);
  y.dispose();
  for (let i = 0; i < 5; i++) tf.tidy(() => tf.mul(x, 3).add(1)); // would reuse a recycled buffer
  assert.deepEqual(Array.from(s.dataSync()), [12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34]);
  const held = tf.add(x, 0).dataSync();
  const copy = Array.from(held);
  for (let i = 0; i < 5; i++) tf.tidy(() => tf.mul(x, 5));
  assert.deepEqual(Array.from(held), copy);
});

test('gradients of tile, transpose, pad, slice and concat match the cpu backend', () => {
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
    const t = tf.tile(a, [1, 2, 1]);
    const p = tf.pad(tf.transpose(b, [0, 2, 1]), [
      [0, 0],
      [1, 0],
      [0, 1],
    ]);
    const c = tf.concat([t, p], 2);
    return tf.sum(tf.square(tf.slice(c, [0, 1, 1], [2, 3, 4])));
  });
  assertParity('layout grads', (a, b) => g([a, b]), [{ shape: [2, 2, 3] }, { shape: [2, 4, 3] }]);
});

test('native layout functions reject bad arguments with errors naming the kernel', async () => {
  const { native } = await import('../src/native.js');
  assert.throws(
    () => native.transpose(new Float32Array(6), [2, 3], [0, 0], new Float32Array(6)),
    /onednn transpose: perm/,
  );
  assert.throws(() => native.slice(new Float32Array(6), [2, 3], [1, 2], [1, 2], new Float32Array(2)), /onednn slice/);
  assert.throws(
    () => native.tile(new Float32Array(6), [2, 3], [2, 1], new Float32Array(6)),
    /onednn tile: argument 'y'/,
  );
});

test('GatherV2 (slice copies) matches the cpu backend on every axis, with batchDims, and checks its indices', () => {
  const cases: Array<{ shape: number[]; idx: number[]; idxShape: number[]; axis: number; batchDims: number }> = [
    { shape: [7, 3, 2], idx: [6, 0, 3, 3, 1], idxShape: [5], axis: 0, batchDims: 0 },
    { shape: [4, 5, 3], idx: [4, 1, 0, 2], idxShape: [2, 2], axis: 1, batchDims: 0 },
    { shape: [3, 4, 6], idx: [5, 0], idxShape: [2], axis: 2, batchDims: 0 },
    { shape: [2, 5, 3], idx: [1, 4, 0, 2], idxShape: [2, 2], axis: 1, batchDims: 1 },
    { shape: [9], idx: [8, 8, 0], idxShape: [3], axis: 0, batchDims: 0 },
  ];
  for (const c of cases) {
    assertParity(
      `gather ${JSON.stringify(c)}`,
      (x) => tf.gather(x, tf.tensor(c.idx, c.idxShape, 'int32'), c.axis, c.batchDims),
      [{ shape: c.shape }],
    );
  }
  assert.throws(() => tf.gather(tf.ones([3, 2]), tf.tensor1d([3], 'int32')), /index value 3 is not in \[0, 2\]/);
});

alsoUnderAvx2(import.meta.url);
