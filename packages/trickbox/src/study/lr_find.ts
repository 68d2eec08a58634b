// The learning-rate range test (Smith 2017, "Cyclical Learning Rates for Training Neural Networks", §3.3; fastai's
// lr_find): a fresh copy of the recipe's model trains for K steps with the learning rate rising exponentially from
// `startLr` to `endLr`; the loss is smoothed (bias-corrected exponential moving average, β = 0.98 as fastai) and the
// test stops when it diverges (above 4× its minimum, or not finite). Mixing is left out: plain cross-entropy with
// the recipe's label smoothing.
import * as tf from '@tensorflow/tfjs';
import { DataLoader } from '../data/index.js';
import * as losses from '../losses/index.js';
import { buildOptimizer, modelFactory } from '../train/build.js';
import { loadDatasets, prepareData } from '../train/data.js';
import type { Recipe } from '../train/recipe.js';

export interface LrFindOptions {
  recipe: Recipe;
  startLr?: number;
  endLr?: number;
  steps?: number;
  /** Stop once the smoothed loss exceeds this multiple of its minimum. */
  divergeFactor?: number;
  log?: (m: string) => void;
}

export interface LrFindPoint {
  step: number;
  lr: number;
  loss: number;
  smoothed: number;
}

export interface LrFindResult {
  points: LrFindPoint[];
  /** Where the smoothed loss falls fastest per decade of learning rate (Smith's choice; fastai's `steep`). */
  steepestLr: number | null;
  /** A tenth of the learning rate at the smoothed loss's minimum (fastai's `minimum`). */
  minimumLr: number | null;
  diverged: boolean;
}

const BETA = 0.98;

/** The learning rate of step k of K, geometric from start to end. */
export const rangeLr = (k: number, steps: number, startLr: number, endLr: number): number =>
  startLr * Math.pow(endLr / startLr, steps > 1 ? k / (steps - 1) : 0);

/** Smoothing, stopping and suggestions over a sequence of raw losses (separate from training, to be tested alone). */
export function analyse(lrs: readonly number[], raw: readonly number[], divergeFactor = 4): LrFindResult {
  const points: LrFindPoint[] = [];
  let avg = 0;
  let best = Infinity;
  let diverged = false;
  for (let k = 0; k < raw.length; k++) {
    avg = BETA * avg + (1 - BETA) * raw[k];
    const smoothed = avg / (1 - Math.pow(BETA, k + 1));
    points.push({ step: k, lr: lrs[k], loss: raw[k], smoothed });
    if (!Number.isFinite(smoothed) || smoothed > divergeFactor * best) {
      diverged = true;
      break;
    }
    best = Math.min(best, smoothed);
  }
  const usable = diverged ? points.slice(0, -1) : points;
  let minK = -1;
  usable.forEach((p, k) => void (minK < 0 || p.smoothed < usable[minK].smoothed ? (minK = k) : 0));
  let steepK = -1;
  let steepest = 0;
  for (let k = 1; k < minK; k++) {
    const slope =
      (usable[k + 1].smoothed - usable[k - 1].smoothed) / (Math.log10(usable[k + 1].lr) - Math.log10(usable[k - 1].lr));
    if (slope < steepest) [steepest, steepK] = [slope, k];
  }
  return {
    points,
    steepestLr: steepK >= 0 ? usable[steepK].lr : null,
    minimumLr: minK >= 0 ? usable[minK].lr / 10 : null,
    diverged,
  };
}

export async function lrFind(o: LrFindOptions): Promise<LrFindResult> {
  const { recipe, startLr = 1e-7, endLr = 10, steps = 100, divergeFactor = 4, log = () => undefined } = o;
  const rd = prepareData(recipe, await loadDatasets(recipe, log));
  const loader = new DataLoader(rd.train, {
    batchSize: recipe.training.batchSize,
    mean: rd.mean,
    std: rd.std,
    seed: recipe.training.seed,
    transforms: recipe.augment,
    workers: recipe.data.workers,
  });
  const K = rd.train.classNames.length;
  const model = modelFactory(recipe)({
    inputShape: [rd.train.height, rd.train.width, rd.train.channels],
    numClasses: K,
    seed: recipe.training.seed,
  });
  const optimizer = buildOptimizer(recipe, startLr);
  const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const lrs: number[] = [];
  const raw: number[] = [];
  try {
    for (let epoch = 0; raw.length < steps; epoch++) {
      for await (const b of loader.epoch(epoch)) {
        const lr = rangeLr(raw.length, steps, startLr, endLr);
        optimizer.setLearningRate(lr);
        const { value, grads } = tf.tidy(() =>
          tf.variableGrads(() => {
            const logits = model.apply(tf.tensor4d(b.x, b.shape), { training: true }) as tf.Tensor2D;
            return losses.crossEntropy(tf.tensor1d(b.y, 'int32'), logits, {
              labelSmoothing: recipe.loss.labelSmoothing,
            });
          }, trainable),
        );
        optimizer.applyGradients(grads);
        tf.dispose(grads);
        const loss = (await value.data())[0];
        value.dispose();
        lrs.push(lr);
        raw.push(loss);
        if (analyse(lrs, raw, divergeFactor).diverged || raw.length >= steps) break;
      }
      if (analyse(lrs, raw, divergeFactor).diverged) break;
      log(`lr-find: ${raw.length}/${steps} steps, lr ${lrs[lrs.length - 1].toExponential(2)}`);
    }
  } finally {
    await loader.close();
    model.dispose();
    optimizer.dispose();
  }
  return analyse(lrs, raw, divergeFactor);
}
