/**
 * A fast-training CNN in the style of airbench (Jordan 2024, "94% on CIFAR-10 in 3.29 Seconds on a Single GPU",
 * arXiv:2404.00498): a 2x2 patch-whitening stem convolution without padding (its filters set from the data by the
 * whitening plug-in, init/whitening_plugin.ts), then one block per entry of `widths`, each
 * conv3x3 → maxpool 2 → BN → activation → conv3x3 → BN → activation, a global max pool, a bias-free linear layer
 * and a fixed output scale (airbench: 1/9). The 3x3 convolutions start with their first in_channels filters as the
 * identity (Dirac; init/dirac.ts), the others He-initialised. With ReLU the activation is fused into the BN
 * (one native kernel forward and backward on 'onednn', docs/backend.md).
 */
import { Type } from '@sinclair/typebox';
import * as tf from '@tensorflow/tfjs';
import { argError, checkNumber } from '../check/index.js';
import { oneOfValues } from '../registry/index.js';
import { setDiracFilters } from '../init/dirac.js';
import { BatchNormAct } from './layers/batch_norm_act.js';
import { checkInputShape, checkPositiveInt, commonFields, conv, kernelInitializer, type InputShape } from './common.js';
import { seedSource } from './seeding.js';

export type SpeedNetActivation = 'relu' | 'gelu';

export interface SpeedNetOptions {
  inputShape: InputShape;
  numClasses: number;
  /** Output channels of each block. Default [64, 256, 256] (airbench94). */
  widths?: number[];
  /** Stem kernel size k; the stem has 2·k²·C filters (the whitening filters and their negations). Default 2. */
  whiteningKernel?: number;
  /**
   * Which stem weights the optimizer trains: 'bias' (airbench: the kernel stays the whitening, the bias trains;
   * the whitening plug-in can hold it after some epochs), 'all', or 'none'. Default 'bias'.
   */
  whiteningTrainable?: 'bias' | 'all' | 'none';
  /** Default 'relu' (fused into the BN; GELU, airbench's choice, is not native on 'onednn'). */
  activation?: SpeedNetActivation;
  /** Logits are multiplied by this. Default 1/9 (airbench). */
  outputScale?: number;
  /** BN momentum, PyTorch convention (weight of the batch statistics). Default 0.4 (airbench's 1 − 0.6). */
  bnMomentum?: number;
  /** BN ε. Default 1e-12 (airbench). */
  bnEpsilon?: number;
  /** First min(in, out) filters of each 3x3 convolution set to the identity (airbench). Default true. */
  diracInit?: boolean;
  /** Seeds the weight initialisers (models/seeding.ts); without it tfjs draws from Math.random. */
  seed?: number;
  name?: string;
}

const ACTIVATIONS = ['relu', 'gelu'] as const satisfies readonly SpeedNetActivation[];
const STEM_TRAINABLE = ['bias', 'all', 'none'] as const;

/** The stem layer's name, which the whitening plug-in looks for. */
export const WHITENING_LAYER = 'whiten';

function checkOption<T>(fn: string, field: string, value: T, accepted: readonly T[]): T {
  if (!accepted.includes(value))
    throw argError(fn, field, `one of ${accepted.map((a) => JSON.stringify(a)).join(', ')}`, value);
  return value;
}

/** The options of `speednet` as schemas (the model registry's row and the docs are made from them). */
export const speednetFields = {
  widths: Type.Array(Type.Integer({ minimum: 1 }), {
    minItems: 1,
    default: [64, 256, 256],
    description: 'output channels of each block (airbench94: 64, 256, 256)',
  }),
  whiteningKernel: Type.Integer({ minimum: 1, default: 2, description: 'stem kernel size k (2·k²·C filters)' }),
  whiteningTrainable: oneOfValues(STEM_TRAINABLE, {
    default: 'bias',
    description: "stem weights the optimizer trains: 'bias' (airbench), 'all' or 'none'",
  }),
  activation: oneOfValues(ACTIVATIONS, {
    default: 'relu',
    description: "'relu' (fused into the BN natively) or 'gelu' (airbench's; not native)",
  }),
  outputScale: Type.Number({ exclusiveMinimum: 0, default: 1 / 9, description: 'logits are multiplied by this' }),
  bnMomentum: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0.4,
    description: 'BN momentum, PyTorch convention (airbench: 1 − 0.6)',
  }),
  bnEpsilon: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 1e-12, description: 'BN ε (airbench)' }),
  diracInit: Type.Boolean({ default: true, description: 'first min(in, out) filters of each 3x3 conv the identity' }),
  name: commonFields.name,
};

