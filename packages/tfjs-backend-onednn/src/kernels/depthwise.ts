// Depthwise convolution and its gradients: grouped oneDNN convolutions with groups = input channels.
import {
  backend_util,
  DepthwiseConv2dNative,
  DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput,
  type DepthwiseConv2dNativeAttrs,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type KernelConfig,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { BACKEND_NAME, type OneDnnBackend } from '../backend.js';
import { native } from '../native.js';
import { convParams, nativeConvSupported } from './conv_util.js';
import { allFloat32, cpuKernel } from './fallback.js';

type Shape4 = [number, number, number, number];
const cpuForward = cpuKernel(DepthwiseConv2dNative);
const cpuBackpropInput = cpuKernel(DepthwiseConv2dNativeBackpropInput);
const cpuBackpropFilter = cpuKernel(DepthwiseConv2dNativeBackpropFilter);

function depthwiseInfo(
  xShape: Shape4,
  filterShape: Shape4,
  attrs: {
    strides: number | [number, number];
    dilations: number | [number, number];
    pad: unknown;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  },
): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    attrs.strides,
    attrs.dilations ?? 1, // tfjs-layers passes null for "no dilation"
    attrs.pad as backend_util.ExplicitPadding,
    attrs.dimRoundingMode,
    true,
  );
}

const nonEmpty = (shape: number[]) => shape.every((d) => d > 0);

export function depthwiseConv2dNative(args: {
  inputs: { x: TensorInfo; filter: TensorInfo };
  backend: OneDnnBackend;
  attrs: DepthwiseConv2dNativeAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, filter } = inputs;
  const info = depthwiseInfo(x.shape as Shape4, filter.shape as Shape4, attrs);
  if (!allFloat32(backend, x, filter) || !nativeConvSupported(info) || !nonEmpty(info.outShape) || !nonEmpty(x.shape)) {
    return cpuForward(args as never) as TensorInfo;
  }
  const y = backend.allocFloat32(info.outShape.reduce((a, b) => a * b, 1));
  native.conv2d(backend.float32(x), backend.float32(filter), null, y, convParams(info, info.inChannels), false);
  return backend.outputFloat32(y, info.outShape);
}

export function depthwiseConv2dNativeBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: OneDnnBackend;
  attrs: DepthwiseConv2dNativeBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const info = depthwiseInfo(attrs.inputShape as Shape4, filter.shape as Shape4, attrs);
  if (
    !allFloat32(backend, dy, filter) ||
    !nativeConvSupported(info) ||
    !nonEmpty(info.inShape) ||
    !nonEmpty(dy.shape)
  ) {
    return cpuBackpropInput(args as never) as TensorInfo;
  }
  const dx = backend.allocFloat32(info.inShape.reduce((a, b) => a * b, 1));
  native.conv2dBackpropInput(backend.float32(dy), backend.float32(filter), dx, convParams(info, info.inChannels));
  return backend.outputFloat32(dx, info.inShape);
}

export function depthwiseConv2dNativeBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: OneDnnBackend;
  attrs: DepthwiseConv2dNativeBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const info = depthwiseInfo(x.shape as Shape4, attrs.filterShape as Shape4, attrs);
  if (!allFloat32(backend, x, dy) || !nativeConvSupported(info) || !nonEmpty(attrs.filterShape) || !nonEmpty(x.shape)) {
    return cpuBackpropFilter(args as never) as TensorInfo;
  }
  const dw = backend.allocFloat32(attrs.filterShape.reduce((a, b) => a * b, 1));
  native.conv2dBackpropFilter(backend.float32(x), backend.float32(dy), dw, convParams(info, info.inChannels), null);
  return backend.outputFloat32(dw, [...attrs.filterShape]);
}

const config = (kernelName: string, fn: unknown): KernelConfig => ({
  kernelName,
  backendName: BACKEND_NAME,
  kernelFunc: fn as KernelConfig['kernelFunc'],
});
export const depthwiseConv2dNativeConfig = config(DepthwiseConv2dNative, depthwiseConv2dNative);
export const depthwiseConv2dNativeBackpropInputConfig = config(
  DepthwiseConv2dNativeBackpropInput,
  depthwiseConv2dNativeBackpropInput,
);
export const depthwiseConv2dNativeBackpropFilterConfig = config(
  DepthwiseConv2dNativeBackpropFilter,
  depthwiseConv2dNativeBackpropFilter,
);
