// The mixer registry: the rows a recipe's `mixing.name` chooses from ('none' turns mixing off), with their fields.
import { Type } from '@sinclair/typebox';
import type * as tf from '@tensorflow/tfjs';
import { Registry } from '../registry/index.js';
import type { Rng } from '../rng/index.js';
import { cutmix } from './cutmix.js';
import { mixup } from './mixup.js';
import { ricap } from './ricap.js';

export type MixerBuild = (
  fields: Record<string, unknown>,
) => (x: tf.Tensor4D, y: tf.Tensor2D, rng: Rng) => { x: tf.Tensor; y: tf.Tensor };

export const mixerFields = {
  alpha: Type.Number({
    exclusiveMinimum: 0,
    default: 1,
    description: 'Beta(α, α) of mixup / CutMix (Yun et al. 2019 use 1; Bag of Tricks mixup 0.2 — set it)',
  }),
  beta: Type.Number({
    exclusiveMinimum: 0,
    default: 0.3,
    description: 'RICAP boundary Beta(β, β) (Takahashi et al. 2018)',
  }),
};

export const mixers = new Registry<MixerBuild>('mixer', [
  {
    name: 'mixup',
    doc: 'convex combination of two images and their targets, λ ~ Beta(α, α)',
    reference: 'Zhang et al. 2018',
    fields: { alpha: mixerFields.alpha },
    build: (f) => (x, y, rng) => mixup(x, y, { alpha: f.alpha as number, rng }),
  },
  {
    name: 'cutmix',
    doc: 'a box of another image pasted in, targets weighted by area',
    reference: 'Yun et al. 2019',
    fields: { alpha: mixerFields.alpha },
    build: (f) => (x, y, rng) => cutmix(x, y, { alpha: f.alpha as number, rng }),
  },
  {
    name: 'ricap',
    doc: 'four crops of four images tiled into one, targets weighted by area',
    reference: 'Takahashi et al. 2018',
    fields: { beta: mixerFields.beta },
    build: (f) => (x, y, rng) => ricap(x, y, { beta: f.beta as number, rng }),
  },
]);

/** Adds a mixer a recipe can name (`mixing.name`); its fields join the mixing section of the schema. */
export function registerMixer(row: Parameters<typeof mixers.register>[0]): void {
  mixers.register(row);
}
