/**
 * ResNets for small images (He et al. 2016, "Deep Residual Learning", §4.2: depth 6n+2, 16/32/64 channels) and
 * their pre-activation version (He et al. 2016, "Identity Mappings"; PreAct ResNet-18 as in the mixup paper:
 * [2,2,2,2] basic blocks, 64–512 channels). Built from the fused BatchNormAct layer so that a training step on
 * 'onednn' runs one native kernel per BN (+ residual + ReLU) forward and one backward.
 */
import { Type, type Static, type TObject } from '@sinclair/typebox';
import * as tf from '@tensorflow/tfjs';
import { argError, checkNumber } from '../check/index.js';
import { BatchNormAct } from './layers/batch_norm_act.js';
import { PadShortcut } from './layers/shortcut.js';
import {
  checkDropout,
  checkInputShape,
  checkPositiveInt,
  conv,
  kernelInitializer,
  commonFields,
  type KernelInit,
  type ModelInputs,
} from './common.js';
import { defaultsOf, oneOfValues } from '../registry/index.js';
import { seedSource, type SeedSource } from './seeding.js';

/** The options of `resnet` as schemas (the model registry's rows and the docs are made from them). */
export const resnetFields = {
  depth: Type.Integer({
    minimum: 1,
    default: 20,
    description: "6n+2 for the 'cifar' variant (20, 32, 44, 56, 110, …); 18 for 'preact'",
  }),
  variant: oneOfValues(['cifar', 'preact'] as const, {
    default: 'cifar',
    description: "'cifar': He et al. 2016 §4.2 (16/32/64 channels); 'preact': PreAct ResNet-18 (64–512 channels)",
  }),
  shortcut: Type.Optional(
    oneOfValues(['A', 'B'] as const, {
      description:
        "'A': zero-padded identity (parameter-free, the paper's CIFAR choice); 'B': 1x1 convolution + BN; default A for 'cifar', B for 'preact'",
    }),
  ),
  resnetD: Type.Boolean({
    default: false,
    description:
      'ResNet-D (Bag of Tricks §4.1): downsampling shortcut = 2x2 average pool, then 1x1 conv (implies shortcut B)',
  }),
  zeroInitResidual: Type.Boolean({
    default: false,
    description: 'zero-γ in the last BN of each residual block (Goyal et al. 2017; Bag of Tricks §3.1)',
  }),
  dropout: Type.Number({
    minimum: 0,
    exclusiveMaximum: 1,
    default: 0,
    description: 'dropout rate before the classifier',
  }),
  widthMultiplier: Type.Number({
    exclusiveMinimum: 0,
    default: 1,
    description: "channel multiplier of every stage (1 = the paper's widths)",
  }),
  ...commonFields,
};
const defaults = defaultsOf(resnetFields);

export type ResNetOptions = ModelInputs &
  Pick<Static<TObject<typeof resnetFields>>, 'depth'> &
  Partial<Static<TObject<typeof resnetFields>>>;

interface BlockContext {
  init: KernelInit;
  bnMomentum: number;
  zeroInitResidual: boolean;
  shortcut: 'A' | 'B';
  resnetD: boolean;
  seeds: SeedSource | undefined;
}

function bn(x: tf.SymbolicTensor | tf.SymbolicTensor[], name: string, ctx: BlockContext, relu: boolean, zero = false) {
  return new BatchNormAct({
    relu,
    momentum: ctx.bnMomentum,
    gammaInitializer: zero ? 'zeros' : 'ones',
    name,
  }).apply(x) as tf.SymbolicTensor;
}

function projection(x: tf.SymbolicTensor, filters: number, stride: number, ctx: BlockContext, name: string) {
  let input = x;
  let convStride = stride;
  if (ctx.resnetD && stride > 1) {
    input = tf.layers
      .averagePooling2d({ poolSize: stride, strides: stride, padding: 'same', name: `${name}_pool` })
      .apply(x) as tf.SymbolicTensor;
    convStride = 1;
  }
  const p = conv(input, filters, 1, convStride, ctx.init, `${name}_conv`, ctx.seeds);
  return p;
}

/** Post-activation basic block: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), the add and ReLU fused in bn2. */
function basicBlock(x: tf.SymbolicTensor, filters: number, stride: number, ctx: BlockContext, name: string) {
  const inChannels = x.shape[3] as number;
  let shortcut = x;
  if (stride !== 1 || inChannels !== filters) {
    if (ctx.shortcut === 'A' && !ctx.resnetD) {
      shortcut = new PadShortcut({ stride, outChannels: filters, name: `${name}_shortcut` }).apply(
        x,
      ) as tf.SymbolicTensor;
    } else {
      shortcut = bn(projection(x, filters, stride, ctx, `${name}_shortcut`), `${name}_shortcut_bn`, ctx, false);
    }
  }
  let y = conv(x, filters, 3, stride, ctx.init, `${name}_conv1`, ctx.seeds);
  y = bn(y, `${name}_bn1`, ctx, true);
  y = conv(y, filters, 3, 1, ctx.init, `${name}_conv2`, ctx.seeds);
  return bn([y, shortcut], `${name}_bn2`, ctx, true, ctx.zeroInitResidual);
}

