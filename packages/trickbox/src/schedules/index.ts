// Learning-rate schedules (SPEC §2 "LR", §3): pure `(step) => lr` functions, per iteration, plain TypeScript.
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
export { gradualWarmup, type GradualWarmupOptions } from './gradual_warmup.js';
export { fromResolved, type ResolvedScheduleSpec } from './resolved.js';
export { linearScaledLr, effectiveLr, stepsPerEpoch, epochsToSteps, perIteration, sample } from './scaling.js';
