// A plain tfjs-layers model (built-in layers only) trains on 'onednn' exactly as on 'cpu', and memory stays flat.
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alsoUnderAvx2 } from '../src/testing.js';
import '../src/index.js';
import { makeData } from './parity.js';

function plainCnn(): tf.LayersModel {
  const input = tf.input({ shape: [12, 12, 3] });
  let x = tf.layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: 'relu' }).apply(x) as tf.SymbolicTensor;
  const shortcut = x;
  x = tf.layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.add().apply([x, shortcut]) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: 0 }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 4, activation: 'softmax' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

test("a plain tfjs-layers model trains on 'onednn' as on 'cpu' (same weights after 5 steps of fit)", async () => {
  const xData = makeData({ shape: [16, 12, 12, 3] }) as Float32Array;
  const labels = Array.from({ length: 16 }, (_, i) => i % 4);
  await tf.setBackend('cpu');
  const reference = plainCnn();
  const initial = reference.getWeights().map((w) => w.dataSync().slice());
  const results: Record<string, { weights: Float32Array[]; losses: number[] }> = {};
  for (const backend of ['cpu', 'onednn']) {
    await tf.setBackend(backend);
    const model = plainCnn();
    model.setWeights(initial.map((w, i) => tf.tensor(w, reference.getWeights()[i].shape)));
    model.compile({ optimizer: tf.train.momentum(0.05, 0.9), loss: 'sparseCategoricalCrossentropy' });
    const x = tf.tensor(xData, [16, 12, 12, 3]);
    const y = tf.tensor(labels, [16, 1]);
    const history = await model.fit(x, y, { epochs: 5, batchSize: 16, shuffle: false, verbose: 0 });
    results[backend] = {
      weights: model.getWeights().map((w) => w.dataSync() as Float32Array),
      losses: history.history.loss as number[],
    };
    tf.dispose([x, y]);
  }
  const { cpu, onednn } = results;
  assert.ok(onednn.losses[4] < onednn.losses[0], `loss decreases: ${onednn.losses}`);
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(onednn.losses[i] - cpu.losses[i]) < 1e-4, `loss ${i}`);
  cpu.weights.forEach((w, k) => {
    for (let i = 0; i < w.length; i++) {
      assert.ok(Math.abs(onednn.weights[k][i] - w[i]) < 1e-4 * Math.max(1, Math.abs(w[i])), `weight ${k}[${i}]`);
    }
  });
});

test('tensor count and RSS stay flat over 200 training steps', async () => {
  await tf.setBackend('onednn');
  const model = plainCnn();
  model.compile({ optimizer: tf.train.momentum(0.01, 0.9), loss: 'sparseCategoricalCrossentropy' });
  const x = tf.randomNormal([32, 12, 12, 3]);
  const y = tf.tensor(
    Array.from({ length: 32 }, (_, i) => i % 4),
    [32, 1],
  );
  const steps = async (n: number) => {
    for (let i = 0; i < n; i++) await model.trainOnBatch(x, y);
  };
  await steps(20);
  global.gc?.();
  const tensorsBefore = tf.memory().numTensors;
  const rssBefore = process.memoryUsage().rss;
  await steps(200);
  global.gc?.();
  const tensorsAfter = tf.memory().numTensors;
  const rssGrowthMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
  console.log(`200 steps: tensors ${tensorsBefore} -> ${tensorsAfter}, RSS growth ${rssGrowthMb.toFixed(1)} MiB`);
  assert.equal(tensorsAfter, tensorsBefore);
  assert.ok(rssGrowthMb < 64, `RSS grew by ${rssGrowthMb.toFixed(1)} MiB over 200 steps`);
  tf.dispose([x, y]);
});

alsoUnderAvx2(import.meta.url);
