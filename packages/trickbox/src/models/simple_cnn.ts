/**
 * A small fast CNN for quick experiments (the README's Fashion-MNIST job): two stages of two 3x3 conv + BN + ReLU,
 * each followed by 2x2 max pooling, then a dense layer with dropout and the classifier.
 */
import { Type, type Static, type TObject } from '@sinclair/typebox';
import * as tf from '@tensorflow/tfjs';
import { BatchNormAct } from './layers/batch_norm_act.js';
import {
  checkDropout,
  checkInputShape,
  checkPositiveInt,
  conv,
  kernelInitializer,
  commonFields,
  type ModelInputs,
} from './common.js';
import { defaultsOf } from '../registry/index.js';
import { seedSource } from './seeding.js';

/** The options of `simpleCnn` as schemas (the model registry's rows and the docs are made from them). */
export const simpleCnnFields = {
  filters: Type.Tuple([Type.Integer({ minimum: 1 }), Type.Integer({ minimum: 1 })], {
    default: [32, 64],
    description: 'channels of the two stages',
  }),
  denseUnits: Type.Integer({ minimum: 1, default: 128, description: 'units of the hidden dense layer' }),
  dropout: Type.Number({
    minimum: 0,
    exclusiveMaximum: 1,
    default: 0.25,
    description: 'dropout before the classifier',
  }),
  init: commonFields.init,
  name: commonFields.name,
};
const defaults = defaultsOf(simpleCnnFields);

export type SimpleCnnOptions = ModelInputs & Partial<Static<TObject<typeof simpleCnnFields>>>;

export function simpleCnn(options: SimpleCnnOptions): tf.LayersModel {
  const fn = 'models.simpleCnn';
  const inputShape = checkInputShape(fn, options.inputShape);
  const numClasses = checkPositiveInt(fn, 'numClasses', options.numClasses);
  const filters = options.filters ?? defaults.filters;
  filters.forEach((f, i) => checkPositiveInt(fn, `filters[${i}]`, f));
  const denseUnits = checkPositiveInt(fn, 'denseUnits', options.denseUnits ?? defaults.denseUnits);
  const dropout = checkDropout(fn, options.dropout ?? defaults.dropout);
  const init = options.init ?? defaults.init;
  const seeds = seedSource(options.seed);

  const input = tf.input({ shape: inputShape, name: 'image' });
  let x: tf.SymbolicTensor = input;
  filters.forEach((f, s) => {
    for (let i = 0; i < 2; i++) {
      x = conv(x, f, 3, 1, init, `stage${s + 1}_conv${i + 1}`, seeds);
      x = new BatchNormAct({ relu: true, name: `stage${s + 1}_bn${i + 1}` }).apply(x) as tf.SymbolicTensor;
    }
    x = tf.layers
      .maxPooling2d({ poolSize: 2, strides: 2, padding: 'same', name: `stage${s + 1}_pool` })
      .apply(x) as tf.SymbolicTensor;
  });
  x = tf.layers.flatten({ name: 'flatten' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .dense({ units: denseUnits, activation: 'relu', kernelInitializer: kernelInitializer(init, seeds), name: 'hidden' })
    .apply(x) as tf.SymbolicTensor;
  if (dropout > 0) x = tf.layers.dropout({ rate: dropout, name: 'dropout' }).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers
    .dense({ units: numClasses, kernelInitializer: kernelInitializer('xavier', seeds), name: 'logits' })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: options.name ?? 'simple_cnn' });
}
