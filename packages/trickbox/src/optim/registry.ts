// The optimizer registry: the rows a recipe's `optimizer.name` chooses from, with their fields.
import { Type } from '@sinclair/typebox';
import type * as tf from '@tensorflow/tfjs';
import { Registry } from '../registry/index.js';
import { adabound } from './adabound.js';
import { adam, adamw } from './adam.js';
import type { ParamGroupSpec } from './param_groups.js';
import { sgd } from './sgd.js';

/** What every optimizer gets from the recipe: the learning rate and the weight decay, and its own fields. */
export interface OptimizerArgs {
  lr: number;
  weightDecay: number;
  noBiasDecay: boolean;
  /** `optimizer.paramGroups` (param_groups.ts); empty when the recipe has none. */
  paramGroups: ParamGroupSpec[];
  [field: string]: unknown;
}
export type OptimizerBuild = (args: OptimizerArgs) => tf.Optimizer & { setLearningRate(lr: number): void };

const momentumFields = {
  momentum: Type.Number({
    minimum: 0,
    exclusiveMaximum: 1,
    default: 0.9,
    description: 'SGD momentum (He et al. 2016)',
  }),
  nesterov: Type.Boolean({ default: false, description: 'Nesterov momentum; needs momentum > 0 (the torch rule)' }),
};
const adamFields = {
  betas: Type.Array(Type.Number({ minimum: 0, exclusiveMaximum: 1 }), {
    minItems: 2,
    maxItems: 2,
    default: [0.9, 0.999],
    description: 'Adam moments β1, β2 (Kingma & Ba 2015; torch defaults)',
  }),
  eps: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 1e-8, description: 'Adam ε' }),
};
const boundFields = {
  ...adamFields,
  finalLr: Type.Number({
    exclusiveMinimum: 0,
    default: 0.1,
    description: 'AdaBound final (SGD) learning rate (Luo et al. 2019)',
  }),
  gamma: Type.Number({
    exclusiveMinimum: 0,
    exclusiveMaximum: 1,
    default: 1e-3,
    description: 'AdaBound convergence speed of the bounds (Luo et al. 2019)',
  }),
};

const num = (args: OptimizerArgs, k: string) => args[k] as number;

export const optimizers = new Registry<OptimizerBuild>('optimizer', [
  {
    name: 'sgd',
    doc: 'SGD with momentum (Nesterov optional), coupled weight decay',
    reference: 'Sutskever et al. 2013; torch.optim.SGD',
    fields: momentumFields,
    build: (a) =>
      sgd({
        lr: a.lr,
        weightDecay: a.weightDecay,
        noBiasDecay: a.noBiasDecay,
        paramGroups: a.paramGroups,
        momentum: num(a, 'momentum'),
        nesterov: a.nesterov as boolean,
      }),
  },
  {
    name: 'adam',
    doc: 'Adam, coupled (L2) weight decay',
    reference: 'Kingma & Ba 2015; torch.optim.Adam',
    fields: adamFields,
    build: (a) =>
      adam({
        lr: a.lr,
        weightDecay: a.weightDecay,
        noBiasDecay: a.noBiasDecay,
        paramGroups: a.paramGroups,
        betas: a.betas as [number, number],
        eps: num(a, 'eps'),
      }),
  },
  {
    name: 'adamw',
    doc: 'Adam with decoupled weight decay',
    reference: 'Loshchilov & Hutter 2019; torch.optim.AdamW',
    fields: adamFields,
    build: (a) =>
      adamw({
        lr: a.lr,
        weightDecay: a.weightDecay,
        noBiasDecay: a.noBiasDecay,
        paramGroups: a.paramGroups,
        betas: a.betas as [number, number],
        eps: num(a, 'eps'),
      }),
  },
  ...(['adabound', 'amsbound'] as const).map((name) => ({
    name,
    doc:
      name === 'adabound'
        ? 'Adam whose steps are clipped into bounds that converge to SGD'
        : 'AdaBound on the running maximum of v (AMSGrad)',
    reference: 'Luo et al. 2019 (official code)',
    fields: boundFields,
    build: (a: OptimizerArgs) =>
      adabound({
        lr: a.lr,
        weightDecay: a.weightDecay,
        noBiasDecay: a.noBiasDecay,
        paramGroups: a.paramGroups,
        finalLr: num(a, 'finalLr'),
        betas: a.betas as [number, number],
        gamma: num(a, 'gamma'),
        eps: num(a, 'eps'),
        amsbound: name === 'amsbound',
      }),
  })),
]);

/** The built-in rows' fields, for the recipe type. */
export const optimizerFields = { ...momentumFields, ...boundFields };

/** Adds an optimizer a recipe can name (`optimizer.name`); its fields join the optimizer section of the schema. */
export function registerOptimizer(row: Parameters<typeof optimizers.register>[0]): void {
  optimizers.register(row);
}
