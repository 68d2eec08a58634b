// The plug-in registry: one row per recipe trick that acts during training. A row says when a recipe asks for the
// trick and builds its plug-in (the code lives in the area that owns the trick); the rows' order is the order the
// trainer calls the hooks in (mixing before distillation, so the teacher sees the mixed batch).
import type * as tf from '@tensorflow/tfjs';
import { distillationPlugin } from '../losses/distillation_plugin.js';
import { mixingPlugin } from '../mix/plugin.js';
import type { TrainPlugin } from '../plugin/index.js';
import { earlyStoppingPlugin } from '../regularizers/early_stopping_plugin.js';
import { emaPlugin } from '../regularizers/ema_plugin.js';
import { lookaheadPlugin } from '../regularizers/lookahead_plugin.js';
import { flipTtaPlugin, translateTtaPlugin } from '../tta/index.js';
import type { TProperties } from '@sinclair/typebox';
import { addPluginFields, type PluginSection } from './plugin_fields.js';
import type { Recipe } from './recipe.js';

/** What building a plug-in may need beyond the recipe. */
export interface PluginEnv {
  /** Loads the distillation teacher named by the recipe (checked against the run's input and classes). */
  loadTeacher(): Promise<tf.LayersModel>;
}

export interface PluginRow {
  name: string;
  /** One line for the docs. */
  doc: string;
  /** The paper or code the plug-in follows. */
  reference: string;
  /** The recipe field that turns it on. */
  field: string;
  /** Recipe fields the plug-in adds (a user plug-in's; the built-in ones live in train/plugin_fields.ts). */
  fields?: { section: PluginSection; properties: TProperties };
  enabled(recipe: Recipe): boolean;
  build(recipe: Recipe, env: PluginEnv): TrainPlugin | Promise<TrainPlugin>;
}

const rows: PluginRow[] = [
  {
    name: 'mixing',
    doc: 'mixup, CutMix or RICAP on each training batch, with one-hot targets',
    reference: 'Zhang et al. 2018; Yun et al. 2019; Takahashi et al. 2018',
    field: 'mixing.name',
    enabled: (r) => r.mixing.name !== 'none',
    build: (r) => mixingPlugin({ ...r.mixing, name: r.mixing.name as 'mixup' | 'cutmix' | 'ricap' }),
  },
  {
    name: 'distillation',
    doc: "knowledge distillation: the loss against a saved teacher's softened logits",
    reference: 'Hinton et al. 2015; Bag of Tricks §5.4',
    field: 'distillation.teacher',
    enabled: (r) => r.distillation.teacher !== null,
    build: async (r, env) =>
      distillationPlugin({
        teacher: await env.loadTeacher(),
        temperature: r.distillation.temperature,
        alpha: r.distillation.alpha,
        labelSmoothing: r.loss.labelSmoothing,
      }),
  },
  {
    name: 'lookahead',
    doc: 'every k steps an EMA of all weights steps towards them and is copied back: training continues from the average',
    reference: 'Jordan 2024 (airbench, arXiv:2404.00498); Zhang et al. 2019 (Lookahead)',
    field: 'regularization.lookahead',
    enabled: (r) => r.regularization.lookahead !== null,
    build: (r) => lookaheadPlugin(r.regularization.lookahead!),
  },
  {
    name: 'ema',
    doc: 'exponential moving average of all weights; evaluation and the saved model use it',
    reference: 'Polyak & Juditsky 1992; timm ModelEmaV2',
    field: 'regularization.ema',
    enabled: (r) => r.regularization.ema !== null,
    build: (r) => emaPlugin({ decay: r.regularization.ema!.decay }),
  },
  {
    name: 'flipTta',
    doc: 'test-time augmentation: mean softmax of the image and its mirror',
    reference: 'Krizhevsky et al. 2012 §4.1',
    field: 'evaluation.flipTta',
    enabled: (r) => r.evaluation.flipTta,
    build: () => flipTtaPlugin(),
  },
  {
    name: 'translateTta',
    doc: 'test-time augmentation: mean softmax of the image and its four shifts by k pixels (with flipTta: of both)',
    reference: 'Page 2018 (DAWNBench ResNet); Jordan 2024 (airbench)',
    field: 'evaluation.translateTta',
    enabled: (r) => r.evaluation.translateTta > 0,
    build: (r) => translateTtaPlugin({ shift: r.evaluation.translateTta }),
  },
  {
    name: 'earlyStopping',
    doc: 'stops after `patience` epochs without improvement of a validation metric; saves the best epoch',
    reference: 'Prechelt 1998; Keras EarlyStopping',
    field: 'regularization.earlyStopping',
    enabled: (r) => r.regularization.earlyStopping !== null,
    build: (r) => earlyStoppingPlugin(r.regularization.earlyStopping!),
  },
];

/** The plug-in rows, in hook order. */
export function pluginRows(): readonly PluginRow[] {
  return rows;
}

/** Adds a row (a user's plug-in that a recipe turns on); names are unique. */
export function registerPlugin(row: PluginRow): void {
  if (rows.some((r) => r.name === row.name)) throw new Error(`registerPlugin: a plug-in named '${row.name}' exists`);
  if (row.fields) addPluginFields(row.fields.section, row.fields.properties);
  rows.push(row);
}

/** The plug-ins a recipe asks for, in hook order. */
export async function recipePlugins(recipe: Recipe, env: PluginEnv): Promise<TrainPlugin[]> {
  const out: TrainPlugin[] = [];
  for (const row of rows) if (row.enabled(recipe)) out.push(await row.build(recipe, env));
  return out;
}
