import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { BACKEND_NAME, type OneDnnBackend } from '../backend.js';
import { native } from '../native.js';
import { convParams, nativeConvSupported } from './conv_util.js';
import { allFloat32, cpuKernel } from './fallback.js';

const cpuConv2DBackpropFilter = cpuKernel(Conv2DBackpropFilter);

export function conv2DBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: OneDnnBackend;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
  const size = attrs.filterShape.reduce((a, b) => a * b, 1);
  if (!allFloat32(backend, x, dy) || !nativeConvSupported(info) || size === 0 || x.shape.some((d) => d === 0)) {
    return cpuConv2DBackpropFilter(args as never) as TensorInfo;
  }
  const dw = backend.allocFloat32(size);
  native.conv2dBackpropFilter(backend.float32(x), backend.float32(dy), dw, convParams(info), null);
  return backend.outputFloat32(dw, [...attrs.filterShape]);
}

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: BACKEND_NAME,
  kernelFunc: conv2DBackpropFilter as unknown as KernelConfig['kernelFunc'],
};
