// The small problem both optimizer fixture suites train (scripts/fixtures/training_math.py and speedrun.py build the
// same one in torch), the optimizer factory they share, and their tolerance.
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import * as optim from '../../src/optim/index.js';

/** A fixture's optimizer: `{ type, ...options }`. */
export function buildOptimizer(opts: any): optim.TrickboxOptimizer {
  const { type, ...rest } = opts;
  switch (type) {
    case 'sgd':
      return optim.sgd(rest);
    case 'adam':
      return optim.adam(rest);
    case 'adamw':
      return optim.adamw(rest);
    case 'adabound':
      return optim.adabound(rest);
    case 'adaboundw':
      return optim.adaboundw(rest);
  }
  throw new Error(`unknown optimizer ${type}`);
}

let uid = 0;
/** mean((tanh(X W + b) - Y)²) from a fixture's W0, b0, X, Y; variables named like tfjs-layers weights. */
export function fixtureProblem(fx: { W0: number[][]; b0: number[]; X: number[][]; Y: number[][] }, prefix: string) {
  const id = uid++;
  const W = tf.variable(tf.tensor2d(fx.W0), true, `${prefix}${id}/dense_Dense1/kernel`);
  const b = tf.variable(tf.tensor1d(fx.b0), true, `${prefix}${id}/dense_Dense1/bias`);
  const X = tf.tensor2d(fx.X);
  const Y = tf.tensor2d(fx.Y);
  const loss = () => tf.mean(tf.square(tf.sub(tf.tanh(tf.add(tf.matMul(X, W), b)), Y))) as tf.Scalar;
  const step = (o: tf.Optimizer) => o.minimize(loss, false, [W, b]);
  return { W, b, step, dispose: () => tf.dispose([W, b, X, Y]) };
}

/** Issue 4 tolerance: 1e-5 relative, 1e-6 absolute floor (float32 run vs the float64 PyTorch reference). */
export function nearAll(a: ArrayLike<number>, e: number[], what: string): void {
  for (let i = 0; i < e.length; i++)
    assert.ok(Math.abs(a[i]! - e[i]!) <= 1e-5 * Math.abs(e[i]!) + 1e-6, `${what}[${i}]: got ${a[i]}, torch ${e[i]}`);
}
