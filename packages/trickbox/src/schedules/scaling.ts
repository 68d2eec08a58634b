import { checkNumber } from '../check/index.js';
import type { Schedule } from './types.js';

/**
 * Linear scaling rule (Goyal et al. 2017 §2.1; He et al. 2019 §3.1): lr = baseLr · batchSize / referenceBatch,
 * referenceBatch 256 by default (ResNet paper: 0.1 for batch 256).
 */
export function linearScaledLr(baseLr: number, batchSize: number, referenceBatch = 256): number {
  const fn = 'schedules.linearScaledLr';
  checkNumber(fn, 'baseLr', baseLr, { min: 0 });
  checkNumber(fn, 'batchSize', batchSize, { min: 1, integer: true });
  checkNumber(fn, 'referenceBatch', referenceBatch, { min: 0, minOpen: true });
  return (baseLr * batchSize) / referenceBatch;
}

/** The base learning rate a recipe trains with: `linearScaledLr` when `referenceBatch` > 0, else `lr` unchanged. */
export function effectiveLr(lr: number, batchSize: number, referenceBatch: number): number {
  return referenceBatch > 0 ? linearScaledLr(lr, batchSize, referenceBatch) : lr;
}

/**
 * Iterations in one epoch: ceil(datasetSize / batchSize), or floor when the last partial batch is dropped
 * (torch DataLoader `drop_last`).
 */
export function stepsPerEpoch(datasetSize: number, batchSize: number, dropLast = false): number {
  const fn = 'schedules.stepsPerEpoch';
  checkNumber(fn, 'datasetSize', datasetSize, { min: 1, integer: true });
  checkNumber(fn, 'batchSize', batchSize, { min: 1, integer: true });
  const n = dropLast ? Math.floor(datasetSize / batchSize) : Math.ceil(datasetSize / batchSize);
  if (n < 1)
    throw new RangeError(`${fn}: dropLast with batchSize ${batchSize} > datasetSize ${datasetSize} gives 0 steps`);
  return n;
}

/**
 * Converts a count of epochs into iterations, once and explicitly (docs/architecture.md, "Pitfalls we test": schedules are per iteration):
 * epochs · stepsPerEpoch(datasetSize, batchSize, dropLast), rounded to the nearest iteration for fractional epochs.
 */
export function epochsToSteps(
  epochs: number,
  opts: { datasetSize: number; batchSize: number; dropLast?: boolean },
): number {
  checkNumber('schedules.epochsToSteps', 'epochs', epochs, { min: 0 });
  return Math.round(epochs * stepsPerEpoch(opts.datasetSize, opts.batchSize, opts.dropLast ?? false));
}

/**
 * Runs an epoch-indexed schedule (e.g. `gradualWarmup`) per iteration: step s uses epochSchedule(floor(s / stepsPerEpoch)).
 */
export function perIteration(epochSchedule: Schedule, stepsInEpoch: number): Schedule {
  checkNumber('schedules.perIteration', 'stepsInEpoch', stepsInEpoch, { min: 1, integer: true });
  return (s: number) => epochSchedule(Math.floor(s / stepsInEpoch));
}

/** Samples a schedule at steps 0..n-1 (for plots and the `trickbox schedule` command). */
export function sample(schedule: Schedule, n: number): number[] {
  checkNumber('schedules.sample', 'n', n, { min: 0, integer: true });
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = schedule(i);
  return out;
}
