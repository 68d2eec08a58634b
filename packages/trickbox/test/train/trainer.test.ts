import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { train, readJsonl, buildSchedule, loadModel, type EpochRecord, type StepInfo } from '../../src/train/index.js';
import { barDataset, tempRunDir, tinyCnn, tinyRecipe } from './helpers.js';
import { setupRun } from '../../src/train/setup.js';

await tf.setBackend('cpu');
const datasets = { train: barDataset(96), test: barDataset(30, 3, 99) };
const quiet = (): void => undefined;
/** No batch norm: a huge learning rate overflows the weights and the loss becomes NaN/Inf. */
const denseNet = ({
  inputShape,
  numClasses,
  seed,
}: {
  inputShape: [number, number, number];
  numClasses: number;
  seed: number;
}) =>
  tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape }),
      tf.layers.dense({ units: numClasses, kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
    ],
  });

test('trains a tiny CNN, writes the run directory, first batch at schedule(0)', async () => {
  const runDir = tempRunDir();
  const recipe = tinyRecipe({ schedule: { name: 'cosine', warmupEpochs: 1, warmupInit: 0.01 } });
  const steps: StepInfo[] = [];
  const res = await train({
    recipe,
    runDir,
    model: tinyCnn,
    datasets,
    log: quiet,
    callbacks: [{ onStepEnd: (s) => steps.push(s) }],
  });
  assert.equal(res.status, 'completed');
  assert.equal(res.step, 18); // 3 epochs × ceil(96/16)
  const { schedule } = buildSchedule(recipe, 6);
  assert.equal(steps[0].lr, schedule(0));
  assert.equal(steps[0].lr, 0.01); // warmupInit
  assert.equal(steps[6].lr, schedule(6));
  const lines = readJsonl(join(runDir, 'metrics.jsonl'));
  const epochs = lines.filter((l) => l.type === 'epoch') as unknown as EpochRecord[];
  assert.equal(epochs.length, 3);
  assert.equal(lines.filter((l) => l.type === 'step').length, 9);
  assert.ok(epochs[2].testTop1 > 0.9, `test accuracy ${epochs[2].testTop1}`);
  assert.ok(epochs[2].trainLoss < epochs[0].trainLoss);
  for (const f of ['recipe.json', 'summary.json', 'confusion.json', 'model/model.json', 'model/weights.bin'])
    assert.ok(existsSync(join(runDir, f)), f);
  assert.ok(readdirSync(join(runDir, 'checkpoints')).length <= 2);
  const conf = JSON.parse(readFileSync(join(runDir, 'confusion.json'), 'utf8'));
  assert.equal(
    conf.matrix.flat().reduce((a: number, b: number) => a + b, 0),
    30,
  );
  // the saved model reloads and predicts the same classes
  const { model, preprocessing } = await loadModel(runDir);
  assert.deepEqual(preprocessing?.classNames, ['bar0', 'bar1', 'bar2']);
  model.dispose();
  await assert.rejects(
    train({ recipe, runDir, model: tinyCnn, datasets, log: quiet }),
    /already holds a run; pass --resume/,
  );
});

test('interrupted in the middle of an epoch, --resume ends with exactly the metrics of an uninterrupted run', async () => {
  const recipe = tinyRecipe({
    mixing: { name: 'none' },
    regularization: { ema: { decay: 0.9 } },
    loss: { labelSmoothing: 0.1 },
  });
  const full = tempRunDir();
  await train({ recipe, runDir: full, model: tinyCnn, datasets, log: quiet });
  const cut = tempRunDir();
  const part = await train({ recipe, runDir: cut, model: tinyCnn, datasets, log: quiet, stopAtStep: 9 });
  assert.equal(part.status, 'interrupted');
  assert.equal(part.step, 9);
  const again = await train({ recipe, runDir: cut, model: tinyCnn, datasets, log: quiet, resume: true });
  assert.equal(again.status, 'completed');
  const strip = (l: Record<string, unknown>) => {
    const { epochSeconds: _a, dataWaitFraction: _b, wallSeconds: _c, imagesPerSecond: _d, ...rest } = l;
    return rest;
  };
  const a = readJsonl(join(full, 'metrics.jsonl')).map(strip);
  const b = readJsonl(join(cut, 'metrics.jsonl')).map(strip);
  assert.deepEqual(b, a);
  assert.equal(
    readFileSync(join(cut, 'model', 'weights.bin')).equals(readFileSync(join(full, 'model', 'weights.bin'))),
    true,
  );
});

