import * as tf from '@tensorflow/tfjs';
import { isNoDecayVariable } from '../optim/weight_decay.js';
import { checkNumber } from '../check/index.js';

export interface PenaltyOptions {
  /** L1 factor λ1 (default 0): adds λ1·Σ|w| (Tibshirani 1996, lasso). */
  l1?: number;
  /** L2 factor λ2 (default 0): adds λ2·Σw² (Tikhonov / ridge; = torch weight_decay wd when λ2 = wd/2). */
  l2?: number;
  /** Skip biases and BN parameters (same rule as the optimizers' noBiasDecay, Bag of Tricks §3.1; default false). */
  noBiasDecay?: boolean;
}

/**
 * L1/L2 penalty over a list of variables, to add to the loss inside the gradient function:
 * λ1·Σ|w| + λ2·Σw². Pass `{ name, tensor }` pairs (or variables, whose names are used) for the no-bias-decay rule.
 */
export function penalty(
  weights: Array<tf.Variable | { name: string; tensor: tf.Tensor }>,
  opts: PenaltyOptions,
): tf.Scalar {
  const fn = 'regularizers.penalty';
  const l1 = checkNumber(fn, 'l1', opts?.l1 ?? 0, { min: 0 });
  const l2 = checkNumber(fn, 'l2', opts?.l2 ?? 0, { min: 0 });
  if (!Array.isArray(weights))
    throw new RangeError(`${fn}: weights must be an array of variables, got ${typeof weights}`);
  return tf.tidy(() => {
    let total: tf.Scalar = tf.scalar(0);
    for (const w of weights) {
      const [name, t] = w instanceof tf.Tensor ? [w.name, w] : [w.name, w.tensor];
      if (opts?.noBiasDecay && isNoDecayVariable(name, t)) continue;
      if (l1 > 0) total = tf.add(total, tf.mul(tf.sum(tf.abs(t)), l1));
      if (l2 > 0) total = tf.add(total, tf.mul(tf.sum(tf.square(t)), l2));
    }
    return total;
  });
}

/** λ1·Σ|w| (L1 penalty). */
export function l1(
  weights: Array<tf.Variable | { name: string; tensor: tf.Tensor }>,
  factor: number,
  noBiasDecay = false,
): tf.Scalar {
  checkNumber('regularizers.l1', 'factor', factor, { min: 0 });
  return penalty(weights, { l1: factor, noBiasDecay });
}

/** λ2·Σw² (L2 penalty). */
export function l2(
  weights: Array<tf.Variable | { name: string; tensor: tf.Tensor }>,
  factor: number,
  noBiasDecay = false,
): tf.Scalar {
  checkNumber('regularizers.l2', 'factor', factor, { min: 0 });
  return penalty(weights, { l2: factor, noBiasDecay });
}
