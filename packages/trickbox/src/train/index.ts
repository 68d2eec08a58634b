// Training: recipes, factories, the trainer with checkpoints and exact resume, evaluation, model files.
export * from './recipe.js';
export { mergeRecipes, readRecipeFile } from './recipe_file.js';
export { readRunRecipe, loadRunRecipe } from './run_recipe.js';
export {
  train,
  finishedRun,
  TrainingError,
  type TrainOptions,
  type TrainResult,
  type Callbacks,
  type Callback,
  type SelectedModel,
  type StepInfo,
  type EpochRecord,
} from './trainer.js';
export {
  buildSchedule,
  buildOptimizer,
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
export { pluginRows, registerPlugin, recipePlugins, type PluginRow, type PluginEnv } from './plugins.js';
export { lockRunDir, LOCK_FILE } from './lock.js';
export { provenance, type Provenance } from './provenance.js';
