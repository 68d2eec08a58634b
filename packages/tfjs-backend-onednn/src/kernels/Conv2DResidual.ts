// The native kernel of the inference op conv2dResidual (src/ops/conv_residual.ts): one oneDNN convolution whose
// post-ops add the residual and apply the ReLU.
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { BACKEND_NAME, type OneDnnBackend } from '../backend.js';
import { CONV2D_RESIDUAL } from '../ops/conv_residual.js';
import { forwardConvInfo } from './conv_util.js';
import { nativeForwardConv } from './FusedConv2D.js';

export interface Conv2dResidualAttrs extends NamedAttrMap {
  strides: number | [number, number];
  pad: 'same' | 'valid' | number;
  dilations: number | [number, number];
  relu: boolean;
}

function kernel(args: {
  inputs: Record<string, TensorInfo>;
  backend: OneDnnBackend;
  attrs: Conv2dResidualAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, filter, bias, residual } = inputs;
  const info = forwardConvInfo(x, filter, { ...attrs, dataFormat: 'NHWC' });
  return nativeForwardConv(backend, info, x, filter, bias, attrs.relu, residual);
}

export const conv2dResidualConfig: KernelConfig = {
  kernelName: CONV2D_RESIDUAL,
  backendName: BACKEND_NAME,
  kernelFunc: kernel as unknown as KernelConfig['kernelFunc'],
};
