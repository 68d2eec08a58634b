import {
  FusedConv2D,
  type backend_util,
  type FusedConv2DAttrs,
  type KernelConfig,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { BACKEND_NAME, type OneDnnBackend } from '../backend.js';
import { native } from '../native.js';
import { convParams, forwardConvInfo, nativeConvSupported } from './conv_util.js';
import { allFloat32, cpuKernel } from './fallback.js';

const cpuFusedConv2D = cpuKernel(FusedConv2D);

/** Convolution + bias + ReLU in one oneDNN primitive (post-op); other activations use the cpu kernel. */
export function fusedConv2D(args: {
  inputs: { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
  backend: OneDnnBackend;
  attrs: FusedConv2DAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, filter, bias } = inputs;
  const info = forwardConvInfo(x, filter, attrs);
  const activationOk = attrs.activation === 'linear' || attrs.activation === 'relu';
  const biasOk = bias === undefined || (bias.shape.length === 1 && bias.shape[0] === info.outChannels);
  if (
    !activationOk ||
    !biasOk ||
    !allFloat32(backend, x, filter, bias) ||
    !nativeConvSupported(info) ||
    info.outShape.some((d) => d === 0)
  ) {
    return cpuFusedConv2D(args as never) as TensorInfo;
  }
  return nativeForwardConv(backend, info, x, filter, bias, attrs.activation === 'relu');
}

/** y = relu?(conv(x, filter) + bias (+ residual)) as one oneDNN primitive; the caller checked the shapes and dtypes. */
export function nativeForwardConv(
  backend: OneDnnBackend,
  info: backend_util.Conv2DInfo,
  x: TensorInfo,
  filter: TensorInfo,
  bias: TensorInfo | undefined,
  relu: boolean,
  residual?: TensorInfo,
): TensorInfo {
  const y = backend.allocFloat32(info.outShape.reduce((a, b) => a * b, 1));
  native.conv2d(
    backend.float32(x),
    backend.float32(filter),
    bias ? backend.float32(bias) : null,
    y,
    convParams(info),
    relu,
    residual ? backend.float32(residual) : null,
  );
  return backend.outputFloat32(y, info.outShape);
}

export const fusedConv2DConfig: KernelConfig = {
  kernelName: FusedConv2D,
  backendName: BACKEND_NAME,
  kernelFunc: fusedConv2D as unknown as KernelConfig['kernelFunc'],
};
