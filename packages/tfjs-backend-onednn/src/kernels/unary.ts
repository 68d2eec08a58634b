// Elementwise unary kernels (native/elementwise.cc). tfjs composes the ReLU gradient as Multiply(dy, Step(x)), so Step
// is native too. Step's and LeakyRelu's `alpha` attribute is passed through. Non-float32 inputs use the cpu kernels.
import {
  Abs,
  Ceil,
  Elu,
  Floor,
  LeakyRelu,
  Round,
  Sign,
  Exp,
  Log,
  Neg,
  Reciprocal,
  Relu,
  Relu6,
  Rsqrt,
  Sigmoid,
  Sqrt,
  Square,
  Step,
  Tanh,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { BACKEND_NAME, type OneDnnBackend } from '../backend.js';
import { native } from '../native.js';
import { cpuKernel } from './fallback.js';
import { float32Data, sizeOf } from './native_util.js';

/** Op codes of `native.unary` (enum UnaryOp in native/elementwise.cc). */
const UnaryOpCode = {
  [Relu]: 0,
  [Exp]: 1,
  [Log]: 2,
  [Neg]: 3,
  [Square]: 4,
  [Sqrt]: 5,
  [Rsqrt]: 6,
  [Abs]: 7,
  [Sigmoid]: 8,
  [Tanh]: 9,
  [Reciprocal]: 10,
  [Step]: 11,
  [Relu6]: 12,
  [Floor]: 13,
  [Ceil]: 14,
  [Round]: 15,
  [Sign]: 16,
  [Elu]: 17,
  [LeakyRelu]: 18,
} as const;

function unaryKernel(kernelName: keyof typeof UnaryOpCode): KernelConfig {
  const op = UnaryOpCode[kernelName];
  const cpu = cpuKernel(kernelName);
  const kernelFunc = (args: { inputs: { x: TensorInfo }; backend: OneDnnBackend; attrs?: { alpha?: number } }) => {
    const { x } = args.inputs;
    const { backend } = args;
    const data = float32Data(backend, x);
    if (!data || x.shape.includes(0)) return cpu(args as never) as TensorInfo;
    const y = backend.allocFloat32(sizeOf(x.shape));
    native.unary(op, data[0], y, args.attrs?.alpha ?? 0);
    return backend.outputFloat32(y, [...x.shape]);
  };
  return { kernelName, backendName: BACKEND_NAME, kernelFunc: kernelFunc as unknown as KernelFunc };
}

export const unaryConfigs: KernelConfig[] = (Object.keys(UnaryOpCode) as Array<keyof typeof UnaryOpCode>).map(
  unaryKernel,
);
