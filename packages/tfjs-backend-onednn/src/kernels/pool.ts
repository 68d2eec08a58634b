// 2-D pooling (native/pool.cc): MaxPool, AvgPool and their gradients MaxPoolGrad (dy, input, output) and AvgPoolGrad.
// Shapes oneDNN cannot express exactly as tfjs computes them (padding inconsistent with the output size, e.g. 'ceil'
// rounding; a window lying entirely in padding) and non-float32 data use the cpu kernels. AvgPoolGrad divides by the
// full window size like the cpu kernel (tfjs-wide behaviour, although the forward pass excludes padding).
import {
  AvgPool,
  AvgPoolGrad,
  backend_util,
  MaxPool,
  MaxPoolGrad,
  type AvgPoolAttrs,
  type AvgPoolGradAttrs,
  type KernelConfig,
  type KernelFunc,
  type MaxPoolAttrs,
  type MaxPoolGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { BACKEND_NAME, type OneDnnBackend } from '../backend.js';
import { native } from '../native.js';
import { cpuKernel } from './fallback.js';
import { float32Data, sizeOf } from './native_util.js';

type Shape4 = [number, number, number, number];

/** The 14 integers of `native.pool`, or null when oneDNN's pooling cannot reproduce tfjs's geometry. */
function poolParams(info: backend_util.Conv2DInfo): number[] | null {
  const p = info.padInfo;
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  if ([p.top, p.left, p.bottom, p.right].some((v) => v < 0)) return null;
  if (p.top >= info.filterHeight || p.bottom >= info.filterHeight) return null;
  if (p.left >= info.filterWidth || p.right >= info.filterWidth) return null;
  const oh = Math.floor((info.inHeight + p.top + p.bottom - info.filterHeight) / info.strideHeight) + 1;
  const ow = Math.floor((info.inWidth + p.left + p.right - info.filterWidth) / info.strideWidth) + 1;
  if (oh !== info.outHeight || ow !== info.outWidth) return null;
  if (info.outShape.includes(0) || info.inShape.includes(0)) return null;
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    p.top,
    p.left,
    p.bottom,
    p.right,
  ];
}

function poolInfo(
  xShape: number[],
  attrs: MaxPoolAttrs | AvgPoolAttrs | MaxPoolGradAttrs | AvgPoolGradAttrs,
): backend_util.Conv2DInfo | null {
  if (xShape.length !== 4) return null;
  return backend_util.computePool2DInfo(
    xShape as Shape4,
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    (attrs as MaxPoolAttrs).dimRoundingMode,
  );
}

function forwardKernel(kernelName: typeof MaxPool | typeof AvgPool): KernelConfig {
  const cpu = cpuKernel(kernelName);
  const isMax = kernelName === MaxPool;
  const kernelFunc = (args: { inputs: { x: TensorInfo }; backend: OneDnnBackend; attrs: MaxPoolAttrs }) => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs;
    const data = float32Data(backend, x);
    const info = data ? poolInfo(x.shape, attrs) : null;
    const params = info ? poolParams(info) : null;
    if (!data || !info || !params) return cpu(args as never) as TensorInfo;
    const y = backend.allocFloat32(sizeOf(info.outShape));
    native.pool(isMax, data[0], y, params);
    return backend.outputFloat32(y, [...info.outShape]);
  };
  return { kernelName, backendName: BACKEND_NAME, kernelFunc: kernelFunc as unknown as KernelFunc };
}

const cpuMaxPoolGrad = cpuKernel(MaxPoolGrad);
export function maxPoolGrad(args: {
  inputs: { dy: TensorInfo; input: TensorInfo; output: TensorInfo };
  backend: OneDnnBackend;
  attrs: MaxPoolGradAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, input } = inputs;
  const data = float32Data(backend, dy, input);
  const info = data ? poolInfo(input.shape, attrs) : null;
  const params = info ? poolParams(info) : null;
  if (!data || !info || !params) return cpuMaxPoolGrad(args as never) as TensorInfo;
  const dx = backend.allocFloat32(sizeOf(input.shape));
  native.poolBackward(true, data[0], data[1], dx, params);
  return backend.outputFloat32(dx, [...input.shape]);
}

const cpuAvgPoolGrad = cpuKernel(AvgPoolGrad);
export function avgPoolGrad(args: {
  inputs: { dy: TensorInfo; input: TensorInfo };
  backend: OneDnnBackend;
  attrs: AvgPoolGradAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, input } = inputs;
  const data = float32Data(backend, dy);
  const info = data && input.dtype === 'float32' ? poolInfo(input.shape, attrs) : null;
  const params = info ? poolParams(info) : null;
  if (!data || !info || !params) return cpuAvgPoolGrad(args as never) as TensorInfo;
  const dx = backend.allocFloat32(sizeOf(input.shape));
  native.poolBackward(false, data[0], null, dx, params);
  return backend.outputFloat32(dx, [...input.shape]);
}

export const maxPoolConfig = forwardKernel(MaxPool);
export const avgPoolConfig = forwardKernel(AvgPool);
export const maxPoolGradConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: BACKEND_NAME,
  kernelFunc: maxPoolGrad as unknown as KernelFunc,
};
export const avgPoolGradConfig: KernelConfig = {
  kernelName: AvgPoolGrad,
  backendName: BACKEND_NAME,
  kernelFunc: avgPoolGrad as unknown as KernelFunc,
};
