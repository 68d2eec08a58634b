import * as tf from '@tensorflow/tfjs';
import {
  checkAlpha,
  checkBatch,
  checkLambda,
  finishTargets,
  needRng,
  permuteRows,
  prepareTargets,
  resolvePermutation,
  type MixCommonOptions,
  type Mixed,
} from './common.js';

export interface MixupOptions extends MixCommonOptions {
  /** Beta(α, α) parameter, α > 0 (no default in the paper; mixup paper CIFAR-10 α = 1, Bag of Tricks ImageNet 0.2). */
  alpha?: number;
  /** Fixed λ in [0, 1] (otherwise λ ~ Beta(α, α) from `rng`). */
  lambda?: number;
  /** Fixed partner of each sample, a permutation of 0..B-1 (otherwise `rng.permutation(B)`). */
  permutation?: ArrayLike<number>;
}

export interface MixupResult extends Mixed {
  lambda: number;
  permutation: Int32Array;
}

/**
 * mixup (Zhang et al. 2018, eq. 1): x̂ = λ x + (1-λ) x[π], ŷ = λ y + (1-λ) y[π], λ ~ Beta(α, α), π a random
 * permutation of the batch (works for odd batches, unlike a batch flip). Draw order: λ, then π.
 */
export function mixup(x: tf.Tensor, y: tf.Tensor, opts: MixupOptions): MixupResult {
  const fn = 'mix.mixup';
  checkBatch(fn, x, y);
  const B = x.shape[0]!;
  let lambda: number;
  if (opts.lambda !== undefined) {
    lambda = checkLambda(fn, opts.lambda);
    if (opts.alpha !== undefined) checkAlpha(fn, 'alpha', opts.alpha);
  } else {
    const alpha = checkAlpha(fn, 'alpha', opts.alpha);
    lambda = needRng(fn, opts.rng, 'lambda').beta(alpha, alpha);
  }
  const permutation = resolvePermutation(fn, 'permutation', opts.permutation, B, opts.rng);
  const t = prepareTargets(fn, y, opts.labelSmoothing);
  const out = tf.tidy(() => {
    const mx = tf.add(tf.mul(x, lambda), tf.mul(permuteRows(x, permutation), 1 - lambda)) as tf.Tensor4D;
    const my = tf.add(tf.mul(t.y, lambda), tf.mul(permuteRows(t.y, permutation), 1 - lambda)) as tf.Tensor2D;
    return { x: mx, y: my };
  });
  if (t.y !== y) t.y.dispose();
  return { x: out.x, y: finishTargets(out.y, t.smoothed), lambda, permutation };
}
