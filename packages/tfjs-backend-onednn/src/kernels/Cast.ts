import { Cast, type CastAttrs, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { BACKEND_NAME, type OneDnnBackend } from '../backend.js';
import { cpuKernel } from './fallback.js';
import { sizeOf } from './native_util.js';

const cpuCast = cpuKernel(Cast);

/**
 * Cast to float32 materialises a Float32Array (the cpu kernel relabels int32/bool data as float32 without converting
 * it, which would force every following kernel off the native path). Other casts are the cpu kernel's.
 */
export function cast(args: { inputs: { x: TensorInfo }; backend: OneDnnBackend; attrs: CastAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const values = backend.data.get(x.dataId).values;
  if (attrs.dtype !== 'float32' || x.dtype === 'complex64' || x.dtype === 'string' || values instanceof Float32Array) {
    return cpuCast(args as never) as TensorInfo;
  }
  const y = backend.allocFloat32(sizeOf(x.shape));
  y.set(values as Int32Array | Uint8Array); // TypedArray.set converts element types
  return backend.outputFloat32(y, [...x.shape]);
}

export const castConfig: KernelConfig = {
  kernelName: Cast,
  backendName: BACKEND_NAME,
  kernelFunc: cast as unknown as KernelConfig['kernelFunc'],
};
