import { decayToFloor, type DecayToFloorOptions } from './decay_to_floor.js';
import type { Schedule } from './types.js';

/** `lr` is the peak, reached at the end of the warmup; `minLr` defaults to 0, as Bag of Tricks eq. 3 and torch
 * `CosineAnnealingLR(eta_min=0)`. */
export type CosineOptions = DecayToFloorOptions;

/**
 * Cosine decay per iteration (Loshchilov & Hutter 2017, SGDR eq. 5 without restarts; He et al. 2019 Bag of Tricks
 * eq. 3): after warmup, with t = step - warmupSteps and T = steps - warmupSteps,
 * lr_t = minLr + ½(lr - minLr)(1 + cos(π t / T)); for step >= steps the schedule stays at minLr.
 */
export function cosine(opts: CosineOptions): Schedule {
  return decayToFloor(
    'schedules.cosine',
    opts,
    (t, T, lr, minLr) => minLr + 0.5 * (lr - minLr) * (1 + Math.cos((Math.PI * t) / T)),
  );
}
