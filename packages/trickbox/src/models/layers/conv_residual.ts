/**
 * Inference layer of a residual block's last convolution with its batch norm folded in: y = relu?(conv(x) + bias +
 * residual), inputs [x, residual]. Built by `models.fastInference` from a trained model; it runs the
 * `conv2dResidual` op of `tfjs-backend-onednn` (one oneDNN primitive on 'onednn', conv + add + relu elsewhere).
 * Weights are those of a tfjs Conv2D with bias (kernel [kh, kw, in, out], bias [out]).
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dResidual } from 'tfjs-backend-onednn/ops';
import { checkPositiveInt } from '../common.js';

export interface ConvResidualConfig {
  filters: number;
  kernelSize: number;
  strides?: number;
  padding?: 'same' | 'valid';
  relu?: boolean;
  name?: string;
}

type LayerArgs = ConstructorParameters<typeof tf.layers.Layer>[0];

export class ConvResidual extends tf.layers.Layer {
  static className = 'TrickboxConvResidual';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: 'same' | 'valid';
  readonly relu: boolean;
  private kernel!: tf.LayerVariable;
  private bias!: tf.LayerVariable;

  constructor(config: ConvResidualConfig) {
    super({ ...config, trainable: false } as LayerArgs);
    this.filters = config.filters;
    this.kernelSize = config.kernelSize;
    this.strides = config.strides ?? 1;
    this.padding = config.padding ?? 'same';
    this.relu = config.relu ?? false;
    checkPositiveInt('ConvResidual', 'filters', this.filters);
    checkPositiveInt('ConvResidual', 'kernelSize', this.kernelSize);
    checkPositiveInt('ConvResidual', 'strides', this.strides);
    if (this.padding !== 'same' && this.padding !== 'valid') {
      throw new Error(`ConvResidual: padding must be 'same' or 'valid', got ${String(this.padding)}`);
    }
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shapes = inputShape as tf.Shape[];
    if (!Array.isArray(shapes[0]) || shapes.length !== 2) {
      throw new Error('ConvResidual: takes two inputs, [x, residual]');
    }
    const inChannels = shapes[0][3];
    if (inChannels == null) throw new Error(`ConvResidual: the channel dimension must be known, got [${shapes[0]}]`);
    const k = this.kernelSize;
    this.kernel = this.addWeight('kernel', [k, k, inChannels, this.filters], 'float32', tf.initializers.zeros());
    this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return (inputShape as tf.Shape[])[1];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [x, residual] = inputs as tf.Tensor4D[];
    return conv2dResidual(x, this.kernel.read() as tf.Tensor4D, residual, {
      strides: this.strides,
      pad: this.padding,
      bias: this.bias.read() as tf.Tensor1D,
      relu: this.relu,
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      relu: this.relu,
    };
  }
}
tf.serialization.registerClass(ConvResidual);