test('tensor count stays flat across training steps', async () => {
  const counts: number[] = [];
  await train({
    recipe: tinyRecipe({ training: { epochs: 2 }, regularization: { ema: { decay: 0.99 } } }),
    runDir: tempRunDir(),
    model: tinyCnn,
    datasets,
    log: quiet,
    callbacks: [{ onStepEnd: () => counts.push(tf.memory().numTensors) }],
  });
  assert.equal(counts.length, 12);
  // from the second step on (optimizer slots exist after the first), the count never changes
  assert.deepEqual(new Set(counts.slice(1)).size, 1, `tensor counts ${counts}`);
});

test('a NaN loss stops the run naming the step, the lr and the last good checkpoint; skip mode continues', async () => {
  const recipe = tinyRecipe({
    optimizer: { name: 'sgd', lr: 1, momentum: 0, nesterov: false, weightDecay: 0 },
    schedule: { name: 'constant' },
    data: { normalize: { mean: [0], std: [1e-30] } },
  });
  const huge = { train: barDataset(96), test: barDataset(30, 3, 99) };
  huge.train.images.fill(255, 0, 64 * 3);
  const runDir = tempRunDir();
  await assert.rejects(
    train({ recipe, runDir, model: denseNet, datasets: huge, log: quiet }),
    /loss is (NaN|Infinity) at step \d+ \(epoch \d+, lr [0-9.e+-]+\); stopped\. Last good checkpoint: /,
  );
  const logs: string[] = [];
  const res = await train({
    recipe: tinyRecipe({
      optimizer: { name: 'sgd', lr: 1, momentum: 0, nesterov: false, weightDecay: 0 },
      schedule: { name: 'constant', warmupEpochs: 0 },
      training: { onNaN: 'skip', epochs: 1 },
      data: { normalize: { mean: [0], std: [1e-30] } },
    }),
    runDir: tempRunDir(),
    model: denseNet,
    datasets: huge,
    log: (m) => logs.push(m),
  });
  assert.equal(res.status, 'completed');
  assert.ok(logs.some((l) => /batch skipped/.test(l)));
});

test('a stop request (SIGINT) finishes the step, checkpoints and returns', async () => {
  const signal = { stop: false };
  const runDir = tempRunDir();
  const res = await train({
    recipe: tinyRecipe(),
    runDir,
    model: tinyCnn,
    datasets,
    log: quiet,
    stopSignal: signal,
    callbacks: [{ onStepEnd: (s) => void (s.step === 4 && (signal.stop = true)) }],
  });
  assert.equal(res.status, 'interrupted');
  assert.equal(res.step, 4);
  assert.ok(res.checkpoint && existsSync(res.checkpoint));
  assert.ok(!existsSync(join(runDir, 'summary.json')));
});

test('early stopping stops when the monitored metric stops improving', async () => {
  const res = await train({
    recipe: tinyRecipe({
      training: { epochs: 12 },
      optimizer: { name: 'sgd', lr: 1e-9 },
      schedule: { name: 'constant' },
      regularization: { earlyStopping: { patience: 2, metric: 'valLoss', minDelta: 0.01 } },
      data: { valSplit: 0.25 },
    }),
    runDir: tempRunDir(),
    model: tinyCnn,
    datasets,
    log: quiet,
  });
  assert.equal(res.status, 'early-stopped');
  assert.equal(res.epochs, 3);
});

test('AdaBound and AMSBound train under a warmup from 0, their bounds scaled from the base rate', async () => {
  for (const name of ['adabound', 'amsbound']) {
    const recipe = tinyRecipe({
      optimizer: { name, lr: 0.001, nesterov: false },
      schedule: { name: 'cosine', warmupEpochs: 1, warmupInit: 0 },
    });
    // η* = finalLr · lr / initialLr: the initial rate must be the recipe's, not the warmup's first value (0 here)
    const setup = await setupRun(recipe, { model: tinyCnn, datasets, log: quiet });
    assert.equal((setup.optimizer as unknown as { initialLr: number }).initialLr, 0.001, name);
    setup.model.dispose();
    const res = await train({ recipe, runDir: tempRunDir(), model: tinyCnn, datasets, log: quiet });
    assert.equal(res.status, 'completed', name);
  }
});
