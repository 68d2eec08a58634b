// Lookahead EMA (regularizers/lookahead_plugin.ts): the update rule against the formula of docs/training-math.md,
// "Lookahead EMA", on weights set by hand; then on the recipe path (the model trains on from the average, the saved
// model is it) and across an interrupted and resumed run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lookaheadDecay, lookaheadPlugin, type LookaheadOptions } from '../../src/regularizers/index.js';
import { loadModel, readJsonl, resolveRecipe, train, type Callback } from '../../src/train/index.js';
import { barDataset, tempRunDir, tinyCnn, tinyRecipe } from '../train/helpers.js';
import { useOneDnnBackend } from 'tfjs-backend-onednn/testing';

await tf.setBackend('cpu');
const quiet = (): void => undefined;

/** dense(1) → batch norm: six weights, the last two BN moving statistics. */
function smallModel(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.dense({ inputShape: [1], units: 1 }));
  m.add(tf.layers.batchNormalization());
  return m;
}

/** The value the test gives weight j after the optimizer's step s: any numbers the update can be followed on. */
const live = (s: number, j: number): number => s * (j + 1) + 0.25 * j;

/**
 * The rule in plain numbers, written from the docs: after step s (from 1), at s % k = 0 in an epoch ≥ startEpoch,
 * start θ̄ = θ the first time, else θ̄ ← ρ_s·θ̄ + (1 − ρ_s)·θ with ρ_s = d^k·(s/T)^p and θ ← θ̄; at an epoch's end θ ← θ̄.
 */
function reference(opts: LookaheadOptions, stepsPerEpoch: number, totalSteps: number, j: number): number[] {
  const out: number[] = [];
  let avg: number | undefined;
  for (let s = 1; s <= totalSteps; s++) {
    let theta = live(s, j);
    const epoch = Math.floor((s - 1) / stepsPerEpoch);
    if (epoch >= opts.startEpoch && s % opts.every === 0) {
      if (avg === undefined) avg = theta;
      else {
        const rho = opts.decay ** opts.every * (s / totalSteps) ** opts.power;
        avg = rho * avg + (1 - rho) * theta;
        theta = avg;
      }
    }
    if (avg !== undefined && s % stepsPerEpoch === 0) theta = avg;
    out.push(theta);
  }
  return out;
}

test('lookahead decay ρ_s = d^k·(s/T)^p: airbench94 defaults give 0 at the start and 0.95^5 at the end', () => {
  const o = { decay: 0.95, every: 5, power: 3 };
  assert.equal(lookaheadDecay(0, 100, o), 0);
  assert.ok(Math.abs(lookaheadDecay(100, 100, o) - 0.7737809375) < 1e-12); // 0.95^5
  assert.ok(Math.abs(lookaheadDecay(50, 100, o) - 0.7737809375 / 8) < 1e-12);
  assert.equal(lookaheadDecay(3, 4, { decay: 0.5, every: 2, power: 1 }), 0.1875); // 0.25 · 3/4
});

for (const opts of [
  { decay: 0.5, every: 2, power: 1, startEpoch: 0 },
  { decay: 0.9, every: 2, power: 3, startEpoch: 1 },
  { decay: 0.8, every: 4, power: 0, startEpoch: 0 },
]) {
  test(`lookahead on hand-set weights follows the formula, BN statistics included (${JSON.stringify(opts)})`, () => {
    const model = smallModel();
    const stepsPerEpoch = 3;
    const totalSteps = 12;
    const plugin = lookaheadPlugin(opts);
    const info = { model, numClasses: 1, stepsPerEpoch, totalSteps, startStep: 0, runDir: '', seed: 0 };
    void plugin.beforeFit!(info);
    const vars = model.weights.map((w) => w.read() as tf.Variable);
    assert.equal(vars.length, 6);
    const seen: number[][] = vars.map(() => []);
    const counts: number[] = [];
    for (let s = 1; s <= totalSteps; s++) {
      tf.tidy(() => vars.forEach((v, j) => v.assign(tf.fill(v.shape, live(s, j)))));
      plugin.afterStep!({ step: s - 1, epoch: Math.floor((s - 1) / stepsPerEpoch), rng: undefined as never });
      vars.forEach((v, j) => seen[j]!.push(v.dataSync()[0]!));
      counts.push(tf.memory().numTensors);
    }
    vars.forEach((_, j) => {
      const want = reference(opts, stepsPerEpoch, totalSteps, j);
      want.forEach((w, i) =>
        assert.ok(
          Math.abs(seen[j]![i]! - w) <= 1e-5 * Math.abs(w),
          `weight ${j} after step ${i + 1}: ${seen[j]![i]} vs ${w}`,
        ),
      );
    });
    // the rule changed something (the model is not just the live weights), so the comparison above can fail
    assert.ok(seen[0]!.some((v, i) => v !== live(i + 1, 0)));
    // tensors: the averages appear at the first update, then the count stays flat
    const firstUpdate = opts.every + opts.startEpoch * stepsPerEpoch;
    assert.equal(new Set(counts.slice(firstUpdate)).size, 1, `tensor counts ${counts}`);
    plugin.dispose!();
    model.dispose();
  });
}

