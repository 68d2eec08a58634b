import * as tf from '@tensorflow/tfjs';
import 'tfjs-backend-onednn';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import * as optim from '../../src/optim/index.js';
import { fixturePath } from '../helpers/paths.js';
import { buildOptimizer, fixtureProblem, nearAll } from './fixture_problem.js';

const fx = JSON.parse(readFileSync(fixturePath('training_math', 'optim.json'), 'utf8'));

// On 'onednn' the SGD momentum cases run the fused in-place kernel (backendAwareSgdUpdate); the others its kernels.
for (const backend of ['cpu', 'onednn']) {
  describe(`optimizers vs PyTorch on '${backend}' (20 steps, lr set every step)`, () => {
    before(async () => {
      await tf.setBackend(backend);
    });
    for (const [name, c] of Object.entries<any>(fx.cases)) {
      it(`${name}: ${JSON.stringify(c.opts)}`, () => {
        const p = fixtureProblem(fx, 'p');
        const o = buildOptimizer(c.opts);
        for (let t = 0; t < fx.steps; t++) {
          o.setLearningRate(c.lrs[t]);
          p.step(o);
          nearAll(p.W.dataSync(), c.trajectory[t].W.flat(), `${name} step ${t + 1} W`);
          nearAll(p.b.dataSync(), c.trajectory[t].b, `${name} step ${t + 1} b`);
        }
        assert.equal(o.iterations, fx.steps);
        o.dispose();
        p.dispose();
      });
    }
  });
}

describe('optimizers: state, memory, hooks, rules', () => {
  it('no tensor outlives a step: tf.memory().numTensors flat over 1,000 steps', () => {
    for (const opts of [
      { type: 'sgd', lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 1e-4, noBiasDecay: true },
      { type: 'adamw', lr: 1e-3 },
      { type: 'adabound', lr: 1e-3, amsbound: true, weightDecay: 1e-4 },
    ]) {
      const p = fixtureProblem(fx, 'p');
      const o = buildOptimizer(opts);
      p.step(o); // first step creates the slot variables
      const start = tf.memory().numTensors;
      for (let t = 0; t < 1000; t++) {
        o.setLearningRate(1e-3 * (1 - t / 1000));
        p.step(o);
      }
      assert.equal(tf.memory().numTensors, start, `${opts.type}: tensors leaked`);
      o.dispose();
      p.dispose();
    }
  });

  it('getWeights/setWeights: a restored optimizer continues exactly (checkpoint + resume)', async () => {
    for (const key of ['sgd_nesterov_wd', 'adamw', 'amsbound']) {
      const c = fx.cases[key];
      const p = fixtureProblem(fx, 'p');
      const o = buildOptimizer(c.opts);
      for (let t = 0; t < 10; t++) {
        o.setLearningRate(c.lrs[t]);
        p.step(o);
      }
      const saved = (await o.getWeights()).map((w) => ({ name: w.name, tensor: w.tensor.clone() }));
      // State is keyed by variable name: the saved weights are `<variable>/<slot>` and `<variable>/step`.
      const names = saved.slice(1).map((w) => w.name.slice(0, w.name.lastIndexOf('/')));
      assert.ok(names.includes(p.W.name) && names.includes(p.b.name));
      o.dispose(); // the original optimizer is gone; a new one resumes from the saved state
      const o2 = buildOptimizer(c.opts);
      await o2.setWeights(saved);
      tf.dispose(saved.map((w) => w.tensor));
      assert.equal(o2.iterations, 10);
      for (let t = 10; t < fx.steps; t++) {
        o2.setLearningRate(c.lrs[t]);
        p.step(o2);
      }
      nearAll(p.W.dataSync(), c.trajectory[fx.steps - 1].W.flat(), `${key} resumed W`);
      nearAll(p.b.dataSync(), c.trajectory[fx.steps - 1].b, `${key} resumed b`);
      o2.dispose();
      p.dispose();
    }
  });

  it('SGD per-variable update is one replaceable function (backend hook)', () => {
    const p = fixtureProblem(fx, 'p');
    let calls = 0;
    const prev = optim.setSgdUpdateImplementation((v, g, s, h) => {
      calls++;
      optim.applySgdUpdate(v, g, s, h);
    });
    try {
      const o = optim.sgd({ lr: 0.1, momentum: 0.9 });
      p.step(o);
      p.step(o);
      assert.equal(calls, 4); // 2 steps × 2 variables
      o.dispose();
    } finally {
      optim.setSgdUpdateImplementation(null);
    }
    assert.equal(prev, optim.backendAwareSgdUpdate);
    p.dispose();
  });

  it('no-bias-decay rule: names ending in bias/beta/gamma, or rank <= 1', () => {
    const k = tf.zeros([3, 3]);
    const v = tf.zeros([3]);
    assert.equal(optim.isNoDecayVariable('dense_Dense1/kernel', k), false);
    assert.equal(optim.isNoDecayVariable('conv2d_Conv2D3/kernel', tf.zeros([3, 3, 1, 2])), false);
    assert.equal(optim.isNoDecayVariable('dense_Dense1/bias', v), true);
    assert.equal(optim.isNoDecayVariable('batch_normalization_BatchNormalization1/gamma', v), true);
    assert.equal(optim.isNoDecayVariable('bn/beta_1', k), true);
    assert.equal(optim.isNoDecayVariable('my_alphabet', k), false);
    assert.equal(optim.isNoDecayVariable('embedding', v), true); // rank 1
    tf.dispose([k, v]);
  });

  it('AdaBound: an lr schedule moves the bounds by lr / initial lr (docs/architecture.md, "Pitfalls we test")', () => {
    const o = optim.adabound({ lr: 1e-3, finalLr: 0.1, gamma: 1e-3 });
    const [l1, u1] = o.bounds(100);
    o.setLearningRate(1e-4);
    const [l2, u2] = o.bounds(100);
    assert.ok(Math.abs(l2 - l1 / 10) < 1e-15 && Math.abs(u2 - u1 / 10) < 1e-12);
    assert.ok(Math.abs(l1 - 0.1 * (1 - 1 / 1.1)) < 1e-15);
    assert.ok(Math.abs(u1 - 0.1 * (1 + 1 / 0.1)) < 1e-12);
    assert.deepEqual(o.getConfig().finalLr, 0.1);
    o.dispose();
  });

  it('bad arguments name the function, the field and the accepted range', () => {
    assert.throws(() => optim.sgd({ lr: -0.1 }), /optim\.sgd: lr must be a finite number >= 0, got -0\.1/);
    assert.throws(
      () => optim.sgd({ lr: 0.1, momentum: 1 }),
      /optim\.sgd: momentum must be a number in \[0, 1\), got 1/,
    );
    assert.throws(
      () => optim.sgd({ lr: 0.1, nesterov: true }),
      /optim\.sgd: nesterov must be false unless momentum > 0/,
    );
    assert.throws(
      () => optim.sgd({ lr: 0.1, weightDecay: -1 }),
      /optim\.sgd: weightDecay must be a finite number >= 0/,
    );
    assert.throws(
      () => optim.adamw({ lr: 0.1, betas: [0.9, 1] }),
      /optim\.adamw: betas\[1\] must be a number in \[0, 1\), got 1/,
    );
    assert.throws(() => optim.adabound({ lr: 0 }), /optim\.adabound: lr must be a finite number > 0, got 0/);
    assert.throws(
      () => optim.adabound({ lr: 1e-3, gamma: 1 }),
      /optim\.adabound: gamma must be a number in \(0, 1\), got 1/,
    );
    const o = optim.sgd({ lr: 0.1 });
    assert.throws(
      () => o.setLearningRate(Number.NaN),
      /optim\.sgd\.setLearningRate: lr must be a finite number >= 0, got NaN/,
    );
    o.dispose();
  });
});

