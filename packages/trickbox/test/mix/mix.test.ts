import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import * as losses from '../../src/losses/index.js';
import * as mix from '../../src/mix/index.js';
import { Rng } from '../../src/rng/index.js';
import { fixturePath } from '../helpers/paths.js';

const fx = JSON.parse(readFileSync(fixturePath('training_math', 'mix.json'), 'utf8'));

function nearAll(a: ArrayLike<number>, e: number[], what: string): void {
  assert.equal(a.length, e.length, `${what}: length`);
  for (let i = 0; i < e.length; i++)
    assert.ok(
      Math.abs(a[i]! - e[i]!) <= 1e-5 * Math.abs(e[i]!) + 1e-6,
      `${what}[${i}]: got ${a[i]}, reference ${e[i]}`,
    );
}
const flat = (v: any): number[] => (Array.isArray(v) ? v.flat(Infinity) : [v]);
function batch(B = 3, H = 4, W = 5, C = 2, K = 4) {
  const x = tf.randomUniform([B, H, W, C], -1, 1, 'float32', 7) as tf.Tensor4D;
  const y = tf
    .oneHot(
      tf.tensor1d(
        Array.from({ length: B }, (_, i) => i % K),
        'int32',
      ),
      K,
    )
    .toFloat() as tf.Tensor2D;
  return { x, y };
}

describe('mixers vs the reference formulas (fixed λ, boxes, permutations)', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('mixup', () => {
    const start = tf.memory().numTensors;
    const x = tf.tensor4d(fx.x);
    const y = tf.tensor2d(fx.y);
    for (const c of fx.mixup) {
      const r = mix.mixup(x, y, { lambda: c.lambda, permutation: c.permutation, labelSmoothing: c.labelSmoothing });
      nearAll(r.x.dataSync(), flat(c.x), `mixup λ=${c.lambda} x`);
      nearAll(r.y.dataSync(), flat(c.y), `mixup λ=${c.lambda} y`);
      tf.dispose([r.x, r.y]);
    }
    tf.dispose([x, y]);
    assert.equal(tf.memory().numTensors, start);
  });

  it('CutMix: box from λ and centre as the official rand_bbox, λ adjusted to the clipped area', () => {
    const x = tf.tensor4d(fx.x);
    const y = tf.tensor2d(fx.y);
    for (const c of fx.cutmix) {
      assert.deepEqual(mix.cutmixBox(c.lambda, 5, 4, c.center.x, c.center.y), c.box);
      const r = mix.cutmix(x, y, {
        lambda: c.lambda,
        center: c.center,
        permutation: c.permutation,
        labelSmoothing: c.labelSmoothing,
      });
      assert.deepEqual(r.box, c.box);
      assert.ok(Math.abs(r.lambda - c.adjustedLambda) < 1e-12);
      nearAll(r.x.dataSync(), flat(c.x), `cutmix λ=${c.lambda} x`);
      nearAll(r.y.dataSync(), flat(c.y), `cutmix λ=${c.lambda} y`);
      const r2 = mix.cutmix(x, y, { box: c.box, permutation: c.permutation, labelSmoothing: c.labelSmoothing });
      nearAll(r2.x.dataSync(), flat(c.x), `cutmix fixed box x`);
      tf.dispose([r.x, r.y, r2.x, r2.y]);
    }
    tf.dispose([x, y]);
  });

  it('RICAP: four crops from four permutations, targets weighted by area/(W·H), zero-width crops included', () => {
    const x = tf.tensor4d(fx.x);
    const y = tf.tensor2d(fx.y);
    for (const c of fx.ricap) {
      const r = mix.ricap(x, y, {
        w: c.w,
        h: c.h,
        permutations: c.permutations,
        offsets: c.offsets,
        labelSmoothing: c.labelSmoothing,
      });
      assert.deepEqual(r.x.shape, [3, 4, 5, 2]);
      nearAll(r.weights, c.weights, 'ricap weights');
      nearAll(r.x.dataSync(), flat(c.x), `ricap w=${c.w} h=${c.h} x`);
      nearAll(r.y.dataSync(), flat(c.y), `ricap w=${c.w} h=${c.h} y`);
      tf.dispose([r.x, r.y]);
    }
    tf.dispose([x, y]);
  });
});

