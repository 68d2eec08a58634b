import { decayToFloor, type DecayToFloorOptions } from './decay_to_floor.js';
import type { Schedule } from './types.js';

/** `minLr` defaults to 0: linear to zero. */
export type LinearOptions = DecayToFloorOptions;

/**
 * Linear decay after warmup (torch `LinearLR(start_factor=1, end_factor=minLr/lr)` over the iterations after warmup;
 * the linear-to-zero schedule of many transformer recipes with minLr 0): with t = step - warmupSteps and
 * T = steps - warmupSteps, lr_t = minLr + (lr - minLr)(1 - t / T); for step >= steps the schedule stays at minLr.
 */
export function linear(opts: LinearOptions): Schedule {
  return decayToFloor('schedules.linear', opts, (t, T, lr, minLr) => minLr + (lr - minLr) * (1 - t / T));
}
