// Training: recipes, factories, the trainer with checkpoints and exact resume, evaluation, model files.
export * from './recipe.js';
export {
  train,
  TrainingError,
  type TrainOptions,
  type TrainResult,
  type Callbacks,
  type StepInfo,
  type EpochRecord,
} from './trainer.js';
export {
  buildSchedule,
  buildOptimizer,
  buildMixer,
  modelFactory,
  baseLr,
  scheduleSteps,
  type ModelFactory,
  type ScheduleSteps,
} from './build.js';
export { evaluate, predictProbs, type EvalResult } from './evaluate.js';
export { loadDatasets, prepareData, type RunData } from './data.js';
export { saveModel, loadModel, resolveModelJson, type Preprocessing } from './modelio.js';
export { readLatestCheckpoint, decodeCheckpoint } from './checkpoint.js';
export { writeFileAtomic, appendJsonl, readJsonl } from './io.js';
