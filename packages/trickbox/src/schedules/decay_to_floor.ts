import { checkNumber } from '../check/index.js';
import type { Schedule, WarmupOptions } from './types.js';
import { resolveWarmup, withWarmup } from './warmup.js';

export interface DecayToFloorOptions extends WarmupOptions {
  /** Learning rate at the end of the warmup. */
  lr: number;
  /** Total iterations of the schedule, warmup included. */
  steps: number;
  /** Floor of the decay (default 0). */
  minLr?: number;
}

/**
 * What cosine and linear decay share: their checks, the warmup, and the floor. After warmup, with
 * t = step - warmupSteps and T = steps - warmupSteps, `decay(t, T, lr, minLr)` gives the rate for t < T; from
 * step >= steps the schedule stays at minLr.
 */
export function decayToFloor(
  fn: string,
  opts: DecayToFloorOptions,
  decay: (t: number, T: number, lr: number, minLr: number) => number,
): Schedule {
  const lr = checkNumber(fn, 'lr', opts.lr, { min: 0 });
  const steps = checkNumber(fn, 'steps', opts.steps, { min: 1, integer: true });
  const minLr = checkNumber(fn, 'minLr', opts.minLr ?? 0, {
    min: 0,
    max: lr,
    range: `a finite number in [0, lr = ${lr}]`,
  });
  const w = resolveWarmup(fn, lr, opts, steps);
  const T = steps - w.warmupSteps;
  return withWarmup(fn, lr, w, (step) => {
    const t = step - w.warmupSteps;
    return t >= T ? minLr : decay(t, T, lr, minLr);
  });
}
