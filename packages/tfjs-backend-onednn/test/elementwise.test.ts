import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alsoUnderAvx2 } from '../src/testing.js';
import { nativeKernelNames } from '../src/index.js';
import { assertParity, pick, randInt, random } from './parity.js';

type Binary = (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
const binaries: Record<string, Binary> = {
  add: tf.add,
  sub: tf.sub,
  mul: tf.mul,
  div: tf.div,
  maximum: tf.maximum,
  minimum: tf.minimum,
  squaredDifference: tf.squaredDifference,
};

/** A random output shape (rank 0–5, odd sizes) and two operand shapes that broadcast to it in random ways. */
function broadcastCase(): [number[], number[]] {
  const rank = randInt(0, 5);
  const out = Array.from({ length: rank }, () => pick([1, 2, 3, 5, 7, 16, 33]));
  const operand = () => {
    const drop = randInt(0, rank);
    return out.slice(drop).map((d) => (random() < 0.35 ? 1 : d));
  };
  const a = operand();
  const b = operand();
  // At least one operand carries each dimension in full so the output shape is `out`.
  return random() < 0.5 ? [out, b] : [a, out];
}

test('the elementwise kernels are registered as native', () => {
  const names = nativeKernelNames();
  for (const k of ['Add', 'Sub', 'Multiply', 'RealDiv', 'Maximum', 'Minimum', 'SquaredDifference', 'Relu', 'Step']) {
    assert.ok(names.includes(k), k);
  }
});

test('binary ops broadcast every way like the cpu backend', () => {
  for (let i = 0; i < 80; i++) {
    const [sa, sb] = broadcastCase();
    const name = pick(Object.keys(binaries));
    assertParity(`${name} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`, binaries[name], [
      { shape: sa },
      { shape: sb, range: name === 'div' ? [0.5, 2] : [-1, 1] },
    ]);
  }
});

test('binary ops: same shape above the threshold, [N,H,W,C] ⊙ [C], scalars, views, empty and int32', () => {
  const big = [4, 17, 17, 32]; // 36,992 elements: above the threading threshold
  for (const name of Object.keys(binaries)) {
    const f = binaries[name];
    assertParity(`${name} large same shape`, f, [{ shape: big }, { shape: big, range: [0.5, 2] }]);
    assertParity(`${name} NHWC ⊙ C`, f, [{ shape: big }, { shape: [32], range: [0.5, 2] }]);
    assertParity(`${name} C ⊙ NHWC`, f, [
      { shape: [32], range: [0.5, 2] },
      { shape: big, range: [0.5, 2] },
    ]);
    assertParity(`${name} scalar ⊙ tensor`, f, [{ shape: [] }, { shape: big, range: [0.5, 2] }]);
    assertParity(`${name} tensor ⊙ scalar`, f, [{ shape: big }, { shape: [], range: [0.5, 2] }]);
    assertParity(`${name} N11C ⊙ NHW1`, f, [{ shape: [3, 1, 1, 5] }, { shape: [3, 4, 6, 1], range: [0.5, 2] }]);
    assertParity(`${name} scalars`, f, [{ shape: [] }, { shape: [], range: [0.5, 2] }]);
    assertParity(`${name} empty`, f, [{ shape: [0, 3] }, { shape: [3] }]);
    assertParity(`${name} int32`, f, [
      { shape: [4, 5], dtype: 'int32', range: [-9, 9] },
      { shape: [5], dtype: 'int32', range: [1, 9] },
    ]);
    // A slice of a larger tensor may share its buffer (a view at an offset).
    assertParity(`${name} on slices`, (a, b) => f(tf.slice(a, [1, 0], [3, 7]), tf.slice(b, [2], [7])), [
      { shape: [5, 7] },
      { shape: [11], range: [0.5, 2] },
    ]);
  }
});

test('NaN propagates through maximum/minimum as in the cpu backend', () => {
  const a = tf.tensor([NaN, 1, 2, NaN]);
  const b = tf.tensor([0, NaN, 3, NaN]);
  assert.deepEqual(Array.from(tf.maximum(a, b).dataSync()), [NaN, NaN, 3, NaN]);
  assert.deepEqual(Array.from(tf.minimum(a, b).dataSync()), [NaN, NaN, 2, NaN]);
});

type Unary = (x: tf.Tensor) => tf.Tensor;
const unaries: Record<string, [Unary, [number, number]]> = {
  relu: [tf.relu, [-1, 1]],
  relu6: [tf.relu6, [-2, 8]],
  exp: [tf.exp, [-3, 3]],
  log: [tf.log, [0.01, 5]],
  neg: [tf.neg, [-1, 1]],
  square: [tf.square, [-2, 2]],
  sqrt: [tf.sqrt, [0, 4]],
  rsqrt: [tf.rsqrt, [0.1, 4]],
  abs: [tf.abs, [-1, 1]],
  sigmoid: [tf.sigmoid, [-6, 6]],
  tanh: [tf.tanh, [-3, 3]],
  reciprocal: [tf.reciprocal, [0.2, 3]],
  step: [(x) => tf.step(x, 0.25), [-1, 1]],
  floor: [tf.floor, [-3, 3]],
  ceil: [tf.ceil, [-3, 3]],
  round: [(x) => tf.round(tf.mul(x, 2)), [-3, 3]], // many exact halves: round half to even
  sign: [tf.sign, [-1, 1]],
  elu: [tf.elu, [-3, 3]],
  leakyRelu: [(x) => tf.leakyRelu(x, 0.1), [-1, 1]],
};

test('unary ops match the cpu backend (small, large, scalar, empty, int32)', () => {
  for (const [name, [f, range]] of Object.entries(unaries)) {
    for (const shape of [[], [1], [7, 3], [4, 17, 17, 33], [0, 4]]) {
      assertParity(`${name} ${JSON.stringify(shape)}`, f, [{ shape, range }]);
    }
    if (['relu', 'neg', 'square', 'abs', 'sign'].includes(name)) {
      assertParity(`${name} int32`, f, [{ shape: [3, 5], dtype: 'int32', range: [-9, 9] }]);
    }
  }
  // NaN and edge values
  const x = tf.tensor([NaN, -0, 0, -1, 1, Infinity, -Infinity]);
  for (const [name, [f]] of Object.entries(unaries)) {
    tf.setBackend('cpu');
    const e = Array.from(f(x).dataSync());
    tf.setBackend('onednn');
    const a = Array.from(f(x).dataSync());
    assert.deepEqual(a, e, `${name} on special values`);
  }
});

test('gradients of relu (Step ⊙ dy), of broadcast binary ops and of addN match the cpu backend', () => {
  for (let i = 0; i < 30; i++) {
    const [sa, sb] = broadcastCase();
    // (not squaredDifference/maximum/minimum: tfjs's gradients of those do not reduce broadcast dimensions)
    const name = pick(['add', 'sub', 'mul', 'div']);
    const f = binaries[name];
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.relu(f(a, b))));
    assertParity(`grad relu(${name}) ${JSON.stringify(sa)} ${JSON.stringify(sb)}`, (a, b) => g([a, b]), [
      { shape: sa },
      { shape: sb, range: [0.5, 2] },
    ]);
  }
  const shape = [2, 9, 9, 16];
  for (const name of ['maximum', 'minimum', 'squaredDifference']) {
    const g2 = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(binaries[name](a, b))));
    assertParity(`grad ${name}`, (a, b) => g2([a, b]), [{ shape }, { shape }]);
  }
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.addN([a, b, a]), tf.relu(a))));
  assertParity('grad through addN', (a, b) => g([a, b]), [{ shape }, { shape }]);
  assertParity('addN', (a, b, c) => tf.addN([a, b, c]), [{ shape }, { shape }, { shape }]);
  assertParity('addN int32', (a, b) => tf.addN([a, b]), [
    { shape: [3], dtype: 'int32' },
    { shape: [3], dtype: 'int32' },
  ]);
});

