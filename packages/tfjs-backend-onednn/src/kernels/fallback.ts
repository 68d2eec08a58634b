import {
  getKernel,
  type KernelFunc,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { OneDnnBackend } from '../backend.js';

/** The cpu backend's implementation of a kernel: used where the native one does not cover an input. */
export function cpuKernel(kernelName: string): KernelFunc {
  const config = getKernel(kernelName, 'cpu');
  if (!config) throw new Error(`onednn: the cpu backend has no kernel '${kernelName}' to fall back to`);
  return config.kernelFunc;
}

export interface KernelArgs {
  inputs: NamedTensorInfoMap;
  backend: OneDnnBackend;
  attrs?: NamedAttrMap;
}

/**
 * True when every tensor is float32 and holds a Float32Array (the cpu backend's Cast to float32 may only relabel
 * int32/bool data): the data the native kernels take. Anything else goes to the cpu kernel.
 */
export function allFloat32(backend: OneDnnBackend, ...tensors: Array<TensorInfo | undefined>): boolean {
  return tensors.every((t) => t === undefined || backend.isFloat32Data(t));
}
