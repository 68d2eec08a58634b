// The whitening plug-in on the recipe path: the stem of the trained model holds the whitening filters of the
// training split, the bias is held from biasEpochs on, and a resumed run equals an uninterrupted one.
import * as tf from '@tensorflow/tfjs';
import 'tfjs-backend-onednn';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { channelStats } from '../../src/data/index.js';
import { patchWhitening, whiteningSample } from '../../src/init/index.js';
import type { TrainPlugin } from '../../src/plugin/index.js';
import { loadModel, readJsonl, train } from '../../src/train/index.js';
import { barDataset, tempRunDir, tinyCnn, tinyRecipe } from '../train/helpers.js';

before(async () => {
  await tf.setBackend('onednn');
});

const datasets = { train: barDataset(96), test: barDataset(30, 3, 99) };
const recipe = (whitening: Record<string, unknown>, training: Record<string, unknown> = {}) =>
  tinyRecipe({
    model: { name: 'speednet', options: { widths: [4, 8] } },
    init: { whitening },
    training: { epochs: 3, ...training },
  });

/** Records the stem bias after every epoch (it runs after the recipe's plug-ins). */
function biasRecorder(out: number[][]): TrainPlugin {
  let model: tf.LayersModel;
  return {
    name: 'bias-recorder',
    beforeFit(info) {
      model = info.model;
    },
    afterEpoch() {
      out.push(
        Array.from(
          model.weights
            .find((w) => w.originalName === 'whiten/bias')!
            .read()
            .dataSync(),
        ),
      );
    },
  };
}

test('the trained stem holds the whitening filters of a seeded sample of the training split', async () => {
  const runDir = tempRunDir();
  await train({ recipe: recipe({ samples: 40 }), runDir, datasets, log: () => undefined });
  const { model } = await loadModel(runDir);
  const { mean, std } = channelStats(datasets.train);
  const indices = whiteningSample(96, 40, 7);
  const pixels = new Uint8Array(40 * 64);
  indices.forEach((i, n) => pixels.set(datasets.train.images.subarray(i * 64, (i + 1) * 64), n * 64));
  const want = patchWhitening({ pixels, count: 40, height: 8, width: 8, channels: 1, mean, std }, 2, 5e-4);
  const got = model.weights
    .find((w) => w.originalName === 'whiten/kernel')!
    .read()
    .dataSync();
  assert.deepEqual(Array.from(got), Array.from(want.kernel));
  model.dispose();
});

test('biasEpochs: the stem bias trains for that many epochs, then stays; null: it trains throughout', async () => {
  const held: number[][] = [];
  await train({
    recipe: recipe({ biasEpochs: 1 }),
    runDir: tempRunDir(),
    datasets,
    callbacks: [biasRecorder(held)],
    log: () => undefined,
  });
  assert.ok(
    held[0]!.some((v) => v !== 0),
    'trained in epoch 1',
  );
  assert.deepEqual(held[1], held[0]);
  assert.deepEqual(held[2], held[0]);
  const free: number[][] = [];
  await train({
    recipe: recipe({ biasEpochs: null }),
    runDir: tempRunDir(),
    datasets,
    callbacks: [biasRecorder(free)],
    log: () => undefined,
  });
  assert.notDeepEqual(free[1], free[0]);
  const frozen: number[][] = [];
  await train({
    recipe: recipe({ biasEpochs: 0 }),
    runDir: tempRunDir(),
    datasets,
    callbacks: [biasRecorder(frozen)],
    log: () => undefined,
  });
  assert.ok(
    frozen.every((b) => b.every((v) => v === 0)),
    'biasEpochs 0: the bias stays 0',
  );
});

test('a run resumed after the bias was held ends as the uninterrupted run', async () => {
  const r = recipe({ biasEpochs: 1 });
  const whole = tempRunDir();
  await train({ recipe: r, runDir: whole, datasets, log: () => undefined });
  const resumed = tempRunDir();
  await train({ recipe: r, runDir: resumed, datasets, stopAtStep: 9, log: () => undefined }); // 6 steps per epoch
  await train({ recipe: r, runDir: resumed, datasets, resume: true, log: () => undefined });
  const epochs = (dir: string) =>
    readJsonl(join(dir, 'metrics.jsonl'))
      .filter((l) => l.type === 'epoch')
      .map((l) => [l.trainLoss, l.testLoss]);
  assert.deepEqual(epochs(resumed), epochs(whole));
});

test('init.whitening on a model without the stem layer is refused naming the layer', async () => {
  await assert.rejects(
    train({
      recipe: tinyRecipe({ init: { whitening: {} } }),
      runDir: tempRunDir(),
      model: tinyCnn,
      datasets,
      log: () => undefined,
    }),
    /whitening: layer must be the name of a Conv2D layer of the model \(speednet's is 'whiten'\), got "whiten"/,
  );
});
