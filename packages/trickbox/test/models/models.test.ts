import * as tf from '@tensorflow/tfjs';
import 'tfjs-backend-onednn';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alsoUnderAvx2 } from 'tfjs-backend-onednn/testing';
import {
  BatchNormAct,
  countParams,
  createModel,
  fastInference,
  foldForInference,
  resnet,
  simpleCnn,
  toStandardLayers,
  wideResnet,
} from '../../src/models/index.js';

test('parameter counts match the papers and their reference implementations', () => {
  // ResNet-20 (He et al. 2016 Table 6: 0.27M), option-A shortcuts: 269,722 with 3 input channels.
  assert.equal(countParams(resnet({ depth: 20, inputShape: [32, 32, 3], numClasses: 10 })), 269_722);
  // One input channel removes 16·9·2 stem weights.
  assert.equal(countParams(resnet({ depth: 20, inputShape: [28, 28, 1], numClasses: 10 })), 269_434);
  // ResNet-56: 0.85M (Table 6).
  assert.equal(countParams(resnet({ depth: 56, inputShape: [32, 32, 3], numClasses: 10 })), 853_018);
  // WRN-16-4: 2.7M (Zagoruyko & Komodakis 2016, Table 1).
  assert.equal(
    countParams(wideResnet({ depth: 16, widenFactor: 4, inputShape: [32, 32, 3], numClasses: 10 })),
    2_748_890,
  );
  // PreAct ResNet-18: 11,171,146 in the mixup authors' code, plus the final BN (2·512) of He et al.'s design.
  assert.equal(
    countParams(resnet({ depth: 18, variant: 'preact', inputShape: [32, 32, 3], numClasses: 10 })),
    11_172_170,
  );
});

test('models accept any input size and 1 or 3 channels', () => {
  for (const inputShape of [
    [28, 28, 1],
    [17, 23, 3],
    [64, 48, 3],
  ] as Array<[number, number, number]>) {
    for (const model of [
      resnet({ depth: 20, inputShape, numClasses: 7 }),
      simpleCnn({ inputShape, numClasses: 7 }),
      resnet({ depth: 20, inputShape, numClasses: 7, resnetD: true }),
    ]) {
      const y = tf.tidy(() => (model.predict(tf.zeros([2, ...inputShape])) as tf.Tensor).shape);
      assert.deepEqual(y, [2, 7], `${model.name} on [${inputShape}]`);
      model.dispose();
    }
  }
});

test('bad model options are refused with the field and the accepted values', () => {
  assert.throws(() => resnet({ depth: 21, inputShape: [32, 32, 3], numClasses: 10 }), /depth .* 6n\+2/);
  assert.throws(() => resnet({ depth: 20, inputShape: [32, 32, 2] as never, numClasses: 10 }), /1 or 3 channels/);
  assert.throws(
    () => resnet({ depth: 20, inputShape: [32, 32, 3], numClasses: 0 }),
    /numClasses must be a positive integer/,
  );
  assert.throws(
    () => createModel({ name: 'resnet19', inputShape: [32, 32, 3], numClasses: 10 }),
    /unknown model 'resnet19'.*resnet20/,
  );
});

test('zero-γ initialises the last BN of every residual block to zero, and only those', () => {
  const model = resnet({ depth: 20, inputShape: [16, 16, 3], numClasses: 10, zeroInitResidual: true });
  const bns = model.layers.filter((l) => l instanceof BatchNormAct);
  for (const layer of bns) {
    const gamma = layer.getWeights()[0].dataSync();
    const expectZero = /_bn2$/.test(layer.name);
    assert.equal(
      gamma.every((g) => g === 0),
      expectZero,
      layer.name,
    );
    assert.equal(
      gamma.every((g) => g === 1),
      !expectZero,
      layer.name,
    );
  }
  model.dispose();
});

