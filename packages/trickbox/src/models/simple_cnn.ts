/**
 * A small fast CNN for quick experiments (the README's Fashion-MNIST job): two stages of two 3x3 conv + BN + ReLU,
 * each followed by 2x2 max pooling, then a dense layer with dropout and the classifier.
 */
import * as tf from '@tensorflow/tfjs';
import { BatchNormAct } from './layers/batch_norm_act.js';
import {
  checkDropout,
  checkInputShape,
  checkPositiveInt,
  conv,
  kernelInitializer,
  type InputShape,
  type KernelInit,
} from './common.js';
import { seedSource } from './seeding.js';

export interface SimpleCnnOptions {
  inputShape: InputShape;
  numClasses: number;
  /** Channels of the two stages. Default [32, 64]. */
  filters?: [number, number];
  /** Units of the hidden dense layer. Default 128. */
  denseUnits?: number;
  /** Dropout before the classifier. Default 0.25. */
  dropout?: number;
  init?: KernelInit;
  /** Seeds the weight initialisers (models/seeding.ts); without it tfjs draws from Math.random. */
  seed?: number;
  name?: string;
}

export function simpleCnn(options: SimpleCnnOptions): tf.LayersModel {
  const fn = 'models.simpleCnn';
  const inputShape = checkInputShape(fn, options.inputShape);
  const numClasses = checkPositiveInt(fn, 'numClasses', options.numClasses);
  const filters = options.filters ?? [32, 64];
  filters.forEach((f, i) => checkPositiveInt(fn, `filters[${i}]`, f));
  const denseUnits = checkPositiveInt(fn, 'denseUnits', options.denseUnits ?? 128);
  const dropout = checkDropout(fn, options.dropout ?? 0.25);
  const init = options.init ?? 'he';
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