test('native binary rejects mismatched buffers with an error naming the kernel', async () => {
  const { native } = await import('../src/native.js');
  assert.throws(
    () => native.binary(0, new Float32Array(3), [3], new Float32Array(2), [2], new Float32Array(3), [3]),
    /onednn binary/,
  );
  assert.throws(
    () => native.binary(0, new Float32Array(3), [3], new Float32Array(4), [3], new Float32Array(3), [3]),
    /onednn binary: argument 'b' has 4 elements, expected 3/,
  );
});

test('Cast to float32 materialises a Float32Array (so following kernels stay native); other casts as on cpu', () => {
  assertParity('int32 -> float32 -> mul', (x) => tf.mul(tf.cast(x, 'float32'), 0.5), [
    { shape: [3, 7], dtype: 'int32', range: [-9, 9] },
  ]);
  assertParity('bool -> float32', (x) => tf.cast(tf.greater(x, 0), 'float32'), [{ shape: [5, 4] }]);
  assertParity('float32 -> int32', (x) => tf.cast(x, 'int32'), [{ shape: [5, 4], range: [-5, 5] }]);
  assertParity('float32 -> bool', (x) => tf.cast(tf.round(x), 'bool'), [{ shape: [6] }]);
  const backend = tf.backend() as unknown as { data: { get(id: object): { values: unknown } } };
  const y = tf.cast(tf.tensor([1, 2, 3], [3], 'int32'), 'float32');
  assert.ok(backend.data.get(y.dataId).values instanceof Float32Array);
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3]);
});