function trainingGradients(model: tf.LayersModel, x: tf.Tensor, labels: tf.Tensor): tf.NamedTensorMap {
  const { grads, value } = tf.variableGrads(() => {
    const logits = model.apply(x, { training: true }) as tf.Tensor;
    return tf.losses.softmaxCrossEntropy(labels, logits);
  });
  value.dispose();
  return grads;
}

/** Every layer's training-mode output, per backend: where one backend's ReLU output is 0 and the other's is not. */
function reluTies(model: tf.LayersModel, x: tf.Tensor): { layer: string; onednn: number; cpu: number }[] {
  const layers = model.layers.slice(1);
  const probe = tf.model({ inputs: model.inputs, outputs: layers.map((l) => l.output as tf.SymbolicTensor) });
  const outs: Record<string, Float32Array[]> = {};
  for (const backend of ['onednn', 'cpu']) {
    tf.setBackend(backend);
    const ys = probe.apply(x, { training: true }) as tf.Tensor[];
    outs[backend] = ys.map((y) => y.dataSync() as Float32Array);
    tf.dispose(ys);
  }
  tf.setBackend('onednn');
  const ties: { layer: string; onednn: number; cpu: number }[] = [];
  layers.forEach((layer, l) => {
    const [a, c] = [outs.onednn[l], outs.cpu[l]];
    for (let i = 0; i < a.length; i++)
      if ((a[i] === 0) !== (c[i] === 0) && (a[i] === 0 || c[i] === 0))
        ties.push({ layer: layer.name, onednn: a[i], cpu: c[i] });
  });
  return ties;
}

test("ResNet-20 training gradients on 'onednn' match the cpu backend's, except where a ReLU sits on its kink", () => {
  // A ReLU whose input is within fp32 rounding of 0 may be on on one backend and off on the other (the sums run in
  // another order natively): its channel's batch-norm sums then differ by one dy, a real but correct difference
  // (docs/backend.md, "ReLU ties"). Such an initialisation must show the tie at |y| < 1e-5; every other one must
  // match to 1e-4 in every gradient tensor.
  const xData = Float32Array.from({ length: 4 * 12 * 12 * 3 }, (_, i) => Math.sin(i * 0.37));
  const yData = Float32Array.from({ length: 4 * 5 }, (_, i) => (i % 5 === Math.floor(i / 5) % 5 ? 1 : 0));
  let worst = 0;
  let tied = 0;
  // seed 25 has such a tie at AVX2 (stage2_block2_bn2, channel 8: 6.6e-7 on onednn, 0 on cpu)
  for (const seed of [0, 1, 2, 3, 4, 5, 25]) {
    tf.setBackend('onednn');
    const model = resnet({ depth: 20, inputShape: [12, 12, 3], numClasses: 5, seed });
    const snapshot = model.getWeights().map((w) => w.clone());
    const x = tf.tensor(xData, [4, 12, 12, 3]);
    const results: Record<string, Record<string, Float32Array>> = {};
    for (const backend of ['onednn', 'cpu']) {
      tf.setBackend(backend);
      model.setWeights(snapshot);
      const grads = tf.tidy(() => trainingGradients(model, x, tf.tensor(yData, [4, 5])));
      results[backend] = Object.fromEntries(
        Object.entries(grads).map(([k, g]) => [k, Float32Array.from(g.dataSync())]),
      );
      tf.dispose(Object.values(grads));
    }
    tf.setBackend('onednn');
    const names = Object.keys(results.cpu);
    assert.ok(names.length >= 40, `expected gradients for every trainable weight, got ${names.length}`);
    const mismatched: string[] = [];
    for (const name of names) {
      const [e, a] = [results.cpu[name], results.onednn[name]];
      let diff = 0;
      let norm = 0;
      for (let i = 0; i < e.length; i++) {
        diff += (a[i] - e[i]) ** 2;
        norm += e[i] ** 2;
      }
      const rel = Math.sqrt(diff / Math.max(norm, 1e-30));
      if (rel < 1e-4) worst = Math.max(worst, rel);
      else mismatched.push(`${name} ${rel.toExponential(2)}`);
    }
    if (mismatched.length > 0) {
      const ties = reluTies(model, x);
      assert.ok(ties.length > 0, `seed ${seed}: gradients differ with no ReLU tie: ${mismatched.join(', ')}`);
      for (const t of ties)
        assert.ok(Math.max(Math.abs(t.onednn), Math.abs(t.cpu)) < 1e-5, `seed ${seed}: ${JSON.stringify(t)} is no tie`);
      tied++;
    }
    tf.dispose([x, ...snapshot]);
    model.dispose();
  }
  console.log(
    `ResNet-20 gradients, 7 initialisations: ${tied} with a ReLU tie; worst other relative L2 ${worst.toExponential(2)}`,
  );
});

