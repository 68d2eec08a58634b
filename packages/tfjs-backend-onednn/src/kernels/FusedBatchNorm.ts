// tfjs's FusedBatchNorm kernel (tf.batchNorm; tfjs-layers' BatchNormalization calls it in training with the batch
// moments and in inference with the moving ones), native in native/elementwise.cc. Its gradient is tfjs's composite
// of native elementwise/reduction kernels. The fused training op of this package (src/ops/batchnorm.ts) is separate.
// Parameters must hold one value per channel of the last axis (or one value); other shapes use the cpu kernel.
import { FusedBatchNorm, type FusedBatchNormAttrs, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { BACKEND_NAME, type OneDnnBackend } from '../backend.js';
import { native } from '../native.js';
import { cpuKernel } from './fallback.js';
import { float32Data, sizeOf } from './native_util.js';

const cpuBatchNorm = cpuKernel(FusedBatchNorm);

export function fusedBatchNorm(args: {
  inputs: { x: TensorInfo; mean: TensorInfo; variance: TensorInfo; scale?: TensorInfo; offset?: TensorInfo };
  backend: OneDnnBackend;
  attrs: FusedBatchNormAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, mean, variance, scale, offset } = inputs;
  const params = [mean, variance, scale, offset];
  const present = params.filter((t): t is TensorInfo => t !== undefined && t !== null);
  const data = float32Data(backend, x, ...present);
  const channels = x.shape.length > 0 ? x.shape[x.shape.length - 1] : 1;
  const shapesOk =
    channels > 0 &&
    sizeOf(x.shape) > 0 &&
    present.every((t) => t.shape.length === mean.shape.length) &&
    present.every((t) => sizeOf(t.shape) === channels || sizeOf(t.shape) === 1);
  if (!data || !shapesOk) return cpuBatchNorm(args as never) as TensorInfo;
  const values = (t: TensorInfo | undefined) => (t ? data[1 + present.indexOf(t)] : null);
  const y = backend.allocFloat32(sizeOf(x.shape));
  native.batchNorm(
    data[0],
    channels,
    values(mean),
    values(variance),
    values(scale),
    values(offset),
    attrs.varianceEpsilon ?? 0.001, // the cpu kernel's default
    y,
  );
  return backend.outputFloat32(y, [...x.shape]);
}

export const fusedBatchNormConfig: KernelConfig = {
  kernelName: FusedBatchNorm,
  backendName: BACKEND_NAME,
  kernelFunc: fusedBatchNorm as unknown as KernelConfig['kernelFunc'],
};
