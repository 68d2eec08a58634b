// Everything a run needs before its first step: data and loader, schedule, model, optimizer and the recipe's
// plug-ins. Errors in a recipe section are recipe errors (exit code 2) naming the field.
import * as tf from '@tensorflow/tfjs';
import { resolve } from 'node:path';
import { DataLoader, type Dataset } from '../data/index.js';
import { TrickboxOptimizer } from '../optim/base.js';
import type { TrainPlugin } from '../plugin/index.js';
import { Rng } from '../rng/index.js';
import { baseLr, buildOptimizer, buildSchedule, modelFactory, type ModelFactory, type ScheduleSteps } from './build.js';
import { loadDatasets, prepareData, type RunData } from './data.js';
import { loadModel } from './modelio.js';
import { recipePlugins } from './plugins.js';
import { RecipeError, type Recipe } from './recipe.js';
import { TrainingError } from './errors.js';

export interface RunSetup {
  data: RunData;
  loader: DataLoader;
  inputShape: [number, number, number];
  numClasses: number;
  schedule: (step: number) => number;
  steps: ScheduleSteps;
  model: tf.LayersModel;
  optimizer: tf.Optimizer & { setLearningRate(lr: number): void };
  trainable: tf.Variable[];
  plugins: TrainPlugin[];
  /** The trainer's seeded stream for batch-level draws (mixing). */
  rng: Rng;
}

/** Runs a builder of a recipe section; its argument errors are recipe errors naming the field. */
export function recipeField<T>(field: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RecipeError || e instanceof TrainingError) throw e;
    const msg = (e as Error).message.split('\n')[0];
    throw new RecipeError(`recipe: ${msg.startsWith(field) ? '' : `${field}: `}${msg}`);
  }
}

async function teacherFor(
  recipe: Recipe,
  inputShape: number[],
  numClasses: number,
  base: string | undefined,
): Promise<tf.LayersModel> {
  const path = base === undefined ? recipe.distillation.teacher! : resolve(base, recipe.distillation.teacher!);
  const t = await loadModel(path).catch((e: Error) => {
    throw new RecipeError(`recipe: distillation.teacher: ${e.message.split('\n')[0]}`);
  });
  const tin = t.model.inputs[0].shape.slice(1).join('×');
  const outShape = t.model.outputs[0].shape;
  const tout = outShape[outShape.length - 1];
  if (tout !== numClasses || tin !== inputShape.join('×')) {
    t.model.dispose();
    throw new RecipeError(
      `recipe: distillation.teacher ${t.file}: expects input ${tin} and predicts ${tout} classes; this run has input ${inputShape.join('×')} and ${numClasses} classes`,
    );
  }
  return t.model;
}

/**
 * The variables the step differentiates: the model's trainable weights less those a parameter group freezes (they
 * get no gradient). A group that selects none of them is refused: its selector is likely a typo.
 */
function trainableVariables(model: tf.LayersModel, optimizer: tf.Optimizer, recipe: Recipe): tf.Variable[] {
  const all = model.trainableWeights.map((w) => w.read() as tf.Variable);
  if (!(optimizer instanceof TrickboxOptimizer)) return all;
  const unmatched = optimizer.unmatchedGroups(all);
  if (unmatched.length > 0)
    throw new RecipeError(
      `recipe: optimizer.${unmatched[0]} selects none of the trainable variables of model '${recipe.model.name}' (or only ones an earlier group took); variable names look like ${JSON.stringify(all[0]?.name ?? '')}`,
    );
  return all.filter((v) => !optimizer.isFrozen(v.name, v));
}

export async function setupRun(
  recipe: Recipe,
  opts: {
    model?: ModelFactory;
    datasets?: { train: Dataset; test: Dataset };
    /** The directory a relative distillation.teacher is resolved against (default: the working directory). */
    teacherBase?: string;
    log: (m: string) => void;
  },
): Promise<RunSetup> {
  const seed = recipe.training.seed;
  const data = prepareData(recipe, opts.datasets ?? (await loadDatasets(recipe, opts.log)));
  const trainSet = data.train;
  const numClasses = trainSet.classNames.length;
  const inputShape: [number, number, number] = [trainSet.height, trainSet.width, trainSet.channels];
  const loader = recipeField(
    'augment',
    () =>
      new DataLoader(trainSet, {
        batchSize: recipe.training.batchSize,
        mean: data.mean,
        std: data.std,
        seed,
        transforms: recipe.augment,
        workers: recipe.data.workers,
      }),
  );
  const { schedule, steps } = recipeField('schedule', () => buildSchedule(recipe, loader.batchesPerEpoch));
  const factory = opts.model ?? modelFactory(recipe);
  const build = () => factory({ inputShape, numClasses, seed });
  const model = opts.model ? build() : recipeField('model.options', build);
  const outShape = model.outputs[0].shape;
  if (outShape[outShape.length - 1] !== numClasses)
    throw new TrainingError(
      `model '${recipe.model.name}' outputs ${outShape[outShape.length - 1]} classes, the dataset has ${numClasses}`,
    );
  // built at the base rate, not schedule(0): AdaBound scales its bounds by lr / initial lr, and a warmup may start at 0
  const optimizer = recipeField('optimizer', () => buildOptimizer(recipe, baseLr(recipe)));
  const trainable = trainableVariables(model, optimizer, recipe);
  const plugins = await recipePlugins(recipe, {
    loadTeacher: () => teacherFor(recipe, inputShape, numClasses, opts.teacherBase),
  });
  return {
    data,
    loader,
    inputShape,
    numClasses,
    schedule,
    steps,
    model,
    optimizer,
    trainable,
    plugins,
    rng: new Rng(seed).split(),
  };
}
