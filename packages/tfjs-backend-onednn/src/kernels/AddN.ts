import { AddN, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { BACKEND_NAME, type OneDnnBackend } from '../backend.js';
import { native } from '../native.js';
import { cpuKernel } from './fallback.js';
import { float32Data, sizeOf } from './native_util.js';

const cpuAddN = cpuKernel(AddN);

/** Sum of same-shape tensors (gradient accumulation where a tensor feeds several ops) in one native pass. */
export function addN(args: { inputs: TensorInfo[]; backend: OneDnnBackend }): TensorInfo {
  const { inputs, backend } = args;
  const tensors = Object.values(inputs) as TensorInfo[];
  const data = float32Data(backend, ...tensors);
  if (tensors.length === 0 || !data || tensors[0].shape.includes(0)) return cpuAddN(args as never) as TensorInfo;
  const y = backend.allocFloat32(sizeOf(tensors[0].shape));
  native.addN(data, y);
  return backend.outputFloat32(y, [...tensors[0].shape]);
}

export const addNConfig: KernelConfig = {
  kernelName: AddN,
  backendName: BACKEND_NAME,
  kernelFunc: addN as unknown as KernelConfig['kernelFunc'],
};
