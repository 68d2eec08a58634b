// The weights a short run of a recipe leaves, as SHA-256 digests of their float32 bytes: the regression check that
// re-expressing `optimizer.noBiasDecay` through parameter groups kept its numerics bit for bit. The digests in
// test/fixtures/param_groups/recipe_weights.json were recorded by scripts/fixtures/recipe_weights.mjs from the
// code before the change.
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { loadModel, train } from '../../src/train/index.js';
import { barDataset, tempRunDir, tinyCnn, tinyRecipe } from '../train/helpers.js';

/** The recipes of the check: the baseline and no-bias-decay paths of every optimizer family. */
export const regressionCases: Record<string, Record<string, unknown>> = {
  sgd_nesterov_baseline: { optimizer: { name: 'sgd', noBiasDecay: false } },
  sgd_nesterov_no_bias_decay: { optimizer: { name: 'sgd', noBiasDecay: true } },
  adamw_no_bias_decay: {
    optimizer: { name: 'adamw', lr: 0.01, nesterov: false, weightDecay: 0.05, noBiasDecay: true },
  },
  adabound_no_bias_decay: {
    optimizer: { name: 'adabound', lr: 0.01, nesterov: false, weightDecay: 0.01, noBiasDecay: true },
    // AdaBound refuses lr 0, which a warmup from 0 gives at step 0
    schedule: { warmupEpochs: 0 },
  },
};

/** Trains `tinyCnn` for 2 epochs of 96 bar images on the 'cpu' backend; returns one digest per saved weight. */
export async function recipeWeightDigests(extra: Record<string, unknown>): Promise<string[]> {
  await tf.setBackend('cpu');
  const runDir = tempRunDir();
  const recipe = tinyRecipe({ ...extra, training: { epochs: 2 } });
  const datasets = { train: barDataset(96), test: barDataset(30, 3, 99) };
  await train({ recipe, runDir, model: tinyCnn, datasets, log: () => undefined });
  const { model } = await loadModel(join(runDir, 'model'));
  const digests = model.weights.map((w) => {
    const bytes = Buffer.from((w.read().dataSync() as Float32Array).buffer);
    return createHash('sha256').update(bytes).digest('hex');
  });
  model.dispose();
  return digests;
}
