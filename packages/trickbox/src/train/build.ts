// Factories: recipe sections → model, optimizer, schedule, mixer. Names are looked up in the area modules, so a
// trick added there is usable from a recipe by its name (as timm's create_* factories do).
import * as tf from '@tensorflow/tfjs';
import { modelNames, modelRegistry } from '../models/registry.js';
import { optimizers } from '../optim/registry.js';
import * as schedules from '../schedules/index.js';
import { RecipeError, type Recipe } from './recipe.js';

export type ModelFactory = (opts: {
  inputShape: [number, number, number];
  numClasses: number;
  seed: number;
}) => tf.LayersModel;

/**
 * The model named by the recipe (a row of the model registry, its `model.options` checked against the row's schema
 * when the recipe was resolved), with inputShape / numClasses / seed filled in.
 */
export function modelFactory(recipe: Recipe): ModelFactory {
  const name = recipe.model.name;
  if (!modelRegistry.names().includes(name))
    throw new RecipeError(`recipe: model.name is ${JSON.stringify(name)}; accepted: ${modelNames().join(', ')}`);
  const row = modelRegistry.get(name);
  // the seed reaches the initialisers explicitly (models/seeding.ts)
  return ({ inputShape, numClasses, seed }) => row.build({ ...recipe.model.options, inputShape, numClasses, seed });
}

/** Effective base learning rate: the linear scaling rule when `linearScalingReference` is set (Goyal et al. 2017 §2.1). */
export function baseLr(recipe: Recipe): number {
  return schedules.effectiveLr(recipe.optimizer.lr, recipe.training.batchSize, recipe.optimizer.linearScalingReference);
}

/** Iteration counts of the schedule, converted once from the recipe's epochs (docs/architecture.md, "Pitfalls we test"). */
export interface ScheduleSteps {
  stepsPerEpoch: number;
  totalSteps: number;
  warmupSteps: number;
  stepSize: number;
  milestones: number[];
}

export function scheduleSteps(recipe: Recipe, stepsPerEpoch: number): ScheduleSteps {
  const s = recipe.schedule;
  const total = recipe.training.epochs * stepsPerEpoch;
  const warmupSteps = Math.round(s.warmupEpochs * stepsPerEpoch);
  if (warmupSteps >= total && warmupSteps > 0)
    throw new RecipeError(
      `recipe: schedule.warmupEpochs is ${s.warmupEpochs} (${warmupSteps} iterations); accepted: fewer than the ${total} training iterations`,
    );
  return {
    stepsPerEpoch,
    totalSteps: total,
    warmupSteps,
    stepSize: Math.max(1, Math.round(s.stepEpochs * stepsPerEpoch)),
    milestones: s.milestones.map((m) => Math.round(m * stepsPerEpoch)),
  };
}

/** The per-iteration learning-rate schedule of a recipe (step counted from 0; the first batch uses schedule(0)). */
export function buildSchedule(
  recipe: Recipe,
  stepsPerEpoch: number,
): { schedule: (step: number) => number; steps: ScheduleSteps } {
  const steps = scheduleSteps(recipe, stepsPerEpoch);
  const schedule = schedules.fromResolved({ ...recipe.schedule, lr: baseLr(recipe), ...steps });
  return { schedule, steps };
}

/** The optimizer of a recipe at learning rate `lr` (later changed every step by the schedule). */
export function buildOptimizer(recipe: Recipe, lr: number): tf.Optimizer & { setLearningRate(lr: number): void } {
  return optimizers.get(recipe.optimizer.name).build({ ...recipe.optimizer, lr });
}
