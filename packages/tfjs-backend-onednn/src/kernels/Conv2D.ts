import { Conv2D, type Conv2DAttrs, type Conv2DInputs, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { BACKEND_NAME, type OneDnnBackend } from '../backend.js';
import { native } from '../native.js';
import { convParams, forwardConvInfo, nativeConvSupported } from './conv_util.js';
import { allFloat32, cpuKernel } from './fallback.js';

const cpuConv2D = cpuKernel(Conv2D);

export function conv2D(args: { inputs: Conv2DInputs; backend: OneDnnBackend; attrs: Conv2DAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const filter = inputs.filter as TensorInfo;
  const info = forwardConvInfo(x, filter, attrs);
  if (!allFloat32(backend, x, filter) || !nativeConvSupported(info) || info.outShape.some((d) => d === 0)) {
    return cpuConv2D(args as never) as TensorInfo;
  }
  const y = backend.allocFloat32(info.outShape.reduce((a, b) => a * b, 1));
  native.conv2d(backend.float32(x), backend.float32(filter), null, y, convParams(info), false);
  return backend.outputFloat32(y, info.outShape);
}

export const conv2DConfig: KernelConfig = {
  kernelName: Conv2D,
  backendName: BACKEND_NAME,
  kernelFunc: conv2D as unknown as KernelConfig['kernelFunc'],
};
