import * as tf from '@tensorflow/tfjs';
import { Shown, argError } from '../check/index.js';
import { checkSmoothing, isSmoothed } from './smoothing.js';

export interface CrossEntropyOptions {
  /**
   * Label smoothing ε in [0, 1) (default 0, as torch `cross_entropy`; Bag of Tricks uses 0.1, Szegedy et al. 2016 §7).
   * Throws if the targets were already smoothed by a mixer.
   */
  labelSmoothing?: number;
}

/** Checks logits [B, K] and labels (int32 [B] or float [B, K]); returns [B, K]. */
export function checkLogitsAndLabels(
  fn: string,
  labels: tf.Tensor,
  logits: tf.Tensor,
  labelsField = 'labels',
): [number, number] {
  if (!(logits instanceof tf.Tensor) || logits.rank !== 2)
    throw argError(
      fn,
      'logits',
      'a [B, K] float tensor',
      logits instanceof tf.Tensor ? new Shown(`shape [${logits.shape}]`) : logits,
    );
  const [B, K] = logits.shape as [number, number];
  if (!(labels instanceof tf.Tensor)) throw argError(fn, labelsField, 'a tensor', labels);
  if (labels.rank === 1) {
    if (labels.dtype !== 'int32')
      throw argError(
        fn,
        labelsField,
        'int32 class indices [B] or float probabilities [B, K]',
        new Shown(`${labels.dtype} [${labels.shape}]`),
      );
    if (labels.shape[0] !== B)
      throw argError(
        fn,
        labelsField,
        `int32 class indices of shape [${B}] to match logits [${B}, ${K}]`,
        new Shown(`shape [${labels.shape}]`),
      );
  } else if (labels.rank === 2) {
    if (labels.dtype !== 'float32')
      throw argError(
        fn,
        labelsField,
        'float32 probabilities [B, K] (or int32 indices [B])',
        new Shown(`${labels.dtype} [${labels.shape}]`),
      );
    if (labels.shape[0] !== B || labels.shape[1] !== K)
      throw argError(
        fn,
        labelsField,
        `probabilities of shape [${B}, ${K}] to match logits`,
        new Shown(`shape [${labels.shape}]`),
      );
  } else {
    throw argError(
      fn,
      labelsField,
      'int32 class indices [B] or float probabilities [B, K]',
      new Shown(`shape [${labels.shape}]`),
    );
  }
  return [B, K];
}

/**
 * Target distribution q [B, K]: one-hot or the given probabilities, smoothed as q = (1 - ε)·y + ε/K
 * (Szegedy et al. 2016 §7; = torch `cross_entropy(label_smoothing=ε)` for both target kinds).
 */
export function targetDistribution(labels: tf.Tensor, K: number, eps: number): tf.Tensor2D {
  return tf.tidy(() => {
    const y = labels.rank === 1 ? tf.cast(tf.oneHot(labels as tf.Tensor1D, K), 'float32') : labels;
    return (eps === 0 ? y : tf.add(tf.mul(y, 1 - eps), eps / K)) as tf.Tensor2D;
  });
}

/**
 * Mean cross-entropy H(q, softmax(z)) = -Σ_k q_k log softmax(z)_k over the batch, computed with log-softmax
 * (max-shifted, stable for logits of ±1e4). Labels: int32 class indices [B] or probabilities [B, K] (soft targets
 * from mixup / CutMix / RICAP).
 */
export function crossEntropy(labels: tf.Tensor, logits: tf.Tensor, opts: CrossEntropyOptions = {}): tf.Scalar {
  const fn = 'losses.crossEntropy';
  const eps = checkSmoothing(fn, opts.labelSmoothing);
  const [, K] = checkLogitsAndLabels(fn, labels, logits);
  if (eps > 0 && isSmoothed(labels))
    throw new Error(
      `${fn}: labelSmoothing ${eps} requested on targets that a mixer already smoothed; smooth once (docs/architecture.md, "Pitfalls we test"): ` +
        'drop labelSmoothing from the loss or from the mixer',
    );
  return tf.tidy(() => {
    const q = targetDistribution(labels, K, eps);
    const logp = tf.logSoftmax(tf.cast(logits, 'float32'));
    return tf.neg(tf.mean(tf.sum(tf.mul(q, logp), 1))) as tf.Scalar;
  });
}
