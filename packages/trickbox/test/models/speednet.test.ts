import * as tf from '@tensorflow/tfjs';
import 'tfjs-backend-onednn';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createModel, fastInference, foldForInference, speednet, toStandardLayers } from '../../src/models/index.js';

before(async () => {
  await tf.setBackend('onednn');
});

const weight = (model: tf.LayersModel, name: string): tf.Tensor =>
  model.weights.find((w) => w.originalName === name)!.read();

test('speednet: stem of 2·k²·C filters, one block per width, global max pool, logits [B, classes]', () => {
  for (const [inputShape, stem] of [
    [[28, 28, 1], 8],
    [[32, 32, 3], 24],
  ] as const) {
    const model = createModel({
      name: 'speednet',
      inputShape: [...inputShape],
      numClasses: 10,
      widths: [8, 16, 16],
      seed: 1,
    });
    assert.deepEqual(weight(model, 'whiten/kernel').shape, [2, 2, inputShape[2], stem]);
    assert.deepEqual(weight(model, 'block1_conv1/kernel').shape, [3, 3, stem, 8]);
    assert.deepEqual(weight(model, 'block3_conv2/kernel').shape, [3, 3, 16, 16]);
    const y = model.predict(tf.zeros([2, ...inputShape])) as tf.Tensor;
    assert.deepEqual(y.shape, [2, 10]);
    tf.dispose(y);
    model.dispose();
  }
});

test('speednet: the logits are the head times outputScale (airbench 1/9)', () => {
  const x = tf.randomNormal([3, 28, 28, 1], 0, 1, 'float32', 2);
  const plain = speednet({ inputShape: [28, 28, 1], numClasses: 10, widths: [8, 16], outputScale: 1, seed: 5 });
  const scaled = speednet({ inputShape: [28, 28, 1], numClasses: 10, widths: [8, 16], seed: 5 });
  const a = (plain.predict(x) as tf.Tensor).dataSync();
  const b = (scaled.predict(x) as tf.Tensor).dataSync();
  assert.ok(a.some((v) => Math.abs(v) > 1e-3));
  for (let i = 0; i < a.length; i++)
    assert.ok(Math.abs(b[i]! - a[i]! / 9) < 1e-6, `logit ${i}: ${b[i]} vs ${a[i]! / 9}`);
  tf.dispose(x);
  plain.dispose();
  scaled.dispose();
});

test("speednet: diracInit sets each 3x3 conv's first min(in, out) filters to the identity, the rest He", () => {
  const model = speednet({ inputShape: [28, 28, 1], numClasses: 10, widths: [16, 32], seed: 3 });
  for (const [name, inC, outC] of [
    ['block1_conv1', 8, 16],
    ['block1_conv2', 16, 16],
    ['block2_conv1', 16, 32],
  ] as const) {
    const k = weight(model, `${name}/kernel`).arraySync() as number[][][][];
    for (let o = 0; o < Math.min(inC, outC); o++)
      for (let y = 0; y < 3; y++)
        for (let x = 0; x < 3; x++)
          for (let i = 0; i < inC; i++)
            assert.equal(k[y]![x]![i]![o], y === 1 && x === 1 && i === o ? 1 : 0, `${name}`);
    if (outC > inC) {
      const rest = tf.slice(weight(model, `${name}/kernel`), [0, 0, 0, inC], [3, 3, inC, outC - inC]);
      const std = Math.sqrt(tf.moments(rest).variance.dataSync()[0]!);
      const he = Math.sqrt(2 / (9 * inC));
      assert.ok(Math.abs(std - he) / he < 0.15, `${name}: std ${std} of the other filters vs He ${he}`);
      rest.dispose();
    }
  }
  const noDirac = speednet({ inputShape: [28, 28, 1], numClasses: 10, widths: [16, 32], seed: 3, diracInit: false });
  assert.notEqual((weight(noDirac, 'block1_conv2/kernel').arraySync() as number[][][][])[1]![1]![0]![0], 1);
  model.dispose();
  noDirac.dispose();
});

