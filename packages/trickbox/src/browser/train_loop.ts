/**
 * A training run small enough for a browser tab: trickbox's small CNN on a `TrainingSlice` with the tricks of the
 * library itself — random crop + horizontal flip + Random Erasing (augment/), mixup (mix/), label smoothing
 * (losses/), SGD with Nesterov momentum and no bias decay (optim/), linear warmup + cosine decay per iteration
 * (schedules/). No DOM and no Node built-ins: the page calls it in the browser, the tests call it in Node.
 */
import * as tf from '@tensorflow/tfjs';
import * as augment from '../augment/index.js';
import * as losses from '../losses/index.js';
import * as mix from '../mix/index.js';
import { simpleCnn } from '../models/simple_cnn.js';
import { reseedDropout } from '../models/seeding.js';
import { sgd } from '../optim/sgd.js';
import { Rng } from '../rng/index.js';
import { cosine } from '../schedules/cosine.js';
import type { SliceSplit, TrainingSlice } from './slice.js';

export interface InTabTrainingOptions {
  /** Optimizer steps (batches). */
  steps: number;
  /** Default 32. */
  batchSize?: number;
  /** Peak learning rate after warmup, default 0.05. */
  lr?: number;
  /** Linear warmup length in steps, default 10% of `steps`. */
  warmupSteps?: number;
  /** Label smoothing ε of the loss, default 0.1 (Bag of Tricks). */
  labelSmoothing?: number;
  /** mixup Beta(α, α), default 0.2 (Bag of Tricks); 0 turns mixup off. */
  mixupAlpha?: number;
  /** Probability of Random Erasing per image, default 0.5 (Zhong et al.). */
  erasingProbability?: number;
  /** Channels of the CNN's two stages, default [8, 16] (small enough for a CPU tab). */
  filters?: [number, number];
  seed?: number;
  /** Hold-out accuracy on `evalImages` images every this many steps (for the chart), default 25; 0: only at the end. */
  evalEvery?: number;
  /** Images of the hold-out set used by the intermediate evaluations, default 250 (the final one uses all). */
  evalImages?: number;
  /** Called after every step; may return a promise (e.g. to let the page repaint). */
  onStep?: (progress: StepProgress) => void | Promise<void>;
}

export interface StepProgress {
  step: number;
  steps: number;
  loss: number;
  lr: number;
  /** Hold-out accuracy, on the steps where it was measured. */
  holdOutAccuracy?: number;
}

export interface InTabTrainingResult {
  /** Top-1 accuracy on the whole hold-out set after the last step. */
  accuracy: number;
  /** Training images per second (augmentation + forward + backward + update; evaluations excluded). */
  imagesPerSecond: number;
  steps: number;
  trainSeconds: number;
  backend: string;
}

function positiveInt(field: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`trainInTab: ${field} must be an integer >= 1, got ${v}`);
  return v;
}

function imageAt(split: SliceSplit, slice: TrainingSlice, i: number): augment.Image {
  const per = slice.height * slice.width * slice.channels;
  return {
    data: split.images.subarray(i * per, (i + 1) * per),
    height: slice.height,
    width: slice.width,
    channels: slice.channels,
  };
}

/** Top-1 accuracy of `model` on the first `count` images of the hold-out split. */
export function holdOutAccuracy(
  model: tf.LayersModel,
  slice: TrainingSlice,
  count = slice.holdOut.labels.length,
): number {
  const n = Math.min(count, slice.holdOut.labels.length);
  const shape = [slice.height, slice.width, slice.channels] as const;
  let correct = 0;
  for (let start = 0; start < n; start += 256) {
    const end = Math.min(n, start + 256);
    const images = Array.from({ length: end - start }, (_, k) => imageAt(slice.holdOut, slice, start + k));
    const x = augment.normalize(images, slice.mean, slice.std);
    const predicted = tf.tidy(() => {
      const logits = model.predict(tf.tensor4d(x, [end - start, ...shape])) as tf.Tensor2D;
      return tf.argMax(logits, 1).dataSync();
    });
    for (let k = 0; k < predicted.length; k++) if (predicted[k] === slice.holdOut.labels[start + k]) correct++;
  }
  return correct / n;
}

/** Builds the small CNN for a slice (exported so a page can show its size before training). */
export function inTabModel(slice: TrainingSlice, filters: [number, number] = [8, 16], seed?: number): tf.LayersModel {
  return simpleCnn({
    seed,
    inputShape: [slice.height, slice.width, slice.channels],
    numClasses: slice.classNames.length,
    filters,
    denseUnits: 64,
    dropout: 0.1,
  });
}

