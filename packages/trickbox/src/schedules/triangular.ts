import { checkNumber } from '../check/index.js';
import type { Schedule, WarmupOptions } from './types.js';
import { refuseWarmup } from './no_warmup.js';
import { checkStep } from './warmup.js';

export interface TriangularOptions extends WarmupOptions {
  /** Peak learning rate. */
  lr: number;
  /** Iterations of training: the schedule reaches endFactor·lr at iteration `steps` (after the last one). */
  steps: number;
  /** The peak is at iteration floor(peakFraction · steps) (default 0.23, as airbench94). */
  peakFraction?: number;
  /** lr at iteration 0 = startFactor · lr (default 0.2, as airbench94). */
  startFactor?: number;
  /** lr at iteration `steps` = endFactor · lr (default 0.07, as airbench94). */
  endFactor?: number;
}

/**
 * Triangular (piecewise-linear) schedule of the fast CIFAR-10 trainers (Page 2018, DAWNBench ResNet; Jordan 2024,
 * airbench94's `triangle`), per iteration from 0: the lr interpolates linearly through the knots
 *   (0, startFactor·lr), (P, lr), (steps, endFactor·lr),   P = floor(peakFraction · steps)
 * and stays at endFactor·lr from iteration `steps` on. Its rising segment is the warmup: the shared warmup options
 * are refused.
 */
export function triangular(opts: TriangularOptions): Schedule {
  const fn = 'schedules.triangular';
  const lr = checkNumber(fn, 'lr', opts.lr, { min: 0 });
  const steps = checkNumber(fn, 'steps', opts.steps, { min: 1, integer: true });
  const unit = { min: 0, max: 1, range: 'a number in [0, 1]' };
  const peakFraction = checkNumber(fn, 'peakFraction', opts.peakFraction ?? 0.23, unit);
  const startFactor = checkNumber(fn, 'startFactor', opts.startFactor ?? 0.2, unit);
  const endFactor = checkNumber(fn, 'endFactor', opts.endFactor ?? 0.07, unit);
  refuseWarmup(fn, opts, 'it rises from startFactor·lr to lr over the first peakFraction of the iterations');
  const peak = Math.floor(peakFraction * steps);
  return (step: number): number => {
    checkStep(fn, step);
    if (step >= steps) return endFactor * lr;
    if (step < peak) return lr * (startFactor + ((1 - startFactor) * step) / peak);
    return lr * (1 + ((endFactor - 1) * (step - peak)) / (steps - peak));
  };
}
