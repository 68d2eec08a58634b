// Factories: recipe sections → model, optimizer, schedule, mixer. Names are looked up in the area modules, so a
// trick added there is usable from a recipe by its name (timm's create_* factories, STYLE.md).
import * as tf from '@tensorflow/tfjs';
import * as models from '../models/index.js';
import * as optim from '../optim/index.js';
import * as schedules from '../schedules/index.js';
import * as mix from '../mix/index.js';
import { Rng } from '../rng/index.js';
import { RecipeError, type Recipe } from './recipe.js';

export type ModelFactory = (opts: {
  inputShape: [number, number, number];
  numClasses: number;
  seed: number;
}) => tf.LayersModel;

export function functionsOf(ns: object): string[] {
  return Object.entries(ns)
    .filter(([k, v]) => typeof v === 'function' && /^[a-z]/.test(k))
    .map(([k]) => k)
    .sort();
}

/** Model constructors a recipe may name directly (options as in SPEC §3), besides the registry's names. */
const MODEL_CONSTRUCTORS = ['resnet', 'wideResnet', 'simpleCnn'];

/** Every accepted `model.name`. */
export function acceptedModelNames(): string[] {
  const table = models as Record<string, unknown>;
  const registry = typeof models.modelNames === 'function' ? models.modelNames() : [];
  // a name can be both a constructor and a registry row ('resnet'): listed once
  return [...new Set([...MODEL_CONSTRUCTORS.filter((n) => typeof table[n] === 'function'), ...registry])];
}

/**
 * The model named by the recipe: a constructor (`models.resnet(options)`) or a registry name (`resnet20`,
 * `wrn_28_10`, … via `models.createModel`), with inputShape / numClasses filled in.
 */
export function modelFactory(recipe: Recipe): ModelFactory {
  const table = models as Record<string, unknown>;
  const name = recipe.model.name;
  const accepted = acceptedModelNames();
  if (!accepted.includes(name))
    throw new RecipeError(
      `recipe: model.name is ${JSON.stringify(name)}; accepted: ${accepted.join(', ') || '(no models available in this build)'}`,
    );
  const build = MODEL_CONSTRUCTORS.includes(name)
    ? (o: object) => (table[name] as (o: object) => tf.LayersModel)(o)
    : (o: object) => models.createModel({ name, ...o } as models.ModelSpec);
  return ({ inputShape, numClasses, seed }) =>
    withSeededMathRandom(seed, () => build({ ...recipe.model.options, inputShape, numClasses }));
}

/**
 * Runs `fn` with `Math.random` drawing from an Rng seeded with `seed`. tfjs initializers and dropout without an
 * explicit seed seed themselves from `Math.random` (tfjs-core rand_util), so without this the same recipe seed gave
 * different initial weights and dropout masks in every process (and a resumed run could not match an
 * uninterrupted one). `fn` must be synchronous.
 */
export function withSeededMathRandom<T>(seed: number, fn: () => T): T {
  const restore = seedMathRandom(seed);
  try {
    return fn();
  } finally {
    restore();
  }
}

/** Replaces `Math.random` by an Rng seeded with `seed`; returns the function that puts the original back. */
export function seedMathRandom(seed: number): () => void {
  const rng = new Rng(seed);
  const saved = Math.random;
  Math.random = () => rng.next();
  return () => {
    Math.random = saved;
  };
}

/** Effective base learning rate: the linear scaling rule when `linearScalingReference` is set (Goyal et al. 2017 §2.1). */
export function baseLr(recipe: Recipe): number {
  return schedules.effectiveLr(recipe.optimizer.lr, recipe.training.batchSize, recipe.optimizer.linearScalingReference);
}

/** Iteration counts of the schedule, converted once from the recipe's epochs (SPEC §6). */
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
  const o = recipe.optimizer;
  const common = { lr, weightDecay: o.weightDecay, noBiasDecay: o.noBiasDecay };
  switch (o.name) {
    case 'sgd':
      return optim.sgd({ ...common, momentum: o.momentum, nesterov: o.nesterov });
    case 'adam':
      return optim.adam({ ...common, betas: o.betas, eps: o.eps });
    case 'adamw':
      return optim.adamw({ ...common, betas: o.betas, eps: o.eps });
    case 'adabound':
    case 'amsbound':
      return optim.adabound({
        ...common,
        finalLr: o.finalLr,
        betas: o.betas,
        gamma: o.gamma,
        eps: o.eps,
        amsbound: o.name === 'amsbound',
      });
  }
}

export type Mixer = (x: tf.Tensor4D, y: tf.Tensor2D, rng: Rng) => { x: tf.Tensor4D; y: tf.Tensor2D };

/** The batch mixer of a recipe (mixup / CutMix / RICAP on [B,K] probability targets), or undefined. */
export function buildMixer(recipe: Recipe): Mixer | undefined {
  const m = recipe.mixing;
  if (m.name === 'none') return undefined;
  const table = mix as Record<string, unknown>;
  const fn = table[m.name];
  if (typeof fn !== 'function')
    throw new RecipeError(
      `recipe: mixing.name is ${JSON.stringify(m.name)}; accepted in this build: none${functionsOf(mix)
        .map((n) => ', ' + n)
        .join('')}`,
    );
  const opts = m.name === 'ricap' ? { beta: m.beta } : { alpha: m.alpha };
  return (x, y, rng) => {
    if (m.prob < 1 && rng.next() >= m.prob) return { x: x.clone(), y: y.clone() };
    return (fn as (x: tf.Tensor, y: tf.Tensor, o: object) => { x: tf.Tensor4D; y: tf.Tensor2D })(x, y, {
      ...opts,
      rng,
    });
  };
}
