// The recipe schema, made from the registries' rows (registry/index.ts): each section's fields, their defaults,
// bounds and descriptions, with the names of the rows a recipe may choose. `Recipe` is its static type: a resolved
// recipe, every default filled in. Rebuilt when a registry gains a row (registerOptimizer, registerPlugin, …).
import { Type, type Static } from '@sinclair/typebox';
import { mixerFields, mixers } from '../mix/registry.js';
import { modelRegistry } from '../models/registry.js';
import { PARAM_SELECTORS } from '../optim/param_groups.js';
import { optimizerFields, optimizers } from '../optim/registry.js';
import { oneOfValues, registryVersion, section } from '../registry/index.js';
import { scheduleFields, scheduleRegistry } from '../schedules/registry.js';
import { pluginFields, type PluginSectionFields } from './plugin_fields.js';

const num = Type.Number;
const int = Type.Integer;

function dataSection() {
  return section(
    {
      dataset: oneOfValues(['fashion-mnist', 'cifar10', 'cifar100', 'image-folder'] as const, {
        description: 'the dataset format',
      }),
      dir: Type.Optional(
        Type.String({
          minLength: 1,
          description:
            "IDX files (gzip or raw; Debian's `dataset-fashion-mnist` by default for Fashion-MNIST), CIFAR binary batches, or an image folder `dir/<class>/<image>`",
        }),
      ),
      testDir: Type.Optional(
        Type.String({
          minLength: 1,
          description: 'image folder of test images; without it 10% of the folder (seeded) is held out as the test set',
        }),
      ),
      valSplit: num({
        minimum: 0,
        exclusiveMaximum: 1,
        default: 0,
        description: 'fraction of the training set held out for validation (seeded by `training.seed`, stratified)',
      }),
      subset: int({ minimum: 0, default: 0, description: 'use only this many training samples (seeded); 0 = all' }),
      testSubset: int({ minimum: 0, default: 0, description: 'use only this many test samples (seeded); 0 = all' }),
      height: int({ minimum: 1, maximum: 4096, default: 32, description: 'image-folder decode height' }),
      width: int({ minimum: 1, maximum: 4096, default: 32, description: 'image-folder decode width' }),
      channels: oneOfValues([1, 3] as const, { default: 3, description: 'image-folder channels' }),
      skipBadImages: Type.Boolean({
        default: false,
        description: 'image folder: skip undecodable files (logged) instead of stopping with an error naming them',
      }),
      workers: int({
        minimum: 0,
        maximum: 64,
        default: 1,
        description: 'augmentation worker threads; batches are identical for any count (per-sample seeds)',
      }),
      normalize: Type.Unsafe<'dataset' | { mean: number[]; std: number[] }>({
        default: 'dataset',
        description:
          'per-channel mean/std of the training set, or `{ "mean": [...], "std": [...] }` on the [0, 1] scale',
        oneOf: [
          { const: 'dataset' },
          {
            type: 'object',
            additionalProperties: false,
            required: ['mean', 'std'],
            properties: {
              mean: { type: 'array', items: { type: 'number' }, minItems: 1, maxItems: 3 },
              std: { type: 'array', items: { type: 'number', exclusiveMinimum: 0 }, minItems: 1, maxItems: 3 },
            },
          },
        ],
      }),
    },
    { required: ['dataset'] },
  );
}

function modelSection() {
  return section(
    {
      // a string, not an enum: `train({ recipe, model })` may build a model of its own under any name
      name: Type.String({
        minLength: 1,
        description: `a row of the model registry (the model table below): ${modelRegistry.names().join(', ')}`,
      }),
      options: Type.Record(Type.String(), Type.Unknown(), {
        default: {},
        description:
          'the chosen model\'s options (its fields in the model table below; unset ones take the model\'s defaults), e.g. `{"depth": 20, "zeroInitResidual": true}`',
      }),
    },
    { required: ['name'] },
  );
}

function trainingSection() {
  return section({
    epochs: int({ minimum: 1, maximum: 100000, default: 10, description: 'epochs to train' }),
    batchSize: int({ minimum: 1, maximum: 65536, default: 128, description: 'images per step (He et al. 2016 §4.2)' }),
    seed: int({
      minimum: 0,
      maximum: 2 ** 53 - 1,
      default: 0,
      description: 'seeds weights, shuffling, augmentation, mixing, dropout and the split: same seed, same run',
    }),
    evalBatchSize: int({ minimum: 1, maximum: 65536, default: 500, description: 'images per evaluation batch' }),
    logEvery: int({ minimum: 1, default: 50, description: 'a `step` line in `metrics.jsonl` every N iterations' }),
    onNaN: oneOfValues(['stop', 'skip'] as const, {
      default: 'stop',
      description:
        '`stop`: a NaN/Inf loss ends the run naming the step, lr and last good checkpoint; `skip`: drop that batch',
    }),
    checkpointMinutes: num({
      exclusiveMinimum: 0,
      default: 10,
      description:
        "a checkpoint inside an epoch at most this many minutes after the last (one is always written at an epoch's end)",
    }),
  });
}

