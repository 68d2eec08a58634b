// Optimizers (docs/architecture.md, "Public API"): tf.Optimizer subclasses with a per-step learning rate and serialisable state.
import * as tf from '@tensorflow/tfjs';
import { AdaBoundOptimizer } from './adabound.js';
import { AdamOptimizer } from './adam.js';
import { SgdOptimizer } from './sgd.js';

export { TrickboxOptimizer, type BaseOptions, type VariableState } from './base.js';
export {
  sgd,
  SgdOptimizer,
  applySgdUpdate,
  backendAwareSgdUpdate,
  setSgdUpdateImplementation,
  type SgdOptions,
  type SgdState,
  type SgdHyper,
  type SgdUpdateFn,
} from './sgd.js';
export { adam, adamw, AdamOptimizer, type AdamOptions } from './adam.js';
export { adabound, adaboundw, AdaBoundOptimizer, type AdaBoundOptions } from './adabound.js';
export {
  ParamGroups,
  PARAM_SELECTORS,
  selectorProblem,
  type ParamGroupSpec,
  type VariableSettings,
} from './param_groups.js';
export { isNoDecayVariable, NO_DECAY_NAME, type WeightDecayFilter } from './weight_decay.js';

// Registered so that tfjs (de)serialisation of a compiled model's optimizer config finds the classes.
tf.serialization.registerClass(SgdOptimizer);
tf.serialization.registerClass(AdamOptimizer);
tf.serialization.registerClass(AdaBoundOptimizer);
export { optimizers, registerOptimizer, type OptimizerArgs, type OptimizerBuild } from './registry.js';
