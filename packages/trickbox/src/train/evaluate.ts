// Evaluation: top-1, top-5, mean cross-entropy and the confusion matrix, optionally with test-time flip averaging.
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/index.js';
import { DataLoader } from '../data/index.js';
import { flipTtaPlugin } from '../tta/index.js';

export interface EvalResult {
  loss: number;
  top1: number;
  top5: number;
  count: number;
  /** confusion[true][predicted] counts. */
  confusion: number[][];
}

/** The model's output for a whole batch in one call (predict's default batchSize of 32 would split it). */
export function predictBatch(model: tf.LayersModel, x: tf.Tensor4D): tf.Tensor2D {
  return model.predict(x, { batchSize: Math.max(1, x.shape[0]) }) as tf.Tensor2D;
}

/** Class probabilities of a normalised batch; with `flipTta` the mean of the image's and its mirror's softmax. */
export function predictProbs(model: tf.LayersModel, x: tf.Tensor4D, flipTta: boolean): tf.Tensor2D {
  return tf.tidy(() => {
    const softmax = (v: tf.Tensor4D) => tf.softmax(predictBatch(model, v)) as tf.Tensor2D;
    return flipTta ? flipTtaPlugin().inference!(x, softmax) : softmax(x);
  });
}

/**
 * Top-1, top-5, loss and confusion matrix of `model` on `ds`. `predict` replaces the model's softmax (test-time
 * augmentation plug-ins compose one: train/epoch_record.ts); `flipTta` is the shorthand for flip averaging.
 */
export async function evaluate(
  model: tf.LayersModel,
  ds: Dataset,
  {
    mean,
    std,
    batchSize = 500,
    flipTta = false,
    predict,
  }: {
    mean: number[];
    std: number[];
    batchSize?: number;
    flipTta?: boolean;
    predict?: (x: tf.Tensor4D) => tf.Tensor2D;
  },
): Promise<EvalResult> {
  const probsOf = predict ?? ((x: tf.Tensor4D) => predictProbs(model, x, flipTta));
  const K = ds.classNames.length;
  const confusion = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  const loader = new DataLoader(ds, { batchSize, mean, std, shuffle: false, workers: 0 });
  let lossSum = 0;
  let top1 = 0;
  let top5 = 0;
  let count = 0;
  for await (const b of loader.epoch(0)) {
    const probs = tf.tidy(() => probsOf(tf.tensor4d(b.x, b.shape)));
    const p = (await probs.data()) as Float32Array;
    probs.dispose();
    for (let i = 0; i < b.y.length; i++) {
      const row = p.subarray(i * K, (i + 1) * K);
      const y = b.y[i];
      const py = row[y];
      lossSum += -Math.log(Math.max(py, 1e-12)); // cross-entropy of the (averaged) probabilities
      // a NaN probability (diverged weights) is never a hit: NaN compares false with everything, so it would rank 0
      let rank = Number.isNaN(py) ? Infinity : 0;
      let arg = 0;
      for (let k = 0; k < K; k++) {
        if (row[k] > py || (row[k] === py && k < y)) rank++;
        if (row[k] > row[arg]) arg = k;
      }
      if (rank === 0) top1++;
      if (rank < 5) top5++;
      confusion[y][arg]++;
      count++;
    }
  }
  return { loss: lossSum / count, top1: top1 / count, top5: top5 / count, count, confusion };
}
