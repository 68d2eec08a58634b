// Explicit seeds for tfjs's random initialisers and dropout. Without a seed tfjs draws one from Math.random each time
// an initialiser runs or dropout draws a mask (tfjs-core rand_util); here the draws come from a seeded Rng passed in,
// in the same order, so nothing global is replaced and a seed gives the same model in every process.
import type * as tf from '@tensorflow/tfjs';
import { Rng } from '../rng/index.js';

/** Draws one seed per call. */
export type SeedSource = () => number;

/** A source of seeds drawn from `new Rng(seed)`; undefined without a seed (tfjs then uses Math.random). */
export function seedSource(seed: number | undefined): SeedSource | undefined {
  if (seed === undefined) return undefined;
  const rng = new Rng(seed);
  return () => rng.next();
}

/**
 * Makes `init` draw its seed from `seeds` each time it initialises a weight — when tfjs would call Math.random, so a
 * model built with `seedSource(s)` has the weights it had when Math.random itself drew from `new Rng(s)`.
 */
export function drawSeedOnApply<T extends tf.serialization.Serializable>(init: T, seeds?: SeedSource): T {
  if (!seeds) return init;
  const target = init as unknown as { seed?: number; apply(shape: number[], dtype?: tf.DataType): tf.Tensor };
  const apply = target.apply.bind(target);
  target.apply = (shape, dtype) => {
    target.seed = seeds();
    return apply(shape, dtype);
  };
  return init;
}

/**
 * Gives every Dropout layer of `model`, in layer order (the order a forward pass calls them), a seed from `seeds`:
 * call it before each training step so masks differ between steps yet repeat for the same step after a resume.
 */
export function reseedDropout(model: tf.LayersModel, seeds: SeedSource): void {
  for (const layer of model.layers) {
    if (layer.getClassName() === 'Dropout') (layer as unknown as { seed?: number }).seed = seeds();
  }
}
