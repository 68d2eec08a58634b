import type * as tf from '@tensorflow/tfjs';

/**
 * "No bias decay" rule (He et al. 2019, Bag of Tricks §3.1: weight decay only on the weights of convolutions and
 * fully-connected layers; biases and BN γ, β are not decayed). A variable is exempt when
 * - its name ends in `bias`, `beta` or `gamma` (tfjs-layers names: `dense_Dense1/bias`,
 *   `batch_normalization_BatchNormalization1/gamma`; an optional `_<n>` de-duplication suffix is allowed), or
 * - its rank is 0 or 1 (biases and BN parameters are vectors; every kernel has rank >= 2).
 */
export const NO_DECAY_NAME = /(^|[/_.:])(bias|beta|gamma)(_\d+)?$/i;

export function isNoDecayVariable(name: string, variable: tf.Tensor): boolean {
  return variable.rank <= 1 || NO_DECAY_NAME.test(name);
}

/** Per-variable filter: true when weight decay applies to the variable. */
export type WeightDecayFilter = (name: string, variable: tf.Variable) => boolean;