test('speednet: whiteningTrainable decides which stem weights the optimizer sees', () => {
  const trainable = (t: 'bias' | 'all' | 'none') =>
    speednet({ inputShape: [28, 28, 1], numClasses: 10, widths: [8], whiteningTrainable: t })
      .trainableWeights.map((w) => w.originalName)
      .filter((n) => n.startsWith('whiten/'));
  assert.deepEqual(trainable('bias'), ['whiten/bias']);
  assert.deepEqual(trainable('all').sort(), ['whiten/bias', 'whiten/kernel']);
  assert.deepEqual(trainable('none'), []);
});

test('speednet: the same seed gives the same weights', () => {
  const a = speednet({ inputShape: [28, 28, 1], numClasses: 10, widths: [8, 16], seed: 11 });
  const b = speednet({ inputShape: [28, 28, 1], numClasses: 10, widths: [8, 16], seed: 11 });
  a.weights.forEach((w, i) => assert.deepEqual(w.read().dataSync(), b.weights[i]!.read().dataSync(), w.name));
  a.dispose();
  b.dispose();
});

test('speednet: standard layers, folded and fast inference compute eval mode (relu and gelu)', () => {
  for (const activation of ['relu', 'gelu'] as const) {
    const model = speednet({ inputShape: [16, 16, 3], numClasses: 4, widths: [8, 16], activation, seed: 2 });
    for (let i = 0; i < 3; i++)
      tf.tidy(() => {
        model.apply(tf.randomNormal([8, 16, 16, 3], 0, 1, 'float32', i), { training: true });
      });
    const x = tf.randomNormal([3, 16, 16, 3], 0, 1, 'float32', 9);
    const a = (model.predict(x) as tf.Tensor).dataSync();
    for (const convert of [toStandardLayers, foldForInference, fastInference]) {
      const converted = convert(model);
      const names = converted.layers.map((l) => l.getClassName());
      assert.ok(!names.some((n) => n.startsWith('Trickbox')), `${convert.name}: only built-in layers`);
      if (convert !== toStandardLayers)
        // conv2 of each block folds its BN; conv1's BN follows the max pool and stays
        assert.equal(names.filter((n) => n === 'BatchNormalization').length, 2, convert.name);
      const b = (converted.predict(x) as tf.Tensor).dataSync();
      for (let i = 0; i < a.length; i++)
        assert.ok(
          Math.abs(a[i]! - b[i]!) < 1e-4 * (1 + Math.abs(a[i]!)),
          `${activation} ${convert.name} ${i}: ${a[i]} vs ${b[i]}`,
        );
      converted.dispose();
    }
    x.dispose();
    model.dispose();
  }
});

test('speednet: training steps keep the tensor count flat', () => {
  const model = speednet({ inputShape: [28, 28, 1], numClasses: 10, widths: [8, 16], seed: 1 });
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.momentum(0.01, 0.9);
  const x = tf.randomNormal([6, 28, 28, 1]);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5], 'int32'), 10);
  const step = () =>
    optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor),
      false,
      vars,
    );
  step();
  const stem = weight(model, 'whiten/kernel').dataSync().slice();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 10; i++) step();
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(weight(model, 'whiten/kernel').dataSync(), stem, 'the frozen stem kernel did not move');
});

test('speednet: bad options are refused in one line', () => {
  const base = { inputShape: [28, 28, 1] as [number, number, number], numClasses: 10 };
  assert.throws(() => speednet({ ...base, widths: [] }), /models\.speednet: widths must be a non-empty list/);
  assert.throws(
    () => speednet({ ...base, widths: [8, 0] }),
    /models\.speednet: widths\[1\] must be a positive integer, got 0/,
  );
  assert.throws(
    () => speednet({ ...base, activation: 'tanh' as 'relu' }),
    /activation must be one of "relu", "gelu", got "tanh"/,
  );
  assert.throws(
    () => speednet({ ...base, outputScale: 0 }),
    /models\.speednet: outputScale must be a finite number > 0, got 0/,
  );
  assert.throws(
    () => speednet({ ...base, bnMomentum: 2 }),
    /models\.speednet: bnMomentum must be a finite number >= 0 and <= 1, got 2/,
  );
  assert.throws(
    () => speednet({ ...base, inputShape: [8, 8, 1], widths: [8, 8, 8] }),
    /models\.speednet: inputShape must be large enough for a 2x2 stem and 3 blocks \(each halves the size\), got \[8, 8, 1\]/,
  );
});
