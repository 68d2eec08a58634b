// Every recipe plug-in is applied on the recipe path (a test fails when it is not), and the early-stopping rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { earlyStoppingStep, initialEarlyStoppingState } from '../../src/regularizers/index.js';
import { evaluate, loadModel, readJsonl, train, type Callback, type EpochRecord } from '../../src/train/index.js';
import { barDataset, tempRunDir, tinyCnn, tinyRecipe } from './helpers.js';

await tf.setBackend('cpu');
const datasets = { train: barDataset(96), test: barDataset(30, 3, 99) };
const quiet = (): void => undefined;
const epochsOf = (dir: string) =>
  readJsonl(join(dir, 'metrics.jsonl')).filter((l) => l.type === 'epoch') as unknown as EpochRecord[];

test('early stopping: the stop rule on a table of metric sequences (patience, minDelta, min/max, NaN)', () => {
  const cases: Array<{
    values: number[];
    mode: 'min' | 'max';
    patience: number;
    minDelta?: number;
    stopAt: number | null;
  }> = [
    // the sequence of the bug report: still improving at epoch 4, no stop with patience 3
    { values: [0.1262, 0.3721, 0.2757, 0.6844], mode: 'max', patience: 3, stopAt: null },
    { values: [0.97, 0.75, 0.8, 0.7], mode: 'min', patience: 2, stopAt: null },
    { values: [0.5, 0.4, 0.4, 0.4], mode: 'max', patience: 3, stopAt: 4 },
    { values: [0.5, 0.51, 0.52, 0.53], mode: 'max', patience: 2, minDelta: 0.02, stopAt: 3 },
    { values: [1, NaN, NaN], mode: 'min', patience: 2, stopAt: 3 },
    { values: [1, 0.9, 0.8, 0.7, 0.6], mode: 'min', patience: 1, stopAt: null },
    { values: [1, 1, 1], mode: 'min', patience: 1, stopAt: 2 },
  ];
  for (const c of cases) {
    let state = initialEarlyStoppingState();
    let stopAt: number | null = null;
    c.values.forEach((v, i) => {
      const d = earlyStoppingStep({ patience: c.patience, minDelta: c.minDelta ?? 0, mode: c.mode }, state, v);
      state = d.state;
      if (d.stop && stopAt === null) stopAt = i + 1;
    });
    assert.equal(stopAt, c.stopAt, JSON.stringify(c));
  }
});

/** A user plug-in (also proving user plug-ins are called) that records what the loss hook receives. */
function lossSpy(): Callback & { targets: number[][][] } {
  const spy = {
    name: 'spy',
    targets: [] as number[][][],
    loss({ target, loss }: { target: tf.Tensor; loss: () => tf.Scalar }) {
      spy.targets.push(target.rank === 2 ? (target.arraySync() as number[][]) : []);
      return loss();
    },
  };
  return spy;
}

test("mixing: the mixer's soft targets reach the loss", async () => {
  const spy = lossSpy();
  const recipe = tinyRecipe({
    mixing: { name: 'mixup', alpha: 1 },
    training: { epochs: 1 },
    schedule: { warmupEpochs: 0 },
  });
  await train({ recipe, runDir: tempRunDir(), model: tinyCnn, datasets, log: quiet, callbacks: [spy] });
  assert.equal(spy.targets.length, 6);
  const soft = spy.targets.flat().filter((row) => row.some((p) => p > 0 && p < 1));
  assert.ok(soft.length > 50, `${soft.length} mixed target rows`);
  for (const row of spy.targets.flat()) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
});

test('EMA: evaluation and the saved model are the averaged weights', async () => {
  const plain = tempRunDir();
  const ema = tempRunDir();
  await train({ recipe: tinyRecipe(), runDir: plain, model: tinyCnn, datasets, log: quiet });
  const recipe = tinyRecipe({ regularization: { ema: { decay: 0.8 } } });
  await train({ recipe, runDir: ema, model: tinyCnn, datasets, log: quiet });
  const last = epochsOf(ema).at(-1)!;
  assert.equal(last.evaluatedWith, 'ema');
  // same training, other evaluation weights
  assert.equal(last.trainLoss, epochsOf(plain).at(-1)!.trainLoss);
  assert.notEqual(last.testLoss, epochsOf(plain).at(-1)!.testLoss);
  const saved = await loadModel(join(ema, 'model'));
  const p = saved.preprocessing!;
  const r = await evaluate(saved.model, datasets.test, { mean: p.mean, std: p.std });
  assert.ok(Math.abs(r.loss - last.testLoss) < 1e-5, `saved model loss ${r.loss}, EMA evaluation ${last.testLoss}`);
  assert.ok(!readFileSync(join(ema, 'model', 'weights.bin')).equals(readFileSync(join(plain, 'model', 'weights.bin'))));
  saved.model.dispose();
});

