import { argError, checkNumber } from '../check/index.js';
import type { Schedule, WarmupOptions } from './types.js';
import { resolveWarmup, withWarmup } from './warmup.js';

export interface StepOptions extends WarmupOptions {
  lr: number;
  /** Decay every `stepSize` iterations, counted from step 0 (as torch `StepLR` counts epochs from 0). */
  stepSize: number;
  /** Multiplicative factor (default 0.1: torch `StepLR`, ResNet paper ÷10). */
  gamma?: number;
}

/**
 * Step decay (torch `StepLR`): lr · gamma^floor(step / stepSize). Steps are absolute (the warmup does not shift the
 * decay points); during warmup the warmup rule applies.
 */
export function step(opts: StepOptions): Schedule {
  const fn = 'schedules.step';
  const lr = checkNumber(fn, 'lr', opts.lr, { min: 0 });
  const stepSize = checkNumber(fn, 'stepSize', opts.stepSize, { min: 1, integer: true });
  const gamma = checkNumber(fn, 'gamma', opts.gamma ?? 0.1, { min: 0 });
  const w = resolveWarmup(fn, lr, opts);
  return withWarmup(fn, lr, w, (s) => lr * Math.pow(gamma, Math.floor(s / stepSize)));
}

export interface MultiStepOptions extends WarmupOptions {
  lr: number;
  /** Increasing iteration indices at which the lr is multiplied by `gamma` (torch `MultiStepLR` milestones). */
  milestones: number[];
  /** Multiplicative factor (default 0.1: torch `MultiStepLR`; ResNet/Random Erasing ÷10 at 150/225 epochs). */
  gamma?: number;
}

/** Multi-step decay (torch `MultiStepLR`): lr · gamma^(number of milestones <= step). */
export function multiStep(opts: MultiStepOptions): Schedule {
  const fn = 'schedules.multiStep';
  const lr = checkNumber(fn, 'lr', opts.lr, { min: 0 });
  const gamma = checkNumber(fn, 'gamma', opts.gamma ?? 0.1, { min: 0 });
  const ms = opts.milestones;
  if (!Array.isArray(ms)) throw argError(fn, 'milestones', 'an array of increasing integers >= 0', ms);
  for (let i = 0; i < ms.length; i++) {
    const m = ms[i];
    if (typeof m !== 'number' || !Number.isInteger(m) || m < 0 || (i > 0 && m <= ms[i - 1]!))
      throw argError(fn, 'milestones', 'an array of strictly increasing integers >= 0', ms);
  }
  const milestones = ms.slice();
  const w = resolveWarmup(fn, lr, opts);
  return withWarmup(fn, lr, w, (s) => {
    let n = 0;
    while (n < milestones.length && milestones[n]! <= s) n++;
    return lr * Math.pow(gamma, n);
  });
}

export interface ExponentialOptions extends WarmupOptions {
  lr: number;
  /** Per-iteration factor (torch `ExponentialLR` gamma, required there too). */
  gamma: number;
}

/** Exponential decay (torch `ExponentialLR`): lr · gamma^step, steps absolute. */
export function exponential(opts: ExponentialOptions): Schedule {
  const fn = 'schedules.exponential';
  const lr = checkNumber(fn, 'lr', opts.lr, { min: 0 });
  const gamma = checkNumber(fn, 'gamma', opts.gamma, { min: 0, max: 1, minOpen: true });
  const w = resolveWarmup(fn, lr, opts);
  return withWarmup(fn, lr, w, (s) => lr * Math.pow(gamma, s));
}

export interface ConstantOptions extends WarmupOptions {
  lr: number;
}

/** Constant lr after an optional warmup (He et al. 2016 §4.2 constant warmup: warmupMode 'constant'). */
export function constant(opts: ConstantOptions): Schedule {
  const fn = 'schedules.constant';
  const lr = checkNumber(fn, 'lr', opts.lr, { min: 0 });
  const w = resolveWarmup(fn, lr, opts);
  return withWarmup(fn, lr, w, () => lr);
}
