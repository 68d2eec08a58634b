/**
 * Batch normalisation for training, fused with an optional residual add and ReLU (Ioffe & Szegedy 2015, Algorithm 1;
 * He et al. 2016 basic block): y = relu?(γ·(x - μ_B)/sqrt(σ²_B + ε) + β (+ r)), statistics over every axis but the last
 * (channels-last). Running statistics follow PyTorch: r ← (1 - m)·r + m·s, with the unbiased batch variance.
 *
 * On 'onednn' it is one native kernel forward and one backward (dx, dγ, dβ and dr together: src/kernels/BatchNormTrain.ts,
 * registered with the backend); elsewhere the same maths is composed from tfjs ops (autodiff gives the gradient), so
 * models built on it run on every backend, a browser's included: this file imports no native code.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { OneDnnBackend } from '../backend.js';
import { BACKEND_NAME } from '../name.js';

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
