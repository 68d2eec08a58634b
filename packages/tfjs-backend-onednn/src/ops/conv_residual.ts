/**
 * Inference op of a residual block's last layer: y = relu?(conv2d(x, filter) + bias + residual) (He et al. 2016,
 * Fig. 2, with the batch norm folded into filter and bias). On 'onednn' it is one convolution primitive whose
 * post-ops add the residual and apply the ReLU, saving the two extra passes over memory of a separate Add and Relu;
 * elsewhere it is tf.fused.conv2d + add + relu with the same result. NHWC only. Not differentiable (inference only).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { OneDnnBackend } from '../backend.js';
import type { Conv2dResidualAttrs } from '../kernels/Conv2DResidual.js';
import { forwardConvInfo, nativeConvSupported } from '../kernels/conv_util.js';
import { BACKEND_NAME } from '../name.js';

export const CONV2D_RESIDUAL = 'OnednnConv2DResidual';

export interface Conv2dResidualOptions {
  strides?: number | [number, number];
  pad: 'same' | 'valid' | number;
  dilations?: number | [number, number];
  /** Per-output-channel bias, shape [outChannels]. */
  bias?: tf.Tensor1D;
  /** Apply ReLU after the add. Default false. */
  relu?: boolean;
}

/** y = relu?(conv2d(x, filter, strides, pad, dilations) + bias + residual); residual has the output's shape. */
export function conv2dResidual(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  residual: tf.Tensor4D,
  options: Conv2dResidualOptions,
): tf.Tensor4D {
  const strides = options.strides ?? 1;
  const dilations = options.dilations ?? 1;
  const where = 'conv2dResidual';
  if (x.rank !== 4 || filter.rank !== 4 || residual.rank !== 4) {
    throw new Error(
      `${where}: x, filter and residual must be rank 4 (NHWC, HWIO), got [${x.shape}], [${filter.shape}], [${residual.shape}]`,
    );
  }
  if (x.shape[3] !== filter.shape[2]) {
    throw new Error(`${where}: x has ${x.shape[3]} channels but the filter expects ${filter.shape[2]}`);
  }
  const info = forwardConvInfo(x, filter, { strides, pad: options.pad, dilations, dataFormat: 'NHWC' });
  if (!tf.util.arraysEqual(residual.shape, info.outShape)) {
    throw new Error(`${where}: residual must have the output's shape [${info.outShape}], got [${residual.shape}]`);
  }
  const { bias } = options;
  if (bias && (bias.rank !== 1 || bias.shape[0] !== info.outChannels)) {
    throw new Error(`${where}: bias must have shape [${info.outChannels}], got [${bias.shape}]`);
  }
  const backend = tf.backend() as OneDnnBackend;
  const onNative =
    tf.getBackend() === BACKEND_NAME &&
    nativeConvSupported(info) &&
    info.outShape.every((d) => d > 0) &&
    [x, filter, residual, bias].every((t) => !t || backend.isFloat32Data(t));
  if (onNative) {
    const inputs: Record<string, tf.Tensor> = { x, filter, residual };
    if (bias) inputs.bias = bias;
    const attrs: Conv2dResidualAttrs = { strides, pad: options.pad, dilations, relu: options.relu ?? false };
    return tf.engine().runKernel(CONV2D_RESIDUAL, inputs, attrs) as tf.Tensor4D;
  }
  return tf.tidy(() => {
    const y = tf.add(tf.fused.conv2d({ x, filter, strides, pad: options.pad, dilations, bias }), residual);
    return (options.relu ? tf.relu(y) : y) as tf.Tensor4D;
  });
}