test('the standard-layers export and the folded inference model compute the same function', () => {
  const model = resnet({ depth: 20, inputShape: [16, 16, 1], numClasses: 4 });
  // A few training-mode passes so the running statistics are not the trivial initial ones.
  for (let i = 0; i < 3; i++) {
    tf.tidy(() => {
      model.apply(tf.randomNormal([8, 16, 16, 1]), { training: true });
    });
  }
  const x = tf.randomNormal([3, 16, 16, 1]);
  const a = (model.predict(x) as tf.Tensor).dataSync();
  for (const converted of [toStandardLayers(model), foldForInference(model)]) {
    assert.ok(!converted.layers.some((l) => l.getClassName().startsWith('Trickbox')), 'only built-in layers');
    const b = (converted.predict(x) as tf.Tensor).dataSync();
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-4, `logit ${i}: ${a[i]} vs ${b[i]}`);
    converted.dispose();
  }
  const folded = foldForInference(model);
  const names = folded.layers.map((l) => l.getClassName());
  assert.ok(!names.includes('BatchNormalization'), 'every BN folded into its convolution');
  assert.equal(names.filter((n) => n === 'Conv2D').length, 19 + 2, '19 folded convolutions + 2 option-A shortcuts');
  folded.dispose();
  // fastInference: the same function with each block's last conv + residual add + ReLU as one ConvResidual layer.
  const fast = fastInference(model);
  const fastNames = fast.layers.map((l) => l.getClassName());
  assert.equal(fastNames.filter((n) => n === 'TrickboxConvResidual').length, 9, 'one per residual block');
  assert.ok(!fastNames.includes('Add') && !fastNames.includes('ReLU'), 'no separate add or ReLU left');
  const f = (fast.predict(x) as tf.Tensor).dataSync();
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - f[i]) < 1e-4, `fast logit ${i}: ${a[i]} vs ${f[i]}`);
  fast.dispose();
  model.dispose();
  x.dispose();
});

test('training steps keep the tensor count flat', () => {
  const model = simpleCnn({ inputShape: [12, 12, 1], numClasses: 3 });
  const optimizer = tf.train.momentum(0.01, 0.9);
  const x = tf.randomNormal([6, 12, 12, 1]);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3);
  const step = () =>
    optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor), false);
  step();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 20; i++) step();
  assert.equal(tf.memory().numTensors, before);
});

test('toStandardLayers also converts Sequential models', () => {
  const seq = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, useBias: false }),
      new BatchNormAct({ relu: true }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3 }),
    ],
  });
  const x = tf.randomNormal([2, 8, 8, 1]);
  const a = (seq.predict(x) as tf.Tensor).dataSync();
  for (const converted of [toStandardLayers(seq), foldForInference(seq)]) {
    const b = (converted.predict(x) as tf.Tensor).dataSync();
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-5, `output ${i}: ${a[i]} vs ${b[i]}`);
    converted.dispose();
  }
  seq.dispose();
  x.dispose();
});

alsoUnderAvx2(import.meta.url);
