/**
 * tfjs-layers' Conv2D (same configuration, weights and serialised fields) whose bias-free, linear case runs
 * `tf.conv2d` instead of `tf.fused.conv2d`. The fused op wraps its kernel in `customGrad`, which computes every
 * input's gradient whether or not it is needed (the stem convolution's input image needs none: one wasted
 * backward-data convolution per step) and makes the tape keep three tensors; `tf.conv2d`'s registered gradient
 * computes each input's gradient on demand. `models.toStandardLayers` turns it back into a built-in Conv2D.
 */
import * as tf from '@tensorflow/tfjs';

type Conv2DArgs = Parameters<typeof tf.layers.conv2d>[0];

/** tfjs-layers' Conv2D class (not exported by name; its constructor is reached through an instance). */
const Conv2DBase = Object.getPrototypeOf(tf.layers.conv2d({ filters: 1, kernelSize: 1 })).constructor as new (
  args: Conv2DArgs,
) => tf.layers.Layer;

/** The fields of tfjs-layers' BaseConv that the plain path reads. */
interface ConvInternals {
  kernel: tf.LayerVariable;
  useBias: boolean;
  activation: { getClassName(): string };
  strides: number[];
  padding: 'same' | 'valid';
  dataFormat: string;
  dilationRate: number | number[];
}

export class PlainConv2D extends Conv2DBase {
  static className = 'TrickboxConv2D';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const c = this as unknown as ConvInternals;
    const linear = c.activation.getClassName() === 'linear';
    if (c.useBias || !linear || c.dataFormat !== 'channelsLast') return super.call(inputs, kwargs);
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    const dilations = (Array.isArray(c.dilationRate) ? c.dilationRate : [c.dilationRate, c.dilationRate]) as [
      number,
      number,
    ];
    return tf.conv2d(x, c.kernel.read() as tf.Tensor4D, c.strides as [number, number], c.padding, 'NHWC', dilations);
  }
}
tf.serialization.registerClass(PlainConv2D as unknown as tf.serialization.SerializableConstructor<tf.layers.Layer>);
