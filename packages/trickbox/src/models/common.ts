import * as tf from '@tensorflow/tfjs';
import { Type, type Static } from '@sinclair/typebox';
import { argError, checkNumber } from '../check/index.js';
import { oneOfValues } from '../registry/index.js';
import { PlainConv2D } from './layers/plain_conv.js';
import { drawSeedOnApply, type SeedSource } from './seeding.js';

export type InputShape = [number, number, number];

/** What every model constructor takes besides its options: the data's shape and classes, and the weights' seed. */
export interface ModelInputs {
  inputShape: InputShape;
  numClasses: number;
  /** Seeds the weight initialisers (models/seeding.ts); without it tfjs draws from Math.random. */
  seed?: number;
}

/** Option fields shared by the models' schemas (each model's `*Fields` in its file). */
export const commonFields = {
  init: oneOfValues(['he', 'xavier'] as const, {
    default: 'he',
    description:
      'conv/dense kernel initialisation: He (fan-in, normal; He et al. 2015; drawn by tfjs varianceScaling, a normal truncated at ±2σ, std ≈ 0.88× the paper’s) or Xavier (uniform; Glorot & Bengio 2010)',
  }),
  bnMomentum: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0.1,
    description: 'BN momentum, PyTorch convention (weight of the batch statistics)',
  }),
  name: Type.Optional(
    Type.String({ minLength: 1, description: 'the tfjs model name (default: the architecture, e.g. resnet20)' }),
  ),
};

/** Validates `[height, width, channels]` with 1 or 3 channels; `fn` names the model in the error. */
export function checkInputShape(fn: string, inputShape: unknown): InputShape {
  const ok =
    Array.isArray(inputShape) &&
    inputShape.length === 3 &&
    inputShape.every((d) => Number.isInteger(d) && d > 0) &&
    (inputShape[2] === 1 || inputShape[2] === 3);
  if (!ok)
    throw argError(
      fn,
      'inputShape',
      '[height, width, channels] with positive integers and 1 or 3 channels',
      inputShape,
    );
  return inputShape as InputShape;
}

export function checkPositiveInt(fn: string, field: string, value: unknown): number {
  return checkNumber(fn, field, value, { integer: true, min: 1, range: 'a positive integer' });
}

/** A dropout rate in [0, 1); `fn` names the model in the error. */
export function checkDropout(fn: string, value: unknown): number {
  return checkNumber(fn, 'dropout', value, { min: 0, max: 1, maxOpen: true, range: 'in [0, 1)' });
}

export type KernelInit = Static<typeof commonFields.init>;

/**
 * He et al. 2015 (fan-in, normal) or Glorot & Bengio 2010 (uniform) initialisation of conv/dense kernels, seeded
 * from `seeds` when given.
 */
export function kernelInitializer(
  init: KernelInit,
  seeds?: SeedSource,
): ReturnType<typeof tf.initializers.glorotUniform> {
  return drawSeedOnApply(
    init === 'he'
      ? tf.initializers.varianceScaling({ scale: 2, mode: 'fanIn', distribution: 'normal' })
      : tf.initializers.glorotUniform({}),
    seeds,
  );
}

export function conv(
  x: tf.SymbolicTensor,
  filters: number,
  kernelSize: number,
  strides: number,
  init: KernelInit,
  name: string,
  seeds?: SeedSource,
): tf.SymbolicTensor {
  return new PlainConv2D({
    filters,
    kernelSize,
    strides,
    padding: 'same',
    useBias: false,
    kernelInitializer: kernelInitializer(init, seeds),
    name,
  }).apply(x) as tf.SymbolicTensor;
}

/** Total number of trainable parameters. */
export function countParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}
