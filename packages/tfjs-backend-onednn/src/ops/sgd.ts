/**
 * Momentum SGD update with PyTorch's semantics (torch.optim.SGD): g = ∇ + wd·p; v ← μ·v + (1 - dampening)·g;
 * p ← p - lr·(nesterov ? g + μ·v : v). On 'onednn' one native pass updates p and v in place when their buffers are
 * theirs alone (src/kernels/SgdMomentum.ts, through the backend object); otherwise (and on other backends, a
 * browser's included: this file imports no native code) new values are computed and assigned.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { OneDnnBackend } from '../backend.js';
import { BACKEND_NAME } from '../name.js';

export interface SgdMomentumOptions {
  lr: number;
  momentum: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

export function sgdMomentumUpdate(
  param: tf.Variable,
  grad: tf.Tensor,
  velocity: tf.Variable,
  options: SgdMomentumOptions,
): void {
  const { lr, momentum } = options;
  const dampening = options.dampening ?? 0;
  const weightDecay = options.weightDecay ?? 0;
  const nesterov = options.nesterov ?? false;
  if (!tf.util.arraysEqual(param.shape, grad.shape) || !tf.util.arraysEqual(param.shape, velocity.shape)) {
    throw new Error(
      `sgdMomentumUpdate: param [${param.shape}], grad [${grad.shape}] and velocity [${velocity.shape}] must match`,
    );
  }
  const backendNow = tf.backend() as OneDnnBackend;
  if (tf.getBackend() === BACKEND_NAME && [param, grad, velocity].every((t) => backendNow.isFloat32Data(t))) {
    backendNow.sgdMomentumInPlace(param, grad, velocity, { lr, momentum, dampening, weightDecay, nesterov });
    return;
  }
  tf.tidy(() => {
    const g = weightDecay !== 0 ? tf.add(grad, tf.mul(param, weightDecay)) : grad;
    const v = tf.add(tf.mul(velocity, momentum), tf.mul(g, 1 - dampening));
    const step = nesterov ? tf.add(g, tf.mul(v, momentum)) : v;
    velocity.assign(v);
    param.assign(tf.sub(param, tf.mul(step, lr)));
  });
}
