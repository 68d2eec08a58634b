// A recipe's schedule section with every length already in iterations (what a run directory stores as
// `resolvedSchedule` beside the recipe) → the per-iteration schedule. The trainer builds its schedule with this
// function, and the report rebuilds the same curve from a run's recipe.json without the trainer.
import { cosine } from './cosine.js';
import { constant, exponential, multiStep, step } from './step.js';
import type { Schedule } from './types.js';

export interface ResolvedScheduleSpec {
  name: 'constant' | 'cosine' | 'step' | 'multistep' | 'exponential';
  /** Base learning rate after the linear scaling rule (`effectiveLr`). */
  lr: number;
  stepsPerEpoch: number;
  totalSteps: number;
  warmupSteps: number;
  warmupInit: number;
  warmupMode: 'linear' | 'constant';
  /** cosine: final learning rate. */
  minLr: number;
  /** step / multistep: the factor per decay; exponential: the factor per epoch. */
  gamma: number;
  /** step: iterations between decays; multistep: the decay iterations. */
  stepSize: number;
  milestones: number[];
}

export function fromResolved(s: ResolvedScheduleSpec): Schedule {
  const warmup = { warmupSteps: s.warmupSteps, warmupInit: s.warmupInit, warmupMode: s.warmupMode };
  switch (s.name) {
    case 'constant':
      return constant({ lr: s.lr, ...warmup });
    case 'cosine':
      return cosine({ lr: s.lr, steps: s.totalSteps, minLr: s.minLr, ...warmup });
    case 'step':
      return step({ lr: s.lr, stepSize: s.stepSize, gamma: s.gamma, ...warmup });
    case 'multistep':
      return multiStep({ lr: s.lr, milestones: s.milestones, gamma: s.gamma, ...warmup });
    case 'exponential':
      // gamma is per epoch; per iteration it is gamma^(1/stepsPerEpoch)
      return exponential({ lr: s.lr, gamma: Math.pow(s.gamma, 1 / s.stepsPerEpoch), ...warmup });
  }
}
