import { argError, checkNumber } from '../check/index.js';
import type { Schedule, WarmupOptions } from './types.js';
import { refuseWarmup } from './no_warmup.js';
import { checkStep } from './warmup.js';

export type OneCycleAnneal = 'cos' | 'linear';

export interface OneCycleOptions extends WarmupOptions {
  /** Peak learning rate (torch `max_lr`), reached at the end of the first phase. */
  lr: number;
  /** Total iterations of the schedule (torch `total_steps`). */
  steps: number;
  /** Fraction of the iterations spent rising (default 0.3, torch `pct_start`). */
  pctStart?: number;
  /** Initial lr = lr / divFactor (default 25, torch `div_factor`). */
  divFactor?: number;
  /** Final lr = initial lr / finalDivFactor (default 1e4, torch `final_div_factor`). */
  finalDivFactor?: number;
  /** Interpolation inside each phase (default 'cos', torch `anneal_strategy`). */
  anneal?: OneCycleAnneal;
}

/** torch `_annealing_cos`: from `start` (pct 0) to `end` (pct 1) along half a cosine. */
function annealCos(start: number, end: number, pct: number): number {
  return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
}

/** torch `_annealing_linear`. */
function annealLinear(start: number, end: number, pct: number): number {
  return (end - start) * pct + start;
}

/**
 * One-cycle policy (Smith & Topin 2018, "Super-Convergence", §3), two phases as torch.optim.lr_scheduler.OneCycleLR
 * with three_phase=False, per iteration from 0:
 *   initial = lr / divFactor, final = initial / finalDivFactor, p = pctStart·steps - 1 (the iteration of the peak)
 *   step <= p:  anneal(initial → lr, step / p)
 *   step >  p:  anneal(lr → final, (step - p) / (steps - 1 - p))
 * It reaches `final` at the last iteration (steps - 1) and stays there after (torch raises past `total_steps`).
 * Its rising phase is the warmup: the shared warmup options are refused.
 */
export function onecycle(opts: OneCycleOptions): Schedule {
  const fn = 'schedules.onecycle';
  const lr = checkNumber(fn, 'lr', opts.lr, { min: 0 });
  const steps = checkNumber(fn, 'steps', opts.steps, { min: 2, integer: true });
  const pctStart = checkNumber(fn, 'pctStart', opts.pctStart ?? 0.3, {
    min: 0,
    max: 1,
    minOpen: true,
    maxOpen: true,
    range: 'a number in (0, 1)',
  });
  const divFactor = checkNumber(fn, 'divFactor', opts.divFactor ?? 25, { min: 0, minOpen: true });
  const finalDivFactor = checkNumber(fn, 'finalDivFactor', opts.finalDivFactor ?? 1e4, { min: 0, minOpen: true });
  const anneal = opts.anneal ?? 'cos';
  if (anneal !== 'cos' && anneal !== 'linear') throw argError(fn, 'anneal', "'cos' or 'linear'", anneal);
  refuseWarmup(fn, opts, 'its first pctStart of the iterations');
  const peak = pctStart * steps - 1;
  // torch divides by the phase lengths: both must be positive
  if (!(peak > 0))
    throw argError(fn, 'pctStart', `> 1 / steps = ${1 / steps} (the rising phase needs two iterations)`, pctStart);
  const last = steps - 1;
  const initial = lr / divFactor;
  const final = initial / finalDivFactor;
  const interpolate = anneal === 'cos' ? annealCos : annealLinear;
  return (step: number): number => {
    checkStep(fn, step);
    if (step <= peak) return interpolate(initial, lr, step / peak);
    if (step >= last) return final;
    return interpolate(lr, final, (step - peak) / (last - peak));
  };
}
