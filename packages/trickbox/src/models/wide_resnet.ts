/**
 * Wide ResNet WRN-d-k (Zagoruyko & Komodakis 2016): pre-activation basic blocks, (d-4)/6 per stage, widths
 * 16k/32k/64k, dropout between the two convolutions of a block, 1x1 convolution shortcuts where the shape changes.
 */
import { Type, type Static, type TObject } from '@sinclair/typebox';
import * as tf from '@tensorflow/tfjs';
import { argError } from '../check/index.js';
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

/** The options of `wideResnet` as schemas (the model registry's rows and the docs are made from them). */
export const wideResnetFields = {
  depth: Type.Integer({ minimum: 1, default: 28, description: '6n+4 (16, 22, 28, 40)' }),
  widenFactor: Type.Integer({ minimum: 1, default: 10, description: 'k: stage widths 16k, 32k, 64k' }),
  dropout: Type.Number({
    minimum: 0,
    exclusiveMaximum: 1,
    default: 0,
    description: 'dropout between the convolutions of each block (the paper uses 0.3 on CIFAR)',
  }),
  init: commonFields.init,
  bnMomentum: commonFields.bnMomentum,
  name: commonFields.name,
};
const defaults = defaultsOf(wideResnetFields);

export type WideResNetOptions = ModelInputs &
  Pick<Static<TObject<typeof wideResnetFields>>, 'depth' | 'widenFactor'> &
  Partial<Static<TObject<typeof wideResnetFields>>>;

export function wideResnet(options: WideResNetOptions): tf.LayersModel {
  const fn = 'models.wideResnet';
  const inputShape = checkInputShape(fn, options.inputShape);
  const numClasses = checkPositiveInt(fn, 'numClasses', options.numClasses);
  const depth = checkPositiveInt(fn, 'depth', options.depth);
  const k = checkPositiveInt(fn, 'widenFactor', options.widenFactor);
  if ((depth - 4) % 6 !== 0) throw argError(fn, 'depth', '6n+4 (16, 22, 28, 40)', depth);
  const dropout = checkDropout(fn, options.dropout ?? defaults.dropout);
  const init = options.init ?? defaults.init;
  const seeds = seedSource(options.seed);
  const momentum = options.bnMomentum ?? defaults.bnMomentum;
  const n = (depth - 4) / 6;
  const bnRelu = (x: tf.SymbolicTensor, name: string) =>
    new BatchNormAct({ relu: true, momentum, name }).apply(x) as tf.SymbolicTensor;

  const input = tf.input({ shape: inputShape, name: 'image' });
  let x = conv(input, 16, 3, 1, init, 'stem_conv', seeds);
  [16 * k, 32 * k, 64 * k].forEach((filters, s) => {
    for (let b = 0; b < n; b++) {
      const stride = s > 0 && b === 0 ? 2 : 1;
      const name = `stage${s + 1}_block${b + 1}`;
      const pre = bnRelu(x, `${name}_bn1`);
      const needsProjection = stride !== 1 || (x.shape[3] as number) !== filters;
      const shortcut = needsProjection ? conv(pre, filters, 1, stride, init, `${name}_shortcut_conv`, seeds) : x;
      let y = conv(pre, filters, 3, stride, init, `${name}_conv1`, seeds);
      y = bnRelu(y, `${name}_bn2`);
      if (dropout > 0) y = tf.layers.dropout({ rate: dropout, name: `${name}_dropout` }).apply(y) as tf.SymbolicTensor;
      y = conv(y, filters, 3, 1, init, `${name}_conv2`, seeds);
      x = tf.layers.add({ name: `${name}_add` }).apply([y, shortcut]) as tf.SymbolicTensor;
    }
  });
  x = bnRelu(x, 'final_bn');
  x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers
    .dense({ units: numClasses, kernelInitializer: kernelInitializer('xavier', seeds), name: 'logits' })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: options.name ?? `wrn_${depth}_${k}` });
}
