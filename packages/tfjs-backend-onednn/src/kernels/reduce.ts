// Reductions (native/reduce.cc): Sum, Mean, Max, Min over any axes with keepDims; ArgMax/ArgMin; Softmax over the last
// axis. Non-float32 inputs (int32 sums, bool) and empty tensors use the cpu kernels.
import {
  ArgMax,
  ArgMin,
  backend_util,
  Max,
  Mean,
  Min,
  Softmax,
  Sum,
  util,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { BACKEND_NAME, type OneDnnBackend } from '../backend.js';
import { native } from '../native.js';
import { cpuKernel } from './fallback.js';
import { float32Data, sizeOf } from './native_util.js';

/** Op codes of `native.reduce` (enum ReduceOp in native/reduce.cc). */
const ReduceOpCode = { [Sum]: 0, [Mean]: 1, [Max]: 2, [Min]: 3 } as const;

interface ReduceAttrs {
  axis?: number | number[];
  reductionIndices?: number | number[];
  keepDims: boolean;
}

function reduceKernel(kernelName: keyof typeof ReduceOpCode): KernelConfig {
  const op = ReduceOpCode[kernelName];
  const cpu = cpuKernel(kernelName);
  const kernelFunc = (args: { inputs: { x: TensorInfo }; backend: OneDnnBackend; attrs: ReduceAttrs }) => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs;
    const data = float32Data(backend, x);
    // Max names its axes `reductionIndices`, the others `axis`; null means every axis.
    const raw = kernelName === Max ? attrs.reductionIndices : attrs.axis;
    const axes = util.parseAxisParam(raw as number[], x.shape);
    // Repeated axes: the cpu kernel's (odd) result is the reference, so it computes them.
    if (!data || x.shape.includes(0) || new Set(axes).size !== axes.length) return cpu(args as never) as TensorInfo;
    const [outShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
    const y = backend.allocFloat32(sizeOf(outShape));
    native.reduce(op, data[0], x.shape, axes, y);
    return backend.outputFloat32(y, attrs.keepDims ? backend_util.expandShapeToKeepDim(outShape, axes) : outShape);
  };
  return { kernelName, backendName: BACKEND_NAME, kernelFunc: kernelFunc as unknown as KernelFunc };
}

function argKernel(kernelName: typeof ArgMax | typeof ArgMin): KernelConfig {
  const cpu = cpuKernel(kernelName);
  const kernelFunc = (args: {
    inputs: { x: TensorInfo };
    backend: OneDnnBackend;
    attrs: { axis: number | number[] };
  }) => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs;
    const data = float32Data(backend, x);
    const axes = util.parseAxisParam(attrs.axis, x.shape);
    if (!data || x.shape.includes(0) || axes.length !== 1) return cpu(args as never) as TensorInfo;
    const axis = axes[0];
    const dims = [sizeOf(x.shape.slice(0, axis)), x.shape[axis], sizeOf(x.shape.slice(axis + 1))];
    const outShape = x.shape.filter((_, i) => i !== axis);
    const y = new Int32Array(sizeOf(outShape));
    native.argReduce(kernelName === ArgMax, data[0], dims, y);
    return backend.makeTensorInfo(outShape, 'int32', y);
  };
  return { kernelName, backendName: BACKEND_NAME, kernelFunc: kernelFunc as unknown as KernelFunc };
}

const cpuSoftmax = cpuKernel(Softmax);

export function softmax(args: { inputs: { logits: TensorInfo }; backend: OneDnnBackend; attrs: { dim: number } }) {
  const { inputs, backend, attrs } = args;
  const { logits } = inputs;
  const data = float32Data(backend, logits);
  const rank = logits.shape.length;
  const dim = attrs.dim === -1 ? rank - 1 : attrs.dim;
  if (!data || rank === 0 || dim !== rank - 1 || logits.shape.includes(0)) {
    return cpuSoftmax(args as never) as TensorInfo;
  }
  const cols = logits.shape[rank - 1];
  const size = sizeOf(logits.shape);
  const y = backend.allocFloat32(size);
  native.softmax(data[0], size / cols, cols, y);
  return backend.outputFloat32(y, [...logits.shape]);
}

export const sumConfig = reduceKernel(Sum);
export const meanConfig = reduceKernel(Mean);
export const maxConfig = reduceKernel(Max);
export const minConfig = reduceKernel(Min);
export const argMaxConfig = argKernel(ArgMax);
export const argMinConfig = argKernel(ArgMin);
export const softmaxConfig: KernelConfig = {
  kernelName: Softmax,
  backendName: BACKEND_NAME,
  kernelFunc: softmax as unknown as KernelFunc,
};
