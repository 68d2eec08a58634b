import * as tf from '@tensorflow/tfjs';
import { Shown, argError, checkNumber } from '../check/index.js';
import { checkLogitsAndLabels, crossEntropy } from './cross_entropy.js';

export interface DistillationOptions {
  /** Softmax temperature T > 0 (no default: Hinton et al. 2015 leave it to tuning; Bag of Tricks §5.4 uses T = 20). */
  temperature: number;
  /** Weight α in [0, 1] of the soft term; 1 - α weighs the hard cross-entropy. */
  alpha: number;
  /** Label smoothing ε for the hard term (default 0). */
  labelSmoothing?: number;
}

/** Identity in the forward pass, zero gradient: the teacher is never trained through the distillation loss. */
const stopGradient = tf.customGrad((...inputs) => {
  const x = inputs[0] as tf.Tensor;
  return { value: x.clone(), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
}) as (x: tf.Tensor) => tf.Tensor;

/**
 * (z - max z) / T: shift first (exact in float32 for nearby logits), then divide, so that logits of ±1e4 keep
 * their differences at temperature T. The shift leaves softmax unchanged, so it carries no gradient.
 */
function scaled(z: tf.Tensor, T: number): tf.Tensor {
  return tf.div(tf.sub(z, stopGradient(tf.max(z, 1, true))), T);
}

/**
 * Knowledge distillation (Hinton et al. 2015 §2; Bag of Tricks eq. 6 in KL form):
 * (1 - α)·CE(y, z) + α·T²·KL(softmax(r/T) ‖ softmax(z/T)), KL averaged over the batch (torch
 * `kl_div(reduction='batchmean')`); z student logits, r teacher logits (no gradient flows into r). T² keeps the soft
 * gradients' scale independent of T (Hinton et al. 2015 §2.1). Both terms use log-softmax (stable for ±1e4).
 */
export function distillation(
  labels: tf.Tensor,
  studentLogits: tf.Tensor,
  teacherLogits: tf.Tensor,
  opts: DistillationOptions,
): tf.Scalar {
  const fn = 'losses.distillation';
  if (opts === undefined || opts === null) throw argError(fn, 'options', '{ temperature, alpha }', opts);
  const T = checkNumber(fn, 'temperature', opts.temperature, { min: 0, minOpen: true });
  const alpha = checkNumber(fn, 'alpha', opts.alpha, { min: 0, max: 1, range: 'a number in [0, 1]' });
  const [B, K] = checkLogitsAndLabels(fn, labels, studentLogits);
  if (
    !(teacherLogits instanceof tf.Tensor) ||
    teacherLogits.rank !== 2 ||
    teacherLogits.shape[0] !== B ||
    teacherLogits.shape[1] !== K
  )
    throw argError(
      fn,
      'teacherLogits',
      `a [${B}, ${K}] tensor matching studentLogits`,
      teacherLogits instanceof tf.Tensor ? new Shown(`shape [${teacherLogits.shape}]`) : teacherLogits,
    );
  return tf.tidy(() => {
    const hard = crossEntropy(labels, studentLogits, { labelSmoothing: opts.labelSmoothing ?? 0 });
    if (alpha === 0) return hard;
    const r = stopGradient(tf.cast(teacherLogits, 'float32'));
    const logP = tf.logSoftmax(scaled(r, T)); // teacher log-probabilities at temperature T
    const logQ = tf.logSoftmax(scaled(tf.cast(studentLogits, 'float32'), T)); // student
    // KL(p ‖ q) = Σ_k p_k (log p_k - log q_k), batch mean.
    const kl = tf.div(tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, logQ))), B);
    return tf.add(tf.mul(hard, 1 - alpha), tf.mul(kl, alpha * T * T)) as tf.Scalar;
  });
}