/**
 * Trains `model`, or else a fresh `inTabModel` whose initial weights follow `seed` (disposed at the end). With the
 * same seed and backend a run repeats exactly, except where the backend's kernels sum in a varying order (threaded
 * wasm).
 */
export async function trainInTab(
  slice: TrainingSlice,
  options: InTabTrainingOptions,
  model?: tf.LayersModel,
): Promise<InTabTrainingResult> {
  positiveInt('steps', options.steps);
  positiveInt('batchSize', options.batchSize ?? 32);
  const rng = new Rng(options.seed ?? 0);
  const weightsRng = rng.split();
  const dropoutRng = rng.split();
  // seeds reach the initialisers and dropout explicitly (models/seeding.ts); Math.random is never replaced
  const net = model ?? inTabModel(slice, options.filters, Math.floor(weightsRng.next() * 2 ** 31));
  try {
    return await trainSteps(slice, options, net, rng, dropoutRng);
  } finally {
    if (!model) net.dispose();
  }
}

async function trainSteps(
  slice: TrainingSlice,
  options: InTabTrainingOptions,
  model: tf.LayersModel,
  rng: Rng,
  dropoutRng: Rng,
): Promise<InTabTrainingResult> {
  const steps = options.steps;
  const batchSize = options.batchSize ?? 32;
  const lr = options.lr ?? 0.05;
  const warmupSteps = options.warmupSteps ?? Math.round(steps * 0.1);
  const labelSmoothing = options.labelSmoothing ?? 0.1;
  const mixupAlpha = options.mixupAlpha ?? 0.2;
  const evalEvery = options.evalEvery ?? 25;
  const schedule = cosine({ lr, steps, warmupSteps });
  const optimizer = sgd({ lr: schedule(0), momentum: 0.9, nesterov: true, weightDecay: 5e-4, noBiasDecay: true });
  const meanPixel = slice.mean.map((m) => Math.round(m * 255));
  const transform = augment.compose([
    augment.randomCrop({ size: [slice.height, slice.width], padding: 2 }),
    augment.randomHorizontalFlip({ p: 0.5 }),
    augment.randomErasing({ p: options.erasingProbability ?? 0.5, fill: meanPixel }),
  ]);
  const n = slice.train.labels.length;
  const K = slice.classNames.length;
  const shape = [slice.height, slice.width, slice.channels] as const;
  const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
  let order = rng.permutation(n);
  let cursor = 0;
  let trainMs = 0;
  let accuracy = NaN;
  for (let step = 0; step < steps; step++) {
    const started = performance.now();
    const images: augment.Image[] = [];
    const labels = new Int32Array(batchSize);
    for (let k = 0; k < batchSize; k++) {
      if (cursor === n) {
        order = rng.permutation(n);
        cursor = 0;
      }
      const i = order[cursor++]!;
      images.push(transform(imageAt(slice.train, slice, i), rng));
      labels[k] = slice.train.labels[i]!;
    }
    const x = augment.normalize(images, slice.mean, slice.std);
    images.forEach((img) => augment.release(img));
    optimizer.setLearningRate(schedule(step));
    reseedDropout(model, () => dropoutRng.next());
    const loss = tf.tidy(() => {
      const batch = tf.tensor4d(x, [batchSize, ...shape]);
      const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), K).toFloat();
      const mixed = mixupAlpha > 0 ? mix.mixup(batch, onehot, { alpha: mixupAlpha, rng }) : { x: batch, y: onehot };
      const { value, grads } = tf.variableGrads(
        () => losses.crossEntropy(mixed.y, model.apply(mixed.x, { training: true }) as tf.Tensor2D, { labelSmoothing }),
        trainable,
      );
      optimizer.applyGradients(grads);
      return value;
    });
    const lossValue = (await loss.data())[0]!;
    loss.dispose();
    trainMs += performance.now() - started;
    const progress: StepProgress = { step: step + 1, steps, loss: lossValue, lr: schedule(step) };
    if (evalEvery > 0 && (step + 1) % evalEvery === 0 && step + 1 < steps) {
      progress.holdOutAccuracy = holdOutAccuracy(model, slice, options.evalImages ?? 250);
    }
    if (step + 1 === steps) progress.holdOutAccuracy = accuracy = holdOutAccuracy(model, slice);
    await options.onStep?.(progress);
  }
  optimizer.dispose();
  return {
    accuracy,
    imagesPerSecond: (steps * batchSize) / (trainMs / 1000),
    steps,
    trainSeconds: trainMs / 1000,
    backend: tf.getBackend(),
  };
}