/** Pre-activation basic block: conv2(relu(bn2(conv1(relu(bn1(x)))))) + shortcut. */
function preactBlock(x: tf.SymbolicTensor, filters: number, stride: number, ctx: BlockContext, name: string) {
  const inChannels = x.shape[3] as number;
  const pre = bn(x, `${name}_bn1`, ctx, true);
  const shortcut =
    stride !== 1 || inChannels !== filters ? projection(pre, filters, stride, ctx, `${name}_shortcut`) : x;
  let y = conv(pre, filters, 3, stride, ctx.init, `${name}_conv1`, ctx.seeds);
  y = bn(y, `${name}_bn2`, ctx, true, false);
  y = conv(y, filters, 3, 1, ctx.init, `${name}_conv2`, ctx.seeds);
  return tf.layers.add({ name: `${name}_add` }).apply([y, shortcut]) as tf.SymbolicTensor;
}

export function resnet(options: ResNetOptions): tf.LayersModel {
  const fn = 'models.resnet';
  const variant = options.variant ?? defaults.variant;
  if (variant !== 'cifar' && variant !== 'preact') {
    throw argError(fn, 'variant', "'cifar' or 'preact'", variant);
  }
  const inputShape = checkInputShape(fn, options.inputShape);
  const numClasses = checkPositiveInt(fn, 'numClasses', options.numClasses);
  const depth = checkPositiveInt(fn, 'depth', options.depth);
  const width = options.widthMultiplier ?? defaults.widthMultiplier;
  checkNumber(fn, 'widthMultiplier', width, { min: 0, minOpen: true, range: '> 0' });
  const dropout = checkDropout(fn, options.dropout ?? defaults.dropout);
  const shortcut = options.shortcut ?? (variant === 'cifar' ? 'A' : 'B');
  if (shortcut !== 'A' && shortcut !== 'B') throw argError(fn, 'shortcut', "'A' or 'B'", shortcut);
  const ctx: BlockContext = {
    init: options.init ?? defaults.init,
    bnMomentum: options.bnMomentum ?? defaults.bnMomentum,
    zeroInitResidual: options.zeroInitResidual ?? defaults.zeroInitResidual,
    shortcut,
    resnetD: options.resnetD ?? defaults.resnetD,
    seeds: seedSource(options.seed),
  };

  let stages: number[];
  let blocks: number[];
  if (variant === 'cifar') {
    if ((depth - 2) % 6 !== 0) throw argError(fn, 'depth of a CIFAR ResNet', '6n+2 (20, 32, 44, 56, 110)', depth);
    const n = (depth - 2) / 6;
    stages = [16, 32, 64];
    blocks = [n, n, n];
  } else {
    if (depth !== 18) throw argError(fn, "depth of the 'preact' variant", '18', depth);
    stages = [64, 128, 256, 512];
    blocks = [2, 2, 2, 2];
  }
  stages = stages.map((c) => Math.max(1, Math.round(c * width)));

  const input = tf.input({ shape: inputShape, name: 'image' });
  let x = conv(input, stages[0], 3, 1, ctx.init, 'stem_conv', ctx.seeds);
  if (variant === 'cifar') x = bn(x, 'stem_bn', ctx, true);
  stages.forEach((filters, s) => {
    for (let b = 0; b < blocks[s]; b++) {
      const stride = s > 0 && b === 0 ? 2 : 1;
      const name = `stage${s + 1}_block${b + 1}`;
      x = variant === 'cifar' ? basicBlock(x, filters, stride, ctx, name) : preactBlock(x, filters, stride, ctx, name);
    }
  });
  if (variant === 'preact') x = bn(x, 'final_bn', ctx, true);
  x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tf.SymbolicTensor;
  if (dropout > 0) x = tf.layers.dropout({ rate: dropout, name: 'dropout' }).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers
    .dense({
      units: numClasses,
      kernelInitializer: kernelInitializer(ctx.init === 'he' ? 'xavier' : ctx.init, ctx.seeds),
      name: 'logits',
    })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({
    inputs: input,
    outputs: logits,
    name: options.name ?? `${variant === 'cifar' ? 'resnet' : 'preact_resnet'}${depth}`,
  });
}
