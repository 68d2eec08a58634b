import { checkNumber } from '../check/index.js';
import type { Schedule, WarmupOptions } from './types.js';
import { resolveWarmup, withWarmup } from './warmup.js';

export interface CosineOptions extends WarmupOptions {
  /** Peak learning rate, reached at the end of the warmup. */
  lr: number;
  /** Total iterations of the schedule, warmup included. */
  steps: number;
  /** Floor of the decay (default 0, as Bag of Tricks eq. 3 and torch `CosineAnnealingLR(eta_min=0)`). */
  minLr?: number;
}

/**
 * Cosine decay per iteration (Loshchilov & Hutter 2017, SGDR eq. 5 without restarts; He et al. 2019 Bag of Tricks
 * eq. 3): after warmup, with t = step - warmupSteps and T = steps - warmupSteps,
 * lr_t = minLr + ½(lr - minLr)(1 + cos(π t / T)); for step >= steps the schedule stays at minLr.
 */
export function cosine(opts: CosineOptions): Schedule {
  const fn = 'schedules.cosine';
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
    // SGDR eq. 5 / Bag of Tricks eq. 3 with floor minLr.
    return minLr + 0.5 * (lr - minLr) * (1 + Math.cos((Math.PI * t) / T));
  });
}