function optimizerSection() {
  return section({
    name: oneOfValues(optimizers.names() as [string, ...string[]], {
      default: 'sgd',
      description: 'a row of the optimizer registry',
    }),
    lr: num({
      exclusiveMinimum: 0,
      maximum: 100,
      default: 0.1,
      description: 'base learning rate (He et al. 2016 §4.2); the schedule multiplies from here',
    }),
    weightDecay: num({
      minimum: 0,
      maximum: 1,
      default: 0,
      description: 'weight decay (torch default 0; the ResNet recipes use 5e-4)',
    }),
    noBiasDecay: Type.Boolean({
      default: false,
      description: 'no weight decay on biases and BN γ/β (Bag of Tricks §3.1)',
    }),
    paramGroups: Type.Array(
      Type.Object(
        {
          params: Type.String({
            minLength: 1,
            description: `${Object.keys(PARAM_SELECTORS).join(', ')}, or re:<regular expression on the variable name>`,
          }),
          lrMultiplier: Type.Optional(num({ minimum: 0, description: "the group's lr = scheduled lr × this" })),
          weightDecay: Type.Optional(num({ minimum: 0, maximum: 1, description: "the group's weight decay" })),
          frozen: Type.Optional(Type.Boolean({ description: 'not trained: no gradient, no update, no weight decay' })),
        },
        { additionalProperties: false },
      ),
      {
        default: [],
        description:
          'ordered `{ "params": <selector>, "lrMultiplier"?, "weightDecay"?, "frozen"? }`; first match wins; left-out settings and unmatched variables keep lr, weightDecay (noBiasDecay applied) and training (docs/training-math.md)',
      },
    ),
    linearScalingReference: int({
      minimum: 0,
      default: 0,
      description:
        'linear scaling rule: lr × batchSize / reference when > 0 (Goyal et al. 2017 §2.1; 256 in Bag of Tricks §3.1)',
    }),
    ...optimizerFields,
    ...(optimizers.fields() as object),
  });
}

function scheduleSection() {
  return section({
    name: oneOfValues(scheduleRegistry.names() as [string, ...string[]], {
      default: 'cosine',
      description: 'a row of the schedule registry',
    }),
    warmupEpochs: num({
      minimum: 0,
      default: 0,
      description: 'warmup length, converted once to round(epochs × iterations per epoch) iterations',
    }),
    warmupInit: num({ minimum: 0, default: 0, description: 'learning rate at the start of warmup' }),
    warmupMode: oneOfValues(['linear', 'constant'] as const, {
      default: 'linear',
      description:
        'linear (gradual, Goyal et al. 2017) from warmupInit, or constant at warmupInit (He et al. 2016 §4.2)',
    }),
    ...scheduleFields,
    ...(scheduleRegistry.fields() as object),
  });
}

function mixingSection() {
  return section({
    name: oneOfValues(['none', ...mixers.names()] as [string, ...string[]], {
      default: 'none',
      description: 'a row of the mixer registry, or none',
    }),
    prob: num({ minimum: 0, maximum: 1, default: 1, description: 'probability of mixing a batch' }),
    ...mixerFields,
    ...(mixers.fields() as object),
  });
}

function buildSchema(plugins: PluginSectionFields) {
  return Type.Object(
    {
      $schema: Type.Optional(Type.String()),
      extends: Type.Optional(
        Type.String({ minLength: 1, description: 'a recipe file this one builds on, relative to it' }),
      ),
      name: Type.String({ default: 'recipe', description: 'names the run directory (`runs/<name>-<time>`)' }),
      description: Type.String({ default: '', description: 'what the recipe is for; shown in reports' }),
      data: dataSection(),
      model: modelSection(),
      training: trainingSection(),
      optimizer: optimizerSection(),
      schedule: scheduleSection(),
      loss: section({
        labelSmoothing: num({
          minimum: 0,
          exclusiveMaximum: 1,
          default: 0,
          description: 'ε of label smoothing (Szegedy et al. 2016): applied once, by the loss, also to mixed targets',
        }),
      }),
      mixing: mixingSection(),
      augment: Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1 }),
            options: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          },
          { additionalProperties: false },
        ),
        {
          default: [],
          description:
            'list of `{ "name": <transform>, "options": {...} }` applied in order per image, on worker threads (docs/augment.md)',
        },
      ),
      distillation: section(plugins.distillation),
      regularization: section(plugins.regularization),
      init: section(plugins.init),
      evaluation: section(plugins.evaluation),
    },
    { additionalProperties: false },
  );
}

/** The schema with only `data` and `model` required at the top (the other keys have defaults). */
function buildSchemaRequiring(plugins: PluginSectionFields) {
  const schema = buildSchema(plugins);
  (schema as unknown as { required: string[] }).required = ['data', 'model'];
  return schema;
}

/** A resolved recipe: every default filled in (the static type of the built-in rows' schema). */
export type Recipe = Static<ReturnType<typeof buildSchema>>;
export type TransformSpec = Recipe['augment'][number];

let cached: { version: number; schema: ReturnType<typeof buildSchema> } | undefined;
/** The recipe schema as it is now (rebuilt after a registry gained a row). */
export function currentRecipeSchema(): ReturnType<typeof buildSchema> {
  if (!cached || cached.version !== registryVersion())
    cached = { version: registryVersion(), schema: buildSchemaRequiring(pluginFields()) };
  return cached.schema;
}
