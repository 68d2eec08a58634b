import { argError, checkNumber } from '../check/index.js';
import type { Schedule, WarmupOptions } from './types.js';

export interface ResolvedWarmup {
  warmupSteps: number;
  warmupInit: number;
  warmupMode: 'linear' | 'constant';
}

/** Validates the warmup options of schedule `fn` (warmup must not be longer than `steps` when given). */
export function resolveWarmup(fn: string, lr: number, opts: WarmupOptions, steps?: number): ResolvedWarmup {
  const warmupSteps = checkNumber(fn, 'warmupSteps', opts.warmupSteps ?? 0, { min: 0, integer: true });
  const warmupInit = checkNumber(fn, 'warmupInit', opts.warmupInit ?? 0, { min: 0 });
  const warmupMode = opts.warmupMode ?? 'linear';
  if (warmupMode !== 'linear' && warmupMode !== 'constant')
    throw argError(fn, 'warmupMode', "'linear' or 'constant'", warmupMode);
  if (steps !== undefined && warmupSteps > steps)
    throw argError(
      fn,
      'warmupSteps',
      `<= steps (${steps}): the warmup cannot be longer than the schedule`,
      warmupSteps,
    );
  void lr;
  return { warmupSteps, warmupInit, warmupMode };
}

/** Checks a step index passed to a schedule: a finite number >= 0. */
export function checkStep(fn: string, step: number): void {
  if (typeof step !== 'number' || !Number.isFinite(step) || step < 0)
    throw argError(fn, 'step', 'a finite number >= 0 (iterations counted from 0)', step);
}

/**
 * Wraps `after` (called only for step >= warmupSteps) with the warmup of docs/architecture.md, "Public API":
 * linear: warmupInit + (lr - warmupInit)·step/warmupSteps (Goyal et al. 2017 §2.2, "gradual warmup");
 * constant: warmupInit (He et al. 2016 §4.2, 0.01 for ~400 iterations before 0.1).
 */
export function withWarmup(fn: string, lr: number, w: ResolvedWarmup, after: Schedule): Schedule {
  const { warmupSteps, warmupInit, warmupMode } = w;
  return (step: number): number => {
    checkStep(fn, step);
    if (step < warmupSteps) {
      if (warmupMode === 'constant') return warmupInit;
      return warmupInit + ((lr - warmupInit) * step) / warmupSteps;
    }
    return after(step);
  };
}
