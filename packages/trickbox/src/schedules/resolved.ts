// A recipe's schedule section with every length already in iterations (what a run directory stores as
// `resolvedSchedule` beside the recipe) → the per-iteration schedule, built by the schedule registry's row. The
// trainer builds its schedule with this function, and the report rebuilds the same curve from a run's recipe.json
// without the trainer.
import { scheduleRegistry } from './registry.js';
import type { Schedule } from './types.js';

export interface ResolvedScheduleSpec {
  /** A row of the schedule registry. */
  name: string;
  /** Base learning rate after the linear scaling rule (`effectiveLr`). */
  lr: number;
  stepsPerEpoch: number;
  totalSteps: number;
  warmupSteps: number;
  warmupInit: number;
  warmupMode: 'linear' | 'constant';
  /** step: iterations between decays; multistep: the decay iterations. */
  stepSize: number;
  milestones: number[];
  /** The row's own fields (minLr, gamma, …), as in the recipe. */
  [field: string]: unknown;
}

export function fromResolved(s: ResolvedScheduleSpec): Schedule {
  return scheduleRegistry.get(s.name).build({
    lr: s.lr,
    stepsPerEpoch: s.stepsPerEpoch,
    totalSteps: s.totalSteps,
    warmup: { warmupSteps: s.warmupSteps, warmupInit: s.warmupInit, warmupMode: s.warmupMode },
    stepSize: s.stepSize,
    milestones: s.milestones,
    fields: s,
  });
}