test('distillation: the teacher term changes the gradient of the first step', async () => {
  const teacherDir = tempRunDir();
  await train({
    recipe: tinyRecipe({ training: { epochs: 1 }, schedule: { warmupEpochs: 0 } }),
    runDir: teacherDir,
    model: tinyCnn,
    datasets,
    log: quiet,
  });
  const firstStepWeights = async (extra: object): Promise<Float32Array> => {
    let after: Float32Array | undefined;
    let model: tf.LayersModel | undefined;
    const probe: Callback = {
      name: 'probe',
      beforeFit: (info) => void (model = info.model),
      afterStep: (ctx) =>
        void (ctx.step === 0 && (after = model!.trainableWeights[0].read().dataSync() as Float32Array)),
    };
    await train({
      recipe: tinyRecipe({ ...extra, training: { epochs: 1 }, schedule: { warmupEpochs: 0 } }),
      runDir: tempRunDir(),
      model: tinyCnn,
      datasets,
      log: quiet,
      callbacks: [probe],
    });
    return Float32Array.from(after!);
  };
  const without = await firstStepWeights({});
  const withKd = await firstStepWeights({ distillation: { teacher: teacherDir, temperature: 4, alpha: 0.9 } });
  assert.notDeepEqual(withKd, without);
});

test('flip TTA changes the evaluated probabilities, not the training', async () => {
  const a = tempRunDir();
  const b = tempRunDir();
  await train({ recipe: tinyRecipe(), runDir: a, model: tinyCnn, datasets, log: quiet });
  await train({
    recipe: tinyRecipe({ evaluation: { flipTta: true } }),
    runDir: b,
    model: tinyCnn,
    datasets,
    log: quiet,
  });
  const [ea, eb] = [epochsOf(a).at(-1)!, epochsOf(b).at(-1)!];
  assert.equal(eb.trainLoss, ea.trainLoss);
  assert.notEqual(eb.testLoss, ea.testLoss);
});

test('early stopping on the validation split saves the best epoch: summary.selected and the model agree', async () => {
  // a learning rate high enough that validation accuracy goes up and down
  const recipe = tinyRecipe({
    data: { valSplit: 0.25 },
    optimizer: { lr: 1.5, momentum: 0.9 },
    schedule: { name: 'constant', warmupEpochs: 0 },
    training: { epochs: 12 },
    regularization: { earlyStopping: { patience: 3, metric: 'valLoss' } },
  });
  const runDir = tempRunDir();
  const res = await train({ recipe, runDir, model: tinyCnn, datasets, log: quiet });
  const epochs = epochsOf(runDir);
  const best = epochs.reduce((b, e) => (e.valLoss! < b.valLoss! ? e : b));
  assert.equal(res.selected?.epoch, best.epoch);
  const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
  assert.equal(summary.selected.epoch, best.epoch);
  assert.deepEqual(summary.selected.metrics, best);
  assert.deepEqual(summary.final, epochs.at(-1));
  assert.ok(best.epoch < epochs.at(-1)!.epoch, `the best epoch (${best.epoch}) is not the last: a real restore`);
  const saved = await loadModel(join(runDir, 'model'));
  const r = await evaluate(saved.model, datasets.test, {
    mean: saved.preprocessing!.mean,
    std: saved.preprocessing!.std,
  });
  assert.ok(Math.abs(r.loss - best.testLoss) < 1e-5, `saved model test loss ${r.loss}, best epoch ${best.testLoss}`);
  saved.model.dispose();
});

test('summary.json: paths relative to the run directory, and provenance', async () => {
  const runDir = tempRunDir();
  await train({
    recipe: tinyRecipe({ training: { epochs: 1 }, schedule: { warmupEpochs: 0 } }),
    runDir,
    model: tinyCnn,
    datasets,
    log: quiet,
  });
  const s = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
  assert.equal(s.runDir, '.');
  assert.match(s.checkpoint, /^checkpoints\/ckpt-\d+\.tbx$/);
  assert.equal(s.provenance.backend, 'cpu');
  assert.match(s.provenance.tfjs, /^4\./);
  assert.match(s.provenance.node, /^v\d+/);
  assert.ok(s.provenance.cpu.length > 0);
  assert.match(s.provenance.trickbox, /^\d+\.\d+\.\d+/);
});
