import { checkNumber } from '../check/index.js';
import type { Schedule, WarmupOptions } from './types.js';
import { resolveWarmup, withWarmup } from './warmup.js';

export interface LinearOptions extends WarmupOptions {
  /** Learning rate at the end of the warmup. */
  lr: number;
  /** Total iterations of the schedule, warmup included. */
  steps: number;
  /** Floor of the decay (default 0: linear to zero). */
  minLr?: number;
}

/**
 * Linear decay after warmup (torch `LinearLR(start_factor=1, end_factor=minLr/lr)` over the iterations after warmup;
 * the linear-to-zero schedule of many transformer recipes with minLr 0): with t = step - warmupSteps and
 * T = steps - warmupSteps, lr_t = minLr + (lr - minLr)(1 - t / T); for step >= steps the schedule stays at minLr.
 */
export function linear(opts: LinearOptions): Schedule {
  const fn = 'schedules.linear';
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
    if (t >= T) return minLr;
    return minLr + (lr - minLr) * (1 - t / T);
  });
}
