import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as reg from '../../src/regularizers/index.js';

describe('regularizers', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('L1/L2 penalties: λ1·Σ|w| + λ2·Σw², no-bias-decay rule skips biases/BN', () => {
    const k = tf.variable(
      tf.tensor2d([
        [1, -2],
        [3, -4],
      ]),
      true,
      'reg_dense/kernel',
    );
    const b = tf.variable(tf.tensor1d([0.5, -0.5]), true, 'reg_dense/bias');
    const v = (t: tf.Scalar) => {
      const x = t.dataSync()[0]!;
      t.dispose();
      return x;
    };
    assert.ok(Math.abs(v(reg.l1([k, b], 0.1)) - 0.1 * 11) < 1e-6);
    assert.ok(Math.abs(v(reg.l2([k, b], 0.01)) - 0.01 * 30.5) < 1e-6);
    assert.ok(Math.abs(v(reg.l2([k, b], 0.01, true)) - 0.01 * 30) < 1e-6);
    assert.ok(Math.abs(v(reg.penalty([k, b], { l1: 0.1, l2: 0.01 })) - (1.1 + 0.305)) < 1e-6);
    // Its gradient is λ1·sign(w) + 2λ2·w.
    const g = tf.grad((w: tf.Tensor) => reg.penalty([{ name: 'x/kernel', tensor: w }], { l1: 0.1, l2: 0.01 }))(k);
    assert.deepEqual(
      Array.from(g.dataSync()).map((x) => Math.round(x * 1e6) / 1e6),
      [0.12, -0.14, 0.16, -0.18],
    );
    assert.throws(() => reg.l2([k], -1), /regularizers\.l2: factor must be a finite number >= 0, got -1/);
    tf.dispose([k, b, g]);
  });

  it('early stopping: patience, minDelta, mode, restore-best epoch; pure transitions', () => {
    const opts = { patience: 2, minDelta: 0.01 };
    let s = reg.initialEarlyStoppingState();
    const seen: Array<[boolean, boolean, number | null]> = [];
    for (const v of [1.0, 0.8, 0.795, 0.79, 0.85]) {
      const before = JSON.stringify(s);
      const d = reg.earlyStoppingStep(opts, s, v);
      assert.equal(JSON.stringify(s), before, 'input state not modified');
      seen.push([d.improved, d.stop, d.restoreEpoch]);
      s = d.state;
      if (d.stop) break;
    }
    // 0.795 and 0.79 are within minDelta of 0.8: no improvement; stop after 2 such epochs, restore epoch 1 (0.8).
    assert.deepEqual(seen, [
      [true, false, null],
      [true, false, null],
      [false, false, null],
      [false, true, 1],
    ]);
    assert.equal(s.best, 0.8);
    const es = new reg.EarlyStopping({ patience: 1, mode: 'max', restoreBest: false });
    assert.equal(es.update(0.5).improved, true);
    assert.equal(es.update(Number.NaN).stop, true);
    const saved = es.getState();
    const es2 = new reg.EarlyStopping({ patience: 1, mode: 'max' });
    es2.setState(saved);
    assert.equal(es2.update(0.9).stop, true, 'a stopped state stays stopped');
    assert.throws(
      () => new reg.EarlyStopping({ patience: 0 }),
      /regularizers\.earlyStopping: patience must be an integer >= 1, got 0/,
    );
    assert.throws(() => new reg.EarlyStopping({ mode: 'up' as 'min' }), /mode must be 'min' or 'max'/);
  });

  it('EMA of weights: θ̄ ← d·θ̄ + (1-d)·θ, swap-in for evaluation, serialisable, no tensor leak', async () => {
    const w = tf.variable(tf.tensor1d([0, 0]), true, 'ema_w');
    const ema = new reg.WeightEma([w], { decay: 0.5 });
    const start = tf.memory().numTensors;
    let expected = [0, 0];
    for (let t = 1; t <= 4; t++) {
      tf.tidy(() => w.assign(tf.tensor1d([t, -t])));
      ema.update();
      expected = expected.map((e, i) => 0.5 * e + 0.5 * (i === 0 ? t : -t));
    }
    assert.equal(tf.memory().numTensors, start);
    assert.deepEqual(Array.from(ema.averages()[0]!.dataSync()), expected);
    const inside = await ema.withAveraged(() => Array.from(w.dataSync()));
    assert.deepEqual(inside, expected);
    assert.deepEqual(Array.from(w.dataSync()), [4, -4], 'live weights restored');
    const saved = ema.getWeights().map((x) => ({ name: x.name, tensor: x.tensor.clone() }));
    const ema2 = new reg.WeightEma([w], { decay: 0.5 });
    ema2.setWeights(saved);
    ema.update();
    ema2.update();
    assert.deepEqual(Array.from(ema2.averages()[0]!.dataSync()), Array.from(ema.averages()[0]!.dataSync()));
    const warm = new reg.WeightEma([w], { decay: 0.999, warmup: true });
    assert.equal(warm.currentDecay(), 0.1); // (1 + 0)/(10 + 0)
    tf.dispose(saved.map((x) => x.tensor));
    ema.dispose();
    ema2.dispose();
    warm.dispose();
    w.dispose();
    assert.throws(() => new reg.WeightEma([]), /regularizers\.WeightEma: variables must be a non-empty array/);
  });
});
