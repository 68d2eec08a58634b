/**
 * Batch normalisation for training, fused with an optional residual add and ReLU (Ioffe & Szegedy 2015, Algorithm 1;
 * He et al. 2016 basic block): y = relu?(γ·(x - μ_B)/sqrt(σ²_B + ε) + β (+ r)), statistics over every axis but the last
 * (channels-last). Running statistics follow PyTorch: r ← (1 - m)·r + m·s, with the unbiased batch variance.
 *
 * On 'onednn' it is one native kernel forward and one backward (dx, dγ, dβ and dr together); elsewhere the same maths
 * is composed from tfjs ops (autodiff gives the gradient), so models built on it run on every backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { BACKEND_NAME, type OneDnnBackend } from '../backend.js';
import { native } from '../native.js';

export const BATCH_NORM_TRAIN = 'OnednnBatchNormTrain';
export const BATCH_NORM_TRAIN_GRAD = 'OnednnBatchNormTrainGrad';

export interface BatchNormTrainOptions {
  /** Tensor added after normalisation, before the ReLU (a ResNet shortcut); same shape as x. */
  residual?: tf.Tensor;
  /** Apply ReLU to the result. Default false. */
  relu?: boolean;
  /** Weight of the batch statistics in the running averages (PyTorch convention). Default 0.1. */
  momentum?: number;
  /** Added to the variance. Default 1e-5 (PyTorch). */
  epsilon?: number;
}

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

function check(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, options: BatchNormTrainOptions): void {
  const c = x.shape[x.shape.length - 1];
  const where = 'batchNormTrain';
  if (x.rank < 2) throw new Error(`${where}: x must have rank >= 2 (channels last), got shape [${x.shape}]`);
  for (const [name, t] of [
    ['gamma', gamma],
    ['beta', beta],
  ] as const) {
    if (t.rank !== 1 || t.shape[0] !== c) throw new Error(`${where}: ${name} must have shape [${c}], got [${t.shape}]`);
  }
  if (options.residual && !tf.util.arraysEqual(options.residual.shape, x.shape)) {
    throw new Error(`${where}: residual must have the shape of x [${x.shape}], got [${options.residual.shape}]`);
  }
  const momentum = options.momentum ?? 0.1;
  if (!(momentum >= 0 && momentum <= 1)) throw new Error(`${where}: momentum must be in [0, 1], got ${momentum}`);
  const epsilon = options.epsilon ?? 1e-5;
  if (!(epsilon > 0)) throw new Error(`${where}: epsilon must be > 0, got ${epsilon}`);
  if (x.size / c < 2) throw new Error(`${where}: needs more than one value per channel, got shape [${x.shape}]`);
}

/** The composite version for other backends: the same maths from tfjs ops. Returns [y, mean, biased variance]. */
function composite(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, options: BatchNormTrainOptions, epsilon: number) {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  let y = tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon))), gamma), beta);
  if (options.residual) y = tf.add(y, options.residual);
  if (options.relu) y = tf.relu(y);
  return [y, mean, variance] as const;
}

/**
 * Training-mode batch norm. Updates `runningMean` and `runningVar` (when given) and returns y; differentiable with
 * respect to x, gamma, beta and the residual.
 */
export function batchNormTrain(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  runningMean: tf.Variable | null,
  runningVar: tf.Variable | null,
  options: BatchNormTrainOptions = {},
): tf.Tensor {
  check(x, gamma, beta, options);
  const momentum = options.momentum ?? 0.1;
  const epsilon = options.epsilon ?? 1e-5;
  const c = x.shape[x.shape.length - 1];
  const count = x.size / c;
  const onNative =
    tf.getBackend() === BACKEND_NAME &&
    [x, gamma, beta, options.residual, runningMean, runningVar].every(
      (t) => !t || (tf.backend() as OneDnnBackend).isFloat32Data(t),
    );
  if (onNative) {
    const inputs: Record<string, tf.Tensor> = {
      x,
      gamma,
      beta,
      runningMean: runningMean ?? tf.zeros([c]),
      runningVar: runningVar ?? tf.ones([c]),
    };
    if (options.residual) inputs.residual = options.residual;
    const [y, stats, newMean, newVar] = tf.engine().runKernel(BATCH_NORM_TRAIN, inputs, {
      relu: options.relu ?? false,
      epsilon,
      momentum,
      hasResidual: options.residual !== undefined,
    }) as unknown as tf.Tensor[];
    if (runningMean) runningMean.assign(newMean);
    if (runningVar) runningVar.assign(newVar);
    if (!runningMean) inputs.runningMean.dispose();
    if (!runningVar) inputs.runningVar.dispose();
    // A recording tape keeps its own clone of the statistics, so this handle can go now.
    tf.dispose([stats, newMean, newVar]);
    return y;
  }
  const [y, mean, variance] = composite(x, gamma, beta, options, epsilon);
  if (runningMean || runningVar) {
    tf.tidy(() => {
      const m = tf.scalar(momentum);
      const keep = tf.scalar(1 - momentum);
      if (runningMean) runningMean.assign(tf.add(tf.mul(runningMean, keep), tf.mul(mean, m)));
      // Unbiased variance in the running average, as PyTorch.
      if (runningVar) {
        const unbiased = tf.mul(variance, count / Math.max(1, count - 1));
        runningVar.assign(tf.add(tf.mul(runningVar, keep), tf.mul(unbiased, m)));
      }
    });
  }
  return y;
}
