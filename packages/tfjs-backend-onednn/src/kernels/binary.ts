// Elementwise binary kernels with broadcasting (native/elementwise.cc): Add, Sub, Multiply, RealDiv, Maximum, Minimum,
// SquaredDifference. Non-float32 inputs (int32, bool, complex64) and empty outputs use the cpu kernels.
import {
  Add,
  backend_util,
  Maximum,
  Minimum,
  Multiply,
  RealDiv,
  SquaredDifference,
  Sub,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { BACKEND_NAME, type OneDnnBackend } from '../backend.js';
import { native } from '../native.js';
import { cpuKernel } from './fallback.js';
import { float32Data, sizeOf } from './native_util.js';

/** Op codes of `native.binary` (enum BinaryOp in native/elementwise.cc). */
export const BinaryOpCode = {
  [Add]: 0,
  [Sub]: 1,
  [Multiply]: 2,
  [RealDiv]: 3,
  [Maximum]: 4,
  [Minimum]: 5,
  [SquaredDifference]: 6,
} as const;

/** `a op b` on float32 data with tfjs broadcasting, into a pooled output. */
export function nativeBinary(
  backend: OneDnnBackend,
  op: number,
  a: TensorInfo,
  b: TensorInfo,
  data: Float32Array[],
): TensorInfo {
  const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  const out = backend.allocFloat32(sizeOf(outShape));
  native.binary(op, data[0], a.shape, data[1], b.shape, out, outShape);
  return backend.outputFloat32(out, outShape);
}

function binaryKernel(kernelName: keyof typeof BinaryOpCode): KernelConfig {
  const op = BinaryOpCode[kernelName];
  const cpu = cpuKernel(kernelName);
  const kernelFunc = (args: { inputs: { a: TensorInfo; b: TensorInfo }; backend: OneDnnBackend }) => {
    const { a, b } = args.inputs;
    const data = float32Data(args.backend, a, b);
    if (!data || a.shape.includes(0) || b.shape.includes(0)) return cpu(args as never) as TensorInfo;
    return nativeBinary(args.backend, op, a, b, data);
  };
  return { kernelName, backendName: BACKEND_NAME, kernelFunc: kernelFunc as unknown as KernelFunc };
}

export const addConfig = binaryKernel(Add);
export const subConfig = binaryKernel(Sub);
export const multiplyConfig = binaryKernel(Multiply);
export const realDivConfig = binaryKernel(RealDiv);
export const maximumConfig = binaryKernel(Maximum);
export const minimumConfig = binaryKernel(Minimum);
export const squaredDifferenceConfig = binaryKernel(SquaredDifference);