describe('mixers: random draws, batches, smoothing, errors', () => {
  it('draws come from the seeded Rng: λ ~ Beta(α, α) then the permutation; same seed, same batch', () => {
    const { x, y } = batch();
    const a = mix.mixup(x, y, { alpha: 0.4, rng: new Rng(11) });
    const ref = new Rng(11);
    assert.equal(a.lambda, ref.beta(0.4, 0.4));
    assert.deepEqual(a.permutation, ref.permutation(3));
    const b = mix.mixup(x, y, { alpha: 0.4, rng: new Rng(11) });
    assert.deepEqual(Array.from(a.x.dataSync()), Array.from(b.x.dataSync()));
    tf.dispose([x, y, a.x, a.y, b.x, b.y]);
  });

  it('RICAP boundary is w = round(W·Beta(β, β)), h likewise, drawn before the crops (docs/architecture.md, "Pitfalls we test")', () => {
    const { x, y } = batch(5, 8, 10, 1, 3);
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = mix.ricap(x, y, { beta: 0.3, rng: new Rng(seed) });
      const ref = new Rng(seed);
      assert.equal(r.w, Math.round(10 * ref.beta(0.3, 0.3)));
      assert.equal(r.h, Math.round(8 * ref.beta(0.3, 0.3)));
      assert.ok(Math.abs(r.weights.reduce((s, v) => s + v, 0) - 1) < 1e-12);
      assert.equal(r.permutations.length, 4);
      for (const p of r.permutations)
        assert.deepEqual(
          [...p].sort((a, b) => a - b),
          [0, 1, 2, 3, 4],
        );
      const sums = tf.sum(r.y, 1).dataSync();
      for (const s of sums) assert.ok(Math.abs(s - 1) < 1e-6);
      tf.dispose([r.x, r.y]);
    }
    tf.dispose([x, y]);
  });

  it('odd batches work (permutation, not batch flip); a batch of 1 throws a clear error (docs/architecture.md, "Pitfalls we test")', () => {
    for (const B of [3, 5, 7]) {
      const { x, y } = batch(B);
      const rng = new Rng(B);
      for (const r of [
        mix.mixup(x, y, { alpha: 1, rng }),
        mix.cutmix(x, y, { alpha: 1, rng }),
        mix.ricap(x, y, { beta: 0.3, rng }),
      ]) {
        assert.deepEqual(r.x.shape, x.shape);
        assert.deepEqual(r.y.shape, y.shape);
        tf.dispose([r.x, r.y]);
      }
      tf.dispose([x, y]);
    }
    const { x, y } = batch(1);
    assert.throws(
      () => mix.mixup(x, y, { alpha: 1, rng: new Rng(0) }),
      /mix\.mixup: x must be a batch of at least 2 samples.*got a batch of 1/,
    );
    assert.throws(
      () => mix.cutmix(x, y, { alpha: 1, rng: new Rng(0) }),
      /mix\.cutmix: x must be a batch of at least 2/,
    );
    assert.throws(() => mix.ricap(x, y, { beta: 0.3, rng: new Rng(0) }), /mix\.ricap: x must be a batch of at least 2/);
    tf.dispose([x, y]);
  });

  it('label smoothing: smooth first then mix, once; a loss asked to smooth again throws (docs/architecture.md, "Pitfalls we test")', () => {
    const { x, y } = batch(4, 2, 2, 1, 4);
    const r = mix.mixup(x, y, { lambda: 0.7, permutation: [1, 0, 3, 2], labelSmoothing: 0.1 });
    assert.ok(losses.isSmoothed(r.y));
    const logits = tf.zeros([4, 4]);
    assert.throws(() => losses.crossEntropy(r.y, logits, { labelSmoothing: 0.1 }), /already smoothed; smooth once/);
    assert.throws(() => mix.cutmix(x, r.y, { alpha: 1, rng: new Rng(1), labelSmoothing: 0.1 }), /already smoothed/);
    // Smoothing before mixing = mixing then smoothing (both linear); on-class weight λ(1-ε) + ε/K.
    const row0 = r.y.arraySync()[0]!;
    assert.ok(Math.abs(row0[0]! - (0.7 * 0.9 + 0.1 / 4)) < 1e-6);
    assert.ok(Math.abs(row0[1]! - (0.3 * 0.9 + 0.1 / 4)) < 1e-6);
    const plain = mix.mixup(x, y, { lambda: 0.7, permutation: [1, 0, 3, 2] });
    assert.equal(losses.isSmoothed(plain.y), false);
    tf.dispose([x, y, r.x, r.y, logits, plain.x, plain.y]);
  });

  it('mixupOrCutmix switches as timm (switchProb, prob) and never smooths implicitly', () => {
    const { x, y } = batch(4, 4, 4, 1, 4);
    const rng = new Rng(3);
    const kinds = { mixup: 0, cutmix: 0, none: 0 };
    for (let i = 0; i < 200; i++) {
      const r = mix.mixupOrCutmix(x, y, { mixupAlpha: 0.2, cutmixAlpha: 1, switchProb: 0.25, prob: 0.8, rng });
      kinds[r.kind]++;
      assert.equal(losses.isSmoothed(r.y), false);
      tf.dispose([r.x, r.y]);
    }
    // Expected 0.8·0.75 = 60% mixup, 20% CutMix, 20% none; 200 draws: generous bounds.
    assert.ok(kinds.mixup > 90 && kinds.mixup < 150, JSON.stringify(kinds));
    assert.ok(kinds.cutmix > 15 && kinds.cutmix < 70, JSON.stringify(kinds));
    assert.ok(kinds.none > 15 && kinds.none < 70, JSON.stringify(kinds));
    tf.dispose([x, y]);
  });

  it('tensor count stays flat across many mixing calls', () => {
    const { x, y } = batch();
    const rng = new Rng(9);
    const start = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) {
      for (const r of [
        mix.mixup(x, y, { alpha: 1, rng, labelSmoothing: 0.1 }),
        mix.cutmix(x, y, { alpha: 1, rng }),
        mix.ricap(x, y, { beta: 0.3, rng }),
      ])
        tf.dispose([r.x, r.y]);
    }
    assert.equal(tf.memory().numTensors, start);
    tf.dispose([x, y]);
  });

  it('bad arguments name the function, the field and the accepted range', () => {
    const { x, y } = batch();
    const rng = new Rng(0);
    assert.throws(
      () => mix.mixup(x, y, { alpha: 0, rng }),
      /mix\.mixup: alpha must be a finite number > 0 \(Beta\(α, α\) parameter\), got 0/,
    );
    assert.throws(() => mix.mixup(x, y, { alpha: -1, rng }), /alpha must be a finite number > 0/);
    assert.throws(() => mix.mixup(x, y, { alpha: 1 }), /mix\.mixup: rng must be a seeded Rng/);
    assert.throws(
      () => mix.mixup(x, y, { lambda: 1.5, permutation: [0, 1, 2] }),
      /mix\.mixup: lambda must be a number in \[0, 1\], got 1\.5/,
    );
    assert.throws(
      () => mix.mixup(x, y, { lambda: 0.5, permutation: [0, 0, 1] }),
      /mix\.mixup: permutation must be a permutation of 0\.\.2/,
    );
    assert.throws(
      () => mix.mixup(x, y, { alpha: 1, rng, labelSmoothing: 1 }),
      /mix\.mixup: labelSmoothing must be a number in \[0, 1\), got 1/,
    );
    assert.throws(
      () => mix.mixup(x, tf.zeros([2, 4]), { alpha: 1, rng }),
      /mix\.mixup: y must be float32 probabilities \[3, K\]/,
    );
    assert.throws(
      () => mix.mixup(tf.zeros([3, 4, 5]), y, { alpha: 1, rng }),
      /mix\.mixup: x must be a float32 \[B, H, W, C\] tensor, got float32 \[3,4,5\]/,
    );
    assert.throws(
      () => mix.cutmix(x, y, { box: { x1: 0, y1: 0, x2: 6, y2: 2 }, rng }),
      /mix\.cutmix: box must be integers 0 <= x1 <= x2 <= 5/,
    );
    assert.throws(() => mix.ricap(x, y, { beta: 0, rng }), /mix\.ricap: beta must be a finite number > 0/);
    assert.throws(() => mix.ricap(x, y, { w: 6, h: 1, rng }), /mix\.ricap: w must be an integer >= 0 and <= 5, got 6/);
    assert.throws(
      () => mix.mixupOrCutmix(x, y, { mixupAlpha: 0, cutmixAlpha: 0, rng }),
      /mixupOrCutmix: mixupAlpha, cutmixAlpha must be not both 0/,
    );
    tf.dispose([x, y]);
  });
});
