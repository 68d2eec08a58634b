import { argError, checkNumber } from '../check/index.js';
import type { Schedule } from './types.js';
import { checkStep } from './warmup.js';

export interface GradualWarmupOptions {
  /** The optimizer's base learning rate (`base_lr` of the seed's class). */
  lr: number;
  /** Target lr = lr · multiplier; must be > 1 (the seed's class raises `multiplier should be greater than 1.`). */
  multiplier: number;
  /** Epochs of the warmup (`total_epoch`). */
  totalEpochs: number;
  /**
   * Schedule used after the warmup (`after_scheduler`), built from the base lr it is handed: the seed's class sets
   * the after-scheduler's `base_lrs` to lr · multiplier, so `after` receives that value, e.g.
   * `(lr) => schedules.cosine({ lr, steps: 100 })`. Its argument is the after-scheduler's own epoch (from 0).
   */
  after?: (baseLr: number) => Schedule;
}

/**
 * The seed article's `GradualWarmupScheduler` (Goyal et al. 2017 §2.2 gradual warmup), epoch by epoch, as it behaves
 * with torch.optim.lr_scheduler (1.x): the returned function maps the number of `scheduler.step()` calls made since
 * construction (epoch e = 0, 1, ...) to the optimizer's lr.
 * - e <= totalEpochs: lr · ((multiplier - 1) · e / totalEpochs + 1)
 * - no `after`: lr · multiplier for e > totalEpochs
 * - with `after`: at e = totalEpochs + 1 the class hands over (sets `after.base_lrs`) and returns the after-scheduler's
 *   lr at its own epoch 0 (= lr · multiplier, which it therefore holds for two epochs); from then on it delegates
 *   `step()`, so epoch e uses `after(lr · multiplier)(e - totalEpochs - 1)`.
 */
export function gradualWarmup(opts: GradualWarmupOptions): Schedule {
  const fn = 'schedules.gradualWarmup';
  const lr = checkNumber(fn, 'lr', opts.lr, { min: 0 });
  const multiplier = checkNumber(fn, 'multiplier', opts.multiplier, { min: 1, minOpen: true });
  const totalEpochs = checkNumber(fn, 'totalEpochs', opts.totalEpochs, { min: 1, integer: true });
  if (opts.after !== undefined && typeof opts.after !== 'function')
    throw argError(fn, 'after', 'a function (baseLr) => schedule', opts.after);
  const target = lr * multiplier;
  const after = opts.after ? opts.after(target) : undefined;
  if (after !== undefined && typeof after !== 'function')
    throw argError(fn, 'after(baseLr)', 'a schedule function (epoch) => lr', after);
  return (epoch: number): number => {
    checkStep(fn, epoch);
    const e = Math.floor(epoch);
    // Seed's get_lr(): base_lr · ((multiplier - 1) · last_epoch / total_epoch + 1).
    if (e <= totalEpochs) return lr * (((multiplier - 1) * e) / totalEpochs + 1);
    if (!after) return target;
    return after(e - totalEpochs - 1);
  };
}
