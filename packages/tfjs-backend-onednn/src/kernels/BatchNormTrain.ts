// The native kernels of the fused training batch norm (src/ops/batchnorm.ts): one pass forward, one pass backward
// giving dx, dγ, dβ and the residual's gradient together.
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { BACKEND_NAME, type OneDnnBackend } from '../backend.js';
import { native } from '../native.js';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from '../ops/batchnorm.js';

interface Attrs extends NamedAttrMap {
  relu: boolean;
  epsilon: number;
  momentum: number;
  hasResidual: boolean;
}

function rowsAndChannels(shape: number[]): [number, number] {
  const c = shape[shape.length - 1];
  return [shape.reduce((a, b) => a * b, 1) / c, c];
}

/** Float32 words of the ReLU bit mask the native kernels use (0 when they read y instead). */
function maskWords(relu: boolean, m: number, c: number): number {
  return relu && c % 8 === 0 ? Math.ceil((m * c) / 32) : 0;
}

function forwardKernel(args: {
  inputs: Record<string, TensorInfo>;
  backend: OneDnnBackend;
  attrs: Attrs;
}): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { x, gamma, beta, residual, runningMean, runningVar } = inputs;
  const [m, c] = rowsAndChannels(x.shape);
  const y = backend.allocFloat32(m * c);
  // Saved for the backward pass as one tensor [mean | invstd | γ | ReLU bit mask], so the tape clones 3 tensors per
  // BN, not 6. The mask (1 bit per element, in float32 words) exists with ReLU and c % 8 == 0; the backward then
  // reads it instead of y.
  const stats = backend.allocFloat32(3 * c + maskWords(attrs.relu, m, c));
  const mean = stats.subarray(0, c);
  const invstd = stats.subarray(c, 2 * c);
  stats.set(backend.float32(gamma), 2 * c);
  const newMean = backend.allocFloat32(c);
  const newVar = backend.allocFloat32(c);
  native.bnTrainForward(
    backend.float32(x),
    backend.float32(gamma),
    backend.float32(beta),
    residual ? backend.float32(residual) : null,
    y,
    mean,
    invstd,
    m,
    c,
    attrs.epsilon,
    attrs.relu,
    backend.float32(runningMean),
    backend.float32(runningVar),
    newMean,
    newVar,
    attrs.momentum,
    stats.length > 3 * c ? stats.subarray(3 * c) : null,
  );
  return [
    backend.outputFloat32(y, x.shape),
    backend.outputFloat32(stats, [stats.length]),
    backend.outputFloat32(newMean, [c]),
    backend.outputFloat32(newVar, [c]),
  ];
}

function backwardKernel(args: {
  inputs: Record<string, TensorInfo>;
  backend: OneDnnBackend;
  attrs: Attrs;
}): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { dy, x, y, stats } = inputs;
  const [m, c] = rowsAndChannels(x.shape);
  const dx = backend.allocFloat32(m * c);
  const dgamma = backend.allocFloat32(c);
  const packed = backend.float32(stats);
  const dbeta = backend.allocFloat32(c);
  const dres = attrs.hasResidual ? backend.allocFloat32(m * c) : null;
  const mask = packed.length > 3 * c ? packed.subarray(3 * c) : null;
  native.bnTrainBackward(
    backend.float32(dy),
    backend.float32(x),
    attrs.relu && !mask ? backend.float32(y) : null,
    packed.subarray(2 * c, 3 * c),
    packed.subarray(0, c),
    packed.subarray(c, 2 * c),
    dx,
    dgamma,
    dbeta,
    dres,
    m,
    c,
    mask,
  );
  const outs = [
    backend.outputFloat32(dx, x.shape),
    backend.outputFloat32(dgamma, [c]),
    backend.outputFloat32(dbeta, [c]),
  ];
  if (dres) outs.push(backend.outputFloat32(dres, x.shape));
  return outs;
}

export const batchNormTrainConfig: KernelConfig = {
  kernelName: BATCH_NORM_TRAIN,
  backendName: BACKEND_NAME,
  kernelFunc: forwardKernel as unknown as KernelConfig['kernelFunc'],
};

export const batchNormTrainGradConfig: KernelConfig = {
  kernelName: BATCH_NORM_TRAIN_GRAD,
  backendName: BACKEND_NAME,
  kernelFunc: backwardKernel as unknown as KernelConfig['kernelFunc'],
};

export const batchNormTrainGradient: GradConfig = {
  kernelName: BATCH_NORM_TRAIN,
  inputsToSave: ['x'],
  outputsToSave: [true, true, false, false],
  gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: NamedAttrMap) => {
    const dy = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor;
    const [x, y, stats] = saved;
    const a = attrs as Attrs;
    // One kernel gives every gradient. It runs here, not inside the per-input closures: the engine runs each closure
    // in its own tidy, which would dispose the sibling outputs.
    const grads = tf.engine().runKernel(
      BATCH_NORM_TRAIN_GRAD,
      { dy, x, y, stats },
      {
        ...a,
      },
    ) as unknown as tf.Tensor[];
    const result: Record<string, () => tf.Tensor> = {
      x: () => grads[0],
      gamma: () => grads[1],
      beta: () => grads[2],
    };
    if (a.hasResidual) result.residual = () => grads[3];
    return result;
  },
};
