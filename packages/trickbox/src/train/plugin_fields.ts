// The recipe fields of the trainer plug-ins (train/plugins.ts), by section: the rows reference these schemas, and the
// recipe schema takes the distillation, regularization and evaluation sections from here (plus the fields of
// plug-ins a user registers).
import { Type, type TProperties } from '@sinclair/typebox';
import { EARLY_STOPPING_DEFAULT_PATIENCE } from '../regularizers/early_stopping.js';
import { EMA_DEFAULT_DECAY } from '../regularizers/ema.js';
import { LOOKAHEAD_DEFAULTS } from '../regularizers/lookahead_plugin.js';
import { nullableObject, registryChanged } from '../registry/index.js';

export const pluginFieldsBySection = {
  distillation: {
    teacher: Type.Unsafe<string | null>({
      type: ['string', 'null'],
      default: null,
      description: 'run directory or `model.json` of a trained teacher with the same input size and classes',
    }),
    temperature: Type.Number({
      exclusiveMinimum: 0,
      default: 1,
      description: 'softmax temperature T (Hinton et al. 2015)',
    }),
    alpha: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0.5,
      description: 'weight α of the soft term: (1−α)·CE + α·T²·KL',
    }),
  },
  regularization: {
    ema: nullableObject(
      {
        decay: Type.Number({
          exclusiveMinimum: 0,
          exclusiveMaximum: 1,
          default: EMA_DEFAULT_DECAY,
          description:
            'decay d of θ̄ ← d·θ̄ + (1−d)·θ per step (0.999 suits runs of thousands of steps; timm uses 0.9998 on ImageNet)',
        }),
      },
      '`{ "decay": 0.999 }`: EMA of all weights (BN statistics included, as timm ModelEmaV2); evaluation and the saved model use it',
    ),
    lookahead: nullableObject(
      {
        decay: Type.Number({
          exclusiveMinimum: 0,
          exclusiveMaximum: 1,
          default: LOOKAHEAD_DEFAULTS.decay,
          description: 'per-step base decay d; an update uses ρ = d^every · (step/totalSteps)^power (airbench94: 0.95)',
        }),
        every: Type.Integer({
          minimum: 1,
          default: LOOKAHEAD_DEFAULTS.every,
          description: 'steps between updates (airbench94: 5)',
        }),
        power: Type.Number({
          minimum: 0,
          default: LOOKAHEAD_DEFAULTS.power,
          description: 'exponent of the training progress in ρ: small early, d^every at the end (airbench94: 3)',
        }),
        startEpoch: Type.Integer({
          minimum: 0,
          default: LOOKAHEAD_DEFAULTS.startEpoch,
          description: '0-based epoch of the first update; the average starts there as a copy (airbench94: 3)',
        }),
      },
      '`{}`: every `every` steps an EMA of all weights (BN statistics included) steps towards them and is copied back into the model, which trains on from the average (Jordan 2024, airbench)',
    ),
    earlyStopping: nullableObject(
      {
        patience: Type.Integer({
          minimum: 1,
          default: EARLY_STOPPING_DEFAULT_PATIENCE,
          description: 'epochs without improvement before stopping',
        }),
        minDelta: Type.Number({
          minimum: 0,
          default: 0,
          description: 'an improvement must exceed this (Keras min_delta)',
        }),
        metric: Type.Unsafe<'valAccuracy' | 'valLoss'>({ enum: ['valAccuracy', 'valLoss'], default: 'valAccuracy' }),
        restoreBest: Type.Boolean({ default: true, description: "save the best epoch's weights, not the last" }),
      },
      'stop after `patience` epochs without improvement of the validation metric; only with `data.valSplit > 0` (model selection never sees the test set)',
    ),
  },
  evaluation: {
    flipTta: Type.Boolean({ default: false, description: 'average the softmax of each test image and its mirror' }),
    translateTta: Type.Integer({
      minimum: 0,
      maximum: 16,
      default: 0,
      description:
        'k > 0: average the softmax of each test image and its four shifts by k pixels (with flipTta: ten views)',
    }),
  },
};

export type PluginSection = keyof typeof pluginFieldsBySection;
export type PluginSectionFields = typeof pluginFieldsBySection;

const extra: Record<PluginSection, TProperties> = { distillation: {}, regularization: {}, evaluation: {} };

/** Adds a registered plug-in's fields to a section (called by registerPlugin). */
export function addPluginFields(sectionName: PluginSection, fields: TProperties): void {
  for (const k of Object.keys(fields))
    if (k in pluginFieldsBySection[sectionName] || k in extra[sectionName])
      throw new Error(`registerPlugin: field '${sectionName}.${k}' exists already`);
  Object.assign(extra[sectionName], fields);
  registryChanged();
}

/** The plug-in fields of every section: the built-in ones and the registered ones. */
export function pluginFields(): PluginSectionFields {
  const out = {} as Record<PluginSection, TProperties>;
  for (const s of Object.keys(pluginFieldsBySection) as PluginSection[])
    out[s] = { ...pluginFieldsBySection[s], ...extra[s] };
  return out as unknown as PluginSectionFields;
}
