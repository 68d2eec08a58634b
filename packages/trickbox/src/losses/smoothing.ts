import * as tf from '@tensorflow/tfjs';
import { checkNumber } from '../check/index.js';

/**
 * Targets already smoothed by a mixer (`mix.*({ labelSmoothing })`) or by `smoothLabels`. The loss refuses to smooth
 * them a second time (docs/architecture.md, "Pitfalls we test": timm's `Mixup(label_smoothing=0.1)` default smoothed silently).
 */
const smoothed = new WeakSet<tf.Tensor>();

/** Marks `t` as already label-smoothed and returns it. */
export function markSmoothed<T extends tf.Tensor>(t: T): T {
  smoothed.add(t);
  return t;
}

/** True when `t` came out of a smoothing step (a mixer with `labelSmoothing > 0`, or `smoothLabels`). */
export function isSmoothed(t: tf.Tensor): boolean {
  return smoothed.has(t);
}

/** Checks a label-smoothing ε: a number in [0, 1). */
export function checkSmoothing(fn: string, eps: unknown): number {
  return checkNumber(fn, 'labelSmoothing', eps ?? 0, { min: 0, max: 1, maxOpen: true, range: 'a number in [0, 1)' });
}

/**
 * Label smoothing (Szegedy et al. 2016, "Rethinking the Inception Architecture", §7): q = (1 - ε)·y + ε/K for
 * probability targets y [B, K]. The result is marked so that a loss does not smooth it again.
 */
export function smoothLabels(y: tf.Tensor, labelSmoothing: number): tf.Tensor2D {
  const fn = 'losses.smoothLabels';
  const eps = checkSmoothing(fn, labelSmoothing);
  if (y.rank !== 2) throw new RangeError(`${fn}: y must be a [B, K] probability tensor, got shape [${y.shape}]`);
  if (isSmoothed(y) && eps > 0)
    throw new Error(
      `${fn}: y is already label-smoothed; smoothing twice would use ε twice (docs/architecture.md, "Pitfalls we test")`,
    );
  const K = y.shape[1]!;
  const out = tf.tidy(() =>
    eps === 0 ? tf.cast(y, 'float32') : tf.add(tf.mul(tf.cast(y, 'float32'), 1 - eps), eps / K),
  );
  return (eps > 0 ? markSmoothed(out) : out) as tf.Tensor2D;
}
