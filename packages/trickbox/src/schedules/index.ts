// Learning-rate schedules (docs/architecture.md, "Public API"): pure `(step) => lr` functions, per iteration, plain TypeScript.
export type { Schedule, WarmupOptions } from './types.js';
export { cosine, type CosineOptions } from './cosine.js';
export {
  step,
  multiStep,
  exponential,
  constant,
  type StepOptions,
  type MultiStepOptions,
  type ExponentialOptions,
  type ConstantOptions,
} from './step.js';
export { linear, type LinearOptions } from './linear.js';
export { onecycle, type OneCycleOptions, type OneCycleAnneal } from './onecycle.js';
export { triangular, type TriangularOptions } from './triangular.js';
export { gradualWarmup, type GradualWarmupOptions } from './gradual_warmup.js';
export { fromResolved, type ResolvedScheduleSpec } from './resolved.js';
export { linearScaledLr, effectiveLr, stepsPerEpoch, epochsToSteps, perIteration, sample } from './scaling.js';
export { scheduleRegistry, registerSchedule, type ScheduleArgs, type ScheduleBuild } from './registry.js';