test('lookahead options: a bad value is one clear error naming the field', () => {
  assert.throws(
    () => lookaheadPlugin({ decay: 1, every: 5, power: 3, startEpoch: 0 }),
    /regularizers\.lookaheadPlugin: decay must be a finite number > 0 and < 1, got 1/,
  );
  assert.throws(
    () => lookaheadPlugin({ decay: 0.9, every: 0, power: 3, startEpoch: 0 }),
    /every must be an integer >= 1, got 0/,
  );
  assert.throws(
    () =>
      resolveRecipe({
        data: { dataset: 'fashion-mnist' },
        model: { name: 'x' },
        training: { epochs: 2 },
        regularization: { lookahead: { startEpoch: 2 } },
      }),
    /regularization\.lookahead\.startEpoch is 2; accepted: less than training.epochs \(2\)/,
  );
});

const datasets = { train: barDataset(96), test: barDataset(30, 3, 99) };

/** Records every weight of the model after each step's plug-ins ran (a callback's hooks run after the recipe's). */
function weightSpy(): Callback & { after: Float32Array[][] } {
  let model: tf.LayersModel;
  const spy = {
    name: 'weightSpy',
    after: [] as Float32Array[][],
    beforeFit(info: { model: tf.LayersModel }) {
      model = info.model;
    },
    afterStep() {
      spy.after.push(model.weights.map((w) => (w.read().dataSync() as Float32Array).slice()));
    },
  };
  return spy;
}

const same = (a: Float32Array[], b: Float32Array[]): boolean =>
  a.length === b.length && a.every((w, i) => w.length === b[i]!.length && w.every((x, k) => x === b[i]![k]));

// On 'onednn' the momentum SGD step writes into the weights' buffers in place; a weight that shares its buffer with
// the average after a copy-back must get its own first, or the average would train along.
for (const backend of ['cpu', 'onednn']) {
  test(`lookahead on the recipe path (${backend}): training continues from the average, epochs end on it, the saved model is it`, async () => {
    // 96 images, batch 16: 6 steps per epoch, 18 in all; every 4: start at 4, updates at 8, 12, 16
    const recipe = tinyRecipe({ regularization: { lookahead: { every: 4, decay: 0.9 } } });
    const spy = weightSpy();
    const runDir = tempRunDir();
    if (backend === 'onednn') await useOneDnnBackend();
    await train({ recipe, runDir, model: tinyCnn, datasets, log: quiet, callbacks: [spy] }).finally(() =>
      tf.setBackend('cpu'),
    );
    const w = (s: number) => spy.after[s - 1]!;
    assert.equal(spy.after.length, 18);
    assert.ok(!same(w(5), w(4)), 'training moves the weights between updates');
    // epoch 1 ends at step 6 on the average started at step 4 — every weight, BN moving statistics included
    assert.ok(same(w(6), w(4)), 'the end of epoch 1 copies the average back');
    assert.ok(same(w(18), w(16)), 'the end of training copies the average back');
    assert.ok(!same(w(16), w(15)), 'an update moves the weights');
    const saved = await loadModel(join(runDir, 'model'));
    assert.ok(
      same(
        saved.model.getWeights().map((t) => t.dataSync() as Float32Array),
        w(16),
      ),
    );
    saved.model.dispose();
    const lines = readJsonl(join(runDir, 'metrics.jsonl')).filter((l) => l.type === 'epoch');
    assert.equal(lines.at(-1)!.evaluatedWith, 'weights');
  });
}

test('lookahead: interrupted (before and after the average started) and resumed ends exactly like an uninterrupted run', async () => {
  const recipe = tinyRecipe({ regularization: { lookahead: { every: 2, decay: 0.9, startEpoch: 1 } } });
  const full = tempRunDir();
  await train({ recipe, runDir: full, model: tinyCnn, datasets, log: quiet });
  const strip = (l: Record<string, unknown>) => {
    const { epochSeconds: _a, dataWaitFraction: _b, wallSeconds: _c, imagesPerSecond: _d, ...rest } = l;
    return rest;
  };
  // step 4: epoch 0, nothing averaged yet; step 9: epoch 1, after the update of step 8
  for (const stopAtStep of [4, 9]) {
    const cut = tempRunDir();
    const part = await train({ recipe, runDir: cut, model: tinyCnn, datasets, log: quiet, stopAtStep });
    assert.equal(part.status, 'interrupted');
    await train({ recipe, runDir: cut, model: tinyCnn, datasets, log: quiet, resume: true });
    assert.deepEqual(
      readJsonl(join(cut, 'metrics.jsonl')).map(strip),
      readJsonl(join(full, 'metrics.jsonl')).map(strip),
      `cut at step ${stopAtStep}`,
    );
    assert.ok(readFileSync(join(cut, 'model', 'weights.bin')).equals(readFileSync(join(full, 'model', 'weights.bin'))));
  }
});