export function speednet(options: SpeedNetOptions): tf.LayersModel {
  const fn = 'models.speednet';
  const inputShape = checkInputShape(fn, options.inputShape);
  const numClasses = checkPositiveInt(fn, 'numClasses', options.numClasses);
  const widths = options.widths ?? [64, 256, 256];
  if (!Array.isArray(widths) || widths.length < 1)
    throw argError(fn, 'widths', 'a non-empty list of channel counts', widths);
  widths.forEach((w, i) => checkPositiveInt(fn, `widths[${i}]`, w));
  const k = checkPositiveInt(fn, 'whiteningKernel', options.whiteningKernel ?? 2);
  const stemTrainable = checkOption(fn, 'whiteningTrainable', options.whiteningTrainable ?? 'bias', STEM_TRAINABLE);
  const activation = checkOption(fn, 'activation', options.activation ?? 'relu', ACTIVATIONS);
  const outputScale = checkNumber(fn, 'outputScale', options.outputScale ?? 1 / 9, { min: 0, minOpen: true });
  const momentum = options.bnMomentum ?? 0.4;
  checkNumber(fn, 'bnMomentum', momentum, { min: 0, max: 1 });
  const epsilon = checkNumber(fn, 'bnEpsilon', options.bnEpsilon ?? 1e-12, { min: 0, minOpen: true, max: 1 });
  const diracInit = options.diracInit ?? true;
  if (typeof diracInit !== 'boolean') throw argError(fn, 'diracInit', 'true or false', diracInit);
  const [height, width, channels] = inputShape;
  const spatialAfter = (size: number) => widths.reduce((s) => Math.floor(s / 2), size - k + 1);
  if (k > Math.min(height, width) || spatialAfter(Math.min(height, width)) < 1)
    throw argError(
      fn,
      'inputShape',
      `large enough for a ${k}x${k} stem and ${widths.length} blocks (each halves the size)`,
      inputShape,
    );
  const seeds = seedSource(options.seed);

  const act = (x: tf.SymbolicTensor, name: string): tf.SymbolicTensor =>
    activation === 'relu'
      ? (tf.layers.reLU({ name }).apply(x) as tf.SymbolicTensor)
      : (tf.layers.activation({ activation: 'gelu', name }).apply(x) as tf.SymbolicTensor);
  const bnAct = (x: tf.SymbolicTensor, name: string): tf.SymbolicTensor => {
    const y = new BatchNormAct({ relu: activation === 'relu', momentum, epsilon, name }).apply(x) as tf.SymbolicTensor;
    return activation === 'relu' ? y : act(y, `${name}_gelu`);
  };

  const input = tf.input({ shape: inputShape, name: 'image' });
  const stem = tf.layers.conv2d({
    filters: 2 * k * k * channels,
    kernelSize: k,
    padding: 'valid',
    useBias: true,
    kernelInitializer: kernelInitializer('he', seeds),
    name: WHITENING_LAYER,
  });
  let x = act(stem.apply(input) as tf.SymbolicTensor, `${WHITENING_LAYER}_${activation}`);
  const convs: tf.layers.Layer[] = [];
  widths.forEach((filters, b) => {
    const name = `block${b + 1}`;
    x = conv(x, filters, 3, 1, 'he', `${name}_conv1`, seeds);
    convs.push(x.sourceLayer as tf.layers.Layer);
    x = tf.layers
      .maxPooling2d({ poolSize: 2, strides: 2, padding: 'valid', name: `${name}_pool` })
      .apply(x) as tf.SymbolicTensor;
    x = bnAct(x, `${name}_bn1`);
    x = conv(x, filters, 3, 1, 'he', `${name}_conv2`, seeds);
    convs.push(x.sourceLayer as tf.layers.Layer);
    x = bnAct(x, `${name}_bn2`);
  });
  x = tf.layers.globalMaxPooling2d({ name: 'pool' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .dense({ units: numClasses, useBias: false, kernelInitializer: kernelInitializer('xavier', seeds), name: 'head' })
    .apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.rescaling({ scale: outputScale, offset: 0, name: 'logits' }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: logits, name: options.name ?? 'speednet' });

  if (diracInit) for (const c of convs) setDiracFilters(c.weights[0]!);
  if (stemTrainable === 'none') stem.trainable = false;
  if (stemTrainable === 'bias') stem.weights.find((w) => w.originalName.endsWith('/kernel'))!.trainable = false;
  return model;
}
