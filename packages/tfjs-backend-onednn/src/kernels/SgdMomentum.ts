// The native in-place momentum SGD update behind ops/sgd.ts (reached through OneDnnBackend.sgdMomentumInPlace, so the
// op itself imports no native code).
import * as tf from '@tensorflow/tfjs-core';
import type { OneDnnBackend } from '../backend.js';
import { native } from '../native.js';
import type { SgdMomentumOptions } from '../ops/sgd.js';

/** One native pass over p, g and v; p and v get buffers of their own first when they share them. */
export function sgdMomentumInPlace(
  backend: OneDnnBackend,
  param: tf.Variable,
  grad: tf.Tensor,
  velocity: tf.Variable,
  options: Required<SgdMomentumOptions>,
): void {
  const g = backend.float32(grad);
  if (!backend.canUpdateInPlace(param)) copyOnWrite(backend, param);
  if (!backend.canUpdateInPlace(velocity)) copyOnWrite(backend, velocity);
  native.sgdMomentum(
    backend.float32(param),
    g,
    backend.float32(velocity),
    options.lr,
    options.momentum,
    options.dampening,
    options.weightDecay,
    options.nesterov,
  );
}

/** Gives a variable a fresh pooled buffer of its own (same values), so later updates can happen in place. */
function copyOnWrite(backend: OneDnnBackend, variable: tf.Variable): void {
  const copy = backend.allocFloat32(variable.size);
  copy.set(backend.float32(variable));
  const fresh = tf.engine().makeTensorFromTensorInfo(backend.outputFloat32(copy, variable.shape));
  variable.assign(fresh);
  fresh.dispose();
}