describe('optimizers inside tfjs-layers training', () => {
  it('LayersModel.fit trains with each optimizer, lr set per batch by a schedule', async () => {
    const X = tf.randomNormal([64, 4], 0, 1, 'float32', 1);
    const Y = tf
      .oneHot(
        tf.argMax(
          tf.matMul(
            X,
            tf.tensor2d([
              [1, 0],
              [0, 1],
              [1, -1],
              [-1, 1],
            ]),
          ),
          1,
        ),
        2,
      )
      .toFloat();
    for (const make of [
      () => optim.sgd({ lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4, noBiasDecay: true }),
      () => optim.adamw({ lr: 0.01 }),
      () => optim.adabound({ lr: 0.01, finalLr: 0.1 }),
    ]) {
      const o = make();
      const m = tf.sequential({
        layers: [
          tf.layers.dense({
            units: 8,
            inputShape: [4],
            activation: 'relu',
            kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
          }),
          tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
        ],
      });
      m.compile({ optimizer: o, loss: (yt: tf.Tensor, yp: tf.Tensor) => tf.losses.softmaxCrossEntropy(yt, yp) });
      let step = 0;
      const h = await m.fit(X, Y, {
        epochs: 5,
        batchSize: 16,
        verbose: 0,
        callbacks: { onBatchBegin: async () => o.setLearningRate(o.initialLr * (1 - step++ / 40)) },
      });
      const loss = h.history.loss as number[];
      assert.ok(loss[loss.length - 1]! < loss[0]!, `${o.getClassName()}: loss ${loss[0]} → ${loss[loss.length - 1]}`);
      assert.equal(o.iterations, 20);
      m.dispose();
    }
    tf.dispose([X, Y]);
  });
});
