import * as tf from '@tensorflow/tfjs';
import { isSmoothed, markSmoothed, smoothLabels } from '../losses/smoothing.js';
import type { Rng } from '../rng/index.js';
import { Shown, argError, checkNumber } from '../check/index.js';

/** What every mixer returns: the mixed batch and targets (new tensors, owned by the caller). */
export interface Mixed {
  x: tf.Tensor4D;
  y: tf.Tensor2D;
}

/** Options shared by the mixers. */
export interface MixCommonOptions {
  /** Seeded generator for the random draws (required unless every random parameter is fixed). */
  rng?: Rng;
  /**
   * Label smoothing ε in [0, 1) applied to `y` before mixing (smooth first, then mix); the output is marked so that a
   * loss refuses to smooth it again (docs/architecture.md, "Pitfalls we test"). Default 0: no smoothing here (do it in the loss, or here, never both).
   */
  labelSmoothing?: number;
}

/** Validates x [B,H,W,C] float32 and y [B,K] float32 with B >= 2; returns [B, H, W, C, K]. */
export function checkBatch(fn: string, x: tf.Tensor, y: tf.Tensor): [number, number, number, number, number] {
  if (!(x instanceof tf.Tensor) || x.rank !== 4 || x.dtype !== 'float32')
    throw argError(
      fn,
      'x',
      'a float32 [B, H, W, C] tensor',
      x instanceof tf.Tensor ? new Shown(`${x.dtype} [${x.shape}]`) : x,
    );
  const [B, H, W, C] = x.shape as [number, number, number, number];
  if (!(y instanceof tf.Tensor) || y.rank !== 2 || y.dtype !== 'float32' || y.shape[0] !== B)
    throw argError(
      fn,
      'y',
      `float32 probabilities [${B}, K] (one-hot or soft targets; convert int labels with tf.oneHot)`,
      y instanceof tf.Tensor ? new Shown(`${y.dtype} [${y.shape}]`) : y,
    );
  if (B < 2)
    throw argError(
      fn,
      'x',
      'a batch of at least 2 samples (mixing pairs a sample with another one)',
      new Shown(`a batch of ${B}`),
    );
  return [B, H, W, C, y.shape[1]!];
}

/** The generator, or an error naming the field when a random draw is needed and none was given. */
export function needRng(fn: string, rng: Rng | undefined, what: string): Rng {
  if (rng === undefined || rng === null || typeof (rng as Rng).next !== 'function')
    throw argError(fn, 'rng', `a seeded Rng (needed to draw ${what}; or pass ${what} explicitly)`, rng);
  return rng;
}

/** A given permutation (checked to be one of 0..B-1) or one drawn from the rng. */
export function resolvePermutation(
  fn: string,
  field: string,
  given: ArrayLike<number> | undefined,
  B: number,
  rng: Rng | undefined,
): Int32Array {
  if (given === undefined) return needRng(fn, rng, field).permutation(B);
  const p = Int32Array.from(given as ArrayLike<number>);
  const seen = new Uint8Array(B);
  let ok = p.length === B;
  for (let i = 0; ok && i < B; i++) {
    const v = p[i]!;
    if (!(v >= 0 && v < B) || seen[v] || given[i] !== v) ok = false;
    else seen[v] = 1;
  }
  if (!ok) throw argError(fn, field, `a permutation of 0..${B - 1}`, Array.from(given as ArrayLike<number>));
  return p;
}

/** Checks α > 0 of a Beta(α, α) draw. */
export function checkAlpha(fn: string, field: string, alpha: unknown): number {
  return checkNumber(fn, field, alpha, { min: 0, minOpen: true, range: 'a finite number > 0 (Beta(α, α) parameter)' });
}

/** Checks a fixed λ in [0, 1]. */
export function checkLambda(fn: string, lambda: unknown): number {
  return checkNumber(fn, 'lambda', lambda, { min: 0, max: 1, range: 'a number in [0, 1]' });
}

/** Targets before mixing: smoothed when asked (once; throws if already smoothed), always float32. */
export function prepareTargets(
  fn: string,
  y: tf.Tensor,
  labelSmoothing: number | undefined,
): { y: tf.Tensor2D; smoothed: boolean } {
  const eps = checkNumber(fn, 'labelSmoothing', labelSmoothing ?? 0, {
    min: 0,
    max: 1,
    maxOpen: true,
    range: 'a number in [0, 1)',
  });
  if (eps > 0 && isSmoothed(y))
    throw new Error(
      `${fn}: labelSmoothing ${eps} requested on targets that are already smoothed; smooth once (docs/architecture.md, "Pitfalls we test")`,
    );
  if (eps === 0) return { y: y as tf.Tensor2D, smoothed: isSmoothed(y) };
  return { y: smoothLabels(y, eps), smoothed: true };
}

/** Marks mixed targets as smoothed when their inputs were. */
export function finishTargets(y: tf.Tensor2D, smoothed: boolean): tf.Tensor2D {
  return smoothed ? markSmoothed(y) : y;
}

/** Gathers rows of a tensor by a permutation. */
export function permuteRows<T extends tf.Tensor>(t: T, perm: Int32Array): T {
  return tf.tidy(() => tf.gather(t, tf.tensor1d(perm, 'int32')) as T);
}