test('FusedBatchNorm (tf.batchNorm) matches the cpu backend: per-channel, scalar and missing parameters, gradients', () => {
  for (const shape of [[2, 5, 7, 3], [4, 17, 17, 32], [6, 10], [5]]) {
    const C = shape[shape.length - 1];
    const p = { shape: [C] };
    const pos = { shape: [C], range: [0.1, 2] as [number, number] };
    assertParity(`batchNorm ${JSON.stringify(shape)}`, (x, m, v, o, s) => tf.batchNorm(x, m, v, o, s, 1e-3), [
      { shape },
      p,
      pos,
      p,
      p,
    ]);
    assertParity(`batchNorm no offset/scale ${JSON.stringify(shape)}`, (x, m, v) => tf.batchNorm(x, m, v), [
      { shape },
      p,
      pos,
    ]);
    assertParity(
      `batchNorm scalar params ${JSON.stringify(shape)}`,
      (x, m, v, s) => tf.batchNorm(x, m, v, undefined, s),
      [{ shape }, { shape: [1] }, { shape: [1], range: [0.1, 2] }, { shape: [1] }],
    );
    const g = tf.grads((x: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) =>
      tf.sum(tf.square(tf.batchNorm(x, m, v, o, s, 1e-3))),
    );
    assertParity(`batchNorm grads ${JSON.stringify(shape)}`, (...xs) => g(xs), [{ shape }, p, pos, p, p], 1e-3);
  }
  // Parameters that are neither per-channel nor scalar use the cpu kernel's cycling semantics.
  assertParity('batchNorm [H, W, C] parameters', (x, m, v) => tf.batchNorm(x, m, v), [
    { shape: [2, 3, 4, 5] },
    { shape: [3, 4, 5] },
    { shape: [3, 4, 5], range: [0.1, 2] },
  ]);
});

test('a tfjs-layers BatchNormalization layer trains the same on onednn as on cpu', async () => {
  const run = async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ filters: 4, kernelSize: 3, inputShape: [6, 6, 2], kernelInitializer: 'ones' }),
        tf.layers.batchNormalization(),
        tf.layers.reLU(),
        tf.layers.globalAveragePooling2d({}),
        tf.layers.dense({ units: 3, kernelInitializer: 'ones' }),
      ],
    });
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const x = tf.sin(tf.range(0, 4 * 6 * 6 * 2).reshape([4, 6, 6, 2]));
    const y = tf.cos(tf.range(0, 12).reshape([4, 3]));
    for (let s = 0; s < 3; s++) await model.trainOnBatch(x, y);
    const out = model.getWeights().map((w) => Array.from(w.dataSync()));
    out.push(Array.from((model.predict(x) as tf.Tensor).dataSync()));
    return out;
  };
  tf.setBackend('cpu');
  const expected = await run();
  tf.setBackend('onednn');
  const actual = await run();
  for (let k = 0; k < expected.length; k++) {
    for (let i = 0; i < expected[k].length; i++) {
      const tol = 1e-4 + 1e-3 * Math.abs(expected[k][i]);
      assert.ok(
        Math.abs(actual[k][i] - expected[k][i]) <= tol,
        `tensor ${k}[${i}]: ${actual[k][i]} vs ${expected[k][i]}`,
      );
    }
  }
});

test('native kernels leak no tensors and reuse pooled output buffers', () => {
  tf.setBackend('onednn');
  const backend = tf.backend() as unknown as { pool: { hits: number; misses: number } };
  const x = tf.randomNormal([4, 9, 9, 16]);
  const c = tf.randomNormal([16]);
  const step = () =>
    tf.tidy(() => {
      const y = tf.relu(tf.add(tf.mul(x, c), tf.sub(x, 1)));
      return tf.sum(
        tf.mean(
          tf.transpose(
            tf.pad(y, [
              [0, 0],
              [1, 1],
              [1, 1],
              [0, 0],
            ]),
            [0, 3, 1, 2],
          ),
          [2, 3],
        ),
      );
    });
  step().dispose();
  const tensors = tf.memory().numTensors;
  const misses = backend.pool.misses;
  for (let i = 0; i < 20; i++) step().dispose();
  assert.equal(tf.memory().numTensors, tensors);
  assert.equal(backend.pool.misses, misses, 'every output after warm-up comes from the pool');
});

test('the ReLU gradient runs as one native kernel with the values of tfjs-core Multiply(dy, Step(x))', () => {
  const x = tf.tensor([NaN, -0, 0, -1, 1, Infinity, -Infinity, 2, -3]);
  const dy = tf.tensor([1, -2, 3, -4, 5, -6, Infinity, NaN, -1]);
  const expected = Array.from(tf.mul(dy, tf.cast(tf.step(x), 'float32')).dataSync());
  const viaGrad = (t: tf.Tensor, d: tf.Tensor) =>
    Array.from(
      tf
        .grad((u: tf.Tensor) => tf.relu(u))(t, d)
        .dataSync(),
    );
  assert.deepEqual(viaGrad(x, dy), expected);
  tf.setBackend('cpu');
  assert.deepEqual(viaGrad(x, dy), expected, 'cpu uses the composite and agrees');
  tf.setBackend('onednn');
  const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), t)));
  for (const shape of [[7], [4, 17, 17, 32], [1, 3, 3, 1]])
    assertParity(`relu grad ${JSON.stringify(shape)}`, (t) => g(t), [{ shape }]);
  assertParity('relu grad int32 input', (t) => tf.grad((u: tf.Tensor) => tf.sum(tf.relu(u)))(tf.cast(t, 'float32')), [
    { shape: [5], dtype: 'int32', range: [-3, 3] },
  ]);
});

alsoUnderAvx2(import.meta.url);
