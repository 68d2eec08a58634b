import {
  backend_util,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { BACKEND_NAME, type OneDnnBackend } from '../backend.js';
import { native } from '../native.js';
import { convParams, nativeConvSupported } from './conv_util.js';
import { allFloat32, cpuKernel } from './fallback.js';

const cpuConv2DBackpropInput = cpuKernel(Conv2DBackpropInput);

export function conv2DBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: OneDnnBackend;
  attrs: Conv2DBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
  const size = info.inShape.reduce((a, b) => a * b, 1);
  if (!allFloat32(backend, dy, filter) || !nativeConvSupported(info) || size === 0 || dy.shape.some((d) => d === 0)) {
    return cpuConv2DBackpropInput(args as never) as TensorInfo;
  }
  const dx = backend.allocFloat32(size);
  native.conv2dBackpropInput(backend.float32(dy), backend.float32(filter), dx, convParams(info));
  return backend.outputFloat32(dx, info.inShape);
}

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: BACKEND_NAME,
  kernelFunc: conv2DBackpropInput as unknown as KernelConfig['kernelFunc'],
};
