import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import * as losses from '../../src/losses/index.js';
import { fixturePath } from '../helpers/paths.js';

const fx = JSON.parse(readFileSync(fixturePath('training_math', 'losses.json'), 'utf8'));

/** Issue 4 tolerance: 1e-5 relative (plus 1e-6 absolute for values at ~0, float32 vs the float64 reference). */
function near(a: number, e: number, what: string): void {
  assert.ok(Math.abs(a - e) <= 1e-5 * Math.abs(e) + 1e-6, `${what}: got ${a}, torch ${e}`);
}
function nearAll(a: ArrayLike<number>, e: number[], what: string): void {
  assert.equal(a.length, e.length, `${what}: length`);
  for (let i = 0; i < e.length; i++) near(a[i]!, e[i]!, `${what}[${i}]`);
}

/** Loss and its gradient w.r.t. the (student) logits. */
function lossAndGrad(f: (z: tf.Tensor) => tf.Scalar, logits: number[][]): { loss: number; grad: number[] } {
  return tf.tidy(() => {
    const z = tf.tensor2d(logits);
    const { value, grad } = tf.valueAndGrad(f)(z);
    return { loss: value.dataSync()[0]!, grad: Array.from(grad.dataSync()) };
  });
}

describe('losses vs torch.nn.functional', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('crossEntropy on class indices with label smoothing = F.cross_entropy(label_smoothing=ε), value and gradient', () => {
    const start = tf.memory().numTensors;
    for (const c of fx.hard) {
      const y = tf.tensor1d(fx.labels, 'int32');
      const r = lossAndGrad((z) => losses.crossEntropy(y, z, { labelSmoothing: c.eps }), fx.logits);
      near(r.loss, c.loss, `hard ε=${c.eps} loss`);
      nearAll(r.grad, c.grad.flat(), `hard ε=${c.eps} grad`);
      y.dispose();
    }
    assert.equal(tf.memory().numTensors, start);
  });

  it('soft-target crossEntropy (probabilities [B,K]) = F.cross_entropy with probability targets', () => {
    for (const c of fx.soft_ce) {
      const y = tf.tensor2d(fx.soft);
      const r = lossAndGrad((z) => losses.crossEntropy(y, z, { labelSmoothing: c.eps }), fx.logits);
      near(r.loss, c.loss, `soft ε=${c.eps}`);
      nearAll(r.grad, c.grad.flat(), `soft ε=${c.eps} grad`);
      y.dispose();
    }
  });

  it('is stable for logits of ±1e4 (finite, equal to torch)', () => {
    for (const c of fx.big_ce) {
      const y = tf.tensor1d(fx.big_labels, 'int32');
      const r = lossAndGrad((z) => losses.crossEntropy(y, z, { labelSmoothing: c.eps }), fx.big);
      assert.ok(Number.isFinite(r.loss));
      near(r.loss, c.loss, `big ε=${c.eps}`);
      nearAll(r.grad, c.grad.flat(), `big ε=${c.eps} grad`);
      y.dispose();
    }
  });

  it('distillation = (1-α)·CE + α·T²·KL(batchmean), value and student gradient', () => {
    const cases = [...fx.kd, fx.big_kd];
    cases.forEach((c: any, i: number) => {
      const isBig = i === cases.length - 1;
      const hardLabels = isBig ? fx.big_labels : fx.labels;
      const y = i === 3 ? tf.tensor2d(fx.soft) : tf.tensor1d(hardLabels, 'int32');
      const teacher = tf.tensor2d(isBig ? [...fx.big].reverse() : fx.teacher);
      const r = lossAndGrad(
        (z) =>
          losses.distillation(y, z, teacher, { temperature: c.temperature, alpha: c.alpha, labelSmoothing: c.eps }),
        isBig ? fx.big : fx.logits,
      );
      near(r.loss, c.loss, `kd T=${c.temperature} α=${c.alpha}`);
      nearAll(r.grad, c.grad.flat(), `kd T=${c.temperature} α=${c.alpha} grad`);
      tf.dispose([y, teacher]);
    });
  });

  it('no gradient flows into the teacher logits', () => {
    tf.tidy(() => {
      const y = tf.tensor1d(fx.labels, 'int32');
      const z = tf.tensor2d(fx.logits);
      const g = tf.grad((r: tf.Tensor) => losses.distillation(y, z, r, { temperature: 4, alpha: 0.5 }))(
        tf.tensor2d(fx.teacher),
      );
      assert.equal(tf.max(tf.abs(g)).dataSync()[0], 0);
    });
  });

  it('smoothing is applied once: a loss refuses to smooth targets a mixer already smoothed (docs/architecture.md, "Pitfalls we test")', () => {
    tf.tidy(() => {
      const y = losses.smoothLabels(tf.oneHot(tf.tensor1d([0, 2], 'int32'), 3).toFloat(), 0.1);
      assert.ok(losses.isSmoothed(y));
      const z = tf.zeros([2, 3]);
      assert.throws(() => losses.crossEntropy(y, z, { labelSmoothing: 0.1 }), /already smoothed; smooth once/);
      // ε given once (in the mixer) gives the same loss as ε given once in the loss.
      const once = losses
        .crossEntropy(
          y,
          tf.tensor2d([
            [1, 2, 3],
            [0, -1, 4],
          ]),
        )
        .dataSync()[0]!;
      const inLoss = losses
        .crossEntropy(
          tf.tensor1d([0, 2], 'int32'),
          tf.tensor2d([
            [1, 2, 3],
            [0, -1, 4],
          ]),
          { labelSmoothing: 0.1 },
        )
        .dataSync()[0]!;
      assert.ok(Math.abs(once - inLoss) < 1e-6);
    });
  });

  it('bad arguments name the function, the field and the accepted range', () => {
    tf.tidy(() => {
      const z = tf.zeros([2, 3]);
      const y = tf.tensor1d([0, 1], 'int32');
      assert.throws(
        () => losses.crossEntropy(y, z, { labelSmoothing: 1 }),
        /losses\.crossEntropy: labelSmoothing must be a number in \[0, 1\), got 1/,
      );
      assert.throws(
        () => losses.crossEntropy(y, z, { labelSmoothing: -0.1 }),
        /labelSmoothing must be a number in \[0, 1\)/,
      );
      assert.throws(
        () => losses.crossEntropy(tf.tensor1d([0, 1, 2], 'int32'), z),
        /losses\.crossEntropy: labels must be int32 class indices of shape \[2\]/,
      );
      assert.throws(
        () => losses.crossEntropy(tf.zeros([2, 4]), z),
        /labels must be probabilities of shape \[2, 3\] to match logits, got shape \[2,4\]/,
      );
      assert.throws(
        () => losses.crossEntropy(tf.tensor1d([0, 1]), z),
        /labels must be int32 class indices \[B\] or float probabilities/,
      );
      assert.throws(
        () => losses.distillation(y, z, z, { temperature: 0, alpha: 0.5 }),
        /losses\.distillation: temperature must be a finite number > 0, got 0/,
      );
      assert.throws(
        () => losses.distillation(y, z, z, { temperature: 2, alpha: 1.5 }),
        /losses\.distillation: alpha must be a number in \[0, 1\], got 1\.5/,
      );
      assert.throws(
        () => losses.distillation(y, z, tf.zeros([2, 4]), { temperature: 2, alpha: 0.5 }),
        /teacherLogits must be a \[2, 3\] tensor/,
      );
    });
  });
});
