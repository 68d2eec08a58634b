// Parameter groups: torch optimizers with two parameter groups, frozen groups, the selectors, the recipe path.
import * as tf from '@tensorflow/tfjs';
import 'tfjs-backend-onednn';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import * as optim from '../../src/optim/index.js';
import { loadModel, resolveRecipe, train } from '../../src/train/index.js';
import { fixturePath } from '../helpers/paths.js';
import { buildOptimizer, fixtureProblem, nearAll } from './fixture_problem.js';
import { barDataset, tempRunDir, tinyCnn, tinyRecipe } from '../train/helpers.js';

const fx = JSON.parse(readFileSync(fixturePath('param_groups', 'optim_groups.json'), 'utf8'));

for (const backend of ['cpu', 'onednn']) {
  describe(`parameter groups vs torch on '${backend}' (${fx.steps} steps, lr set every step)`, () => {
    before(async () => {
      await tf.setBackend(backend);
    });
    for (const [name, c] of Object.entries<any>(fx.cases)) {
      it(`${name}: ${JSON.stringify(c.opts)}`, () => {
        const p = fixtureProblem(fx, 'g');
        const o = buildOptimizer(c.opts);
        for (let t = 0; t < fx.steps; t++) {
          o.setLearningRate(c.lrs[t]);
          p.step(o);
          nearAll(p.W.dataSync(), c.trajectory[t].W.flat(), `${name} step ${t + 1} W`);
          nearAll(p.b.dataSync(), c.trajectory[t].b, `${name} step ${t + 1} b`);
        }
        o.dispose();
        p.dispose();
      });
    }
  });
}

describe('frozen groups', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });
  it('leave the variable bit for bit, keep no state for it, and the tensor count stays flat', async () => {
    for (const type of ['sgd', 'adamw', 'adabound']) {
      const p = fixtureProblem(fx, 'g');
      const b0 = p.b.dataSync().slice();
      const W0 = p.W.dataSync().slice();
      const o = buildOptimizer({
        type,
        lr: 0.01,
        momentum: 0.9,
        weightDecay: 0.1,
        paramGroups: [{ params: 'bias', frozen: true }],
      });
      p.step(o);
      const count = tf.memory().numTensors;
      for (let i = 0; i < 200; i++) p.step(o);
      assert.equal(tf.memory().numTensors, count, `${type}: tensors after 200 steps`);
      assert.deepEqual(p.b.dataSync(), b0, `${type}: the frozen bias moved`);
      assert.notDeepEqual(p.W.dataSync(), W0, `${type}: the kernel did not train`);
      const weights = await o.getWeights();
      assert.ok(!weights.some((w) => w.name.includes('/bias/')), `${type}: state kept for the frozen bias`);
      assert.ok(
        weights.some((w) => w.name.includes('/kernel/')),
        `${type}: no state for the kernel`,
      );
      tf.dispose(weights.filter((w) => w.name.endsWith('/step') || w.name === 'iter').map((w) => w.tensor));
      o.dispose();
      p.dispose();
    }
  });
});

describe('selectors', () => {
  // names as tfjs-layers gives them in models/*.ts (resnet20, simpleCnn) and in a Sequential model
  const names: Array<[string, number]> = [
    ['stem_conv/kernel', 4],
    ['stem_bn/gamma', 1],
    ['stage1_block1_bn1/beta', 1],
    ['hidden/kernel', 2],
    ['hidden/bias', 1],
    ['logits/kernel_1', 2],
    ['logits/bias_1', 1],
    ['batch_normalization_BatchNormalization1/gamma', 1],
    ['conv2d_Conv2D1/bias', 1],
  ];
  const select = (params: string) => {
    const groups = new optim.ParamGroups('test', [{ params }]);
    return names.filter(([n, rank]) => groups.indexOf(n, tf.zeros(new Array(rank).fill(1))) === 0).map(([n]) => n);
  };
  it('bn.gamma, bn.beta, bn, bias, kernel, no-bias-decay and re: select by the tfjs-layers weight names', () => {
    assert.deepEqual(select('bn.gamma'), ['stem_bn/gamma', 'batch_normalization_BatchNormalization1/gamma']);
    assert.deepEqual(select('bn.beta'), ['stage1_block1_bn1/beta']);
    assert.deepEqual(select('bn'), [
      'stem_bn/gamma',
      'stage1_block1_bn1/beta',
      'batch_normalization_BatchNormalization1/gamma',
    ]);
    assert.deepEqual(select('bias'), ['hidden/bias', 'logits/bias_1', 'conv2d_Conv2D1/bias']);
    assert.deepEqual(select('kernel'), ['stem_conv/kernel', 'hidden/kernel', 'logits/kernel_1']);
    assert.deepEqual(
      select('no-bias-decay'),
      names.filter(([, r]) => r === 1).map(([n]) => n),
    );
    assert.deepEqual(select('re:^stage1_'), ['stage1_block1_bn1/beta']);
  });
  it('the first matching group wins; left-out settings come from the defaults (noBiasDecay applied)', () => {
    const o = optim.sgd({
      lr: 0.1,
      momentum: 0.9,
      weightDecay: 5e-4,
      noBiasDecay: true,
      paramGroups: [
        { params: 'bn.beta', lrMultiplier: 64 },
        { params: 'bn', frozen: true },
        { params: 're:kernel', weightDecay: 1e-3 },
      ],
    });
    const v = (rank: number) => tf.zeros(new Array(rank).fill(1));
    assert.deepEqual(o.settingsFor('bn1/beta', v(1)), { lrMultiplier: 64, weightDecay: 0, frozen: false });
    assert.deepEqual(o.settingsFor('bn1/gamma', v(1)), { lrMultiplier: 1, weightDecay: 0, frozen: true });
    assert.deepEqual(o.settingsFor('conv/kernel', v(4)), { lrMultiplier: 1, weightDecay: 1e-3, frozen: false });
    assert.deepEqual(o.settingsFor('dense/bias', v(1)), { lrMultiplier: 1, weightDecay: 0, frozen: false });
    const plain = optim.sgd({ lr: 0.1, weightDecay: 5e-4, paramGroups: [{ params: 'bias', lrMultiplier: 2 }] });
    assert.deepEqual(plain.settingsFor('dense/bias', v(1)), { lrMultiplier: 2, weightDecay: 5e-4, frozen: false });
  });
  it('refuses unknown selectors, bad patterns and settings, each in one line naming the group', () => {
    const bad = (groups: unknown, re: RegExp) =>
      assert.throws(() => optim.sgd({ lr: 0.1, paramGroups: groups as optim.ParamGroupSpec[] }), re);
    bad([{ params: 'gamma' }], /optim\.sgd: paramGroups\[0\]\.params must be one of "bn\.gamma", .* got "gamma"/);
    bad([{ params: 'bias' }, { params: 're:(' }], /paramGroups\[1\]\.params must be a valid regular expression/);
    bad([{ params: 'bias', lrMultiplier: -1 }], /paramGroups\[0\]\.lrMultiplier must be a finite number >= 0/);
    bad([{ params: 'bias', lr: 2 }], /paramGroups\[0\]\.lr must be absent/);
    bad([{ params: 'bias', frozen: true, weightDecay: 0 }], /paramGroups\[0\]\.frozen must be false or absent/);
  });
});

describe('optimizer.paramGroups on the recipe path', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });
  const datasets = { train: barDataset(48), test: barDataset(12, 3, 99) };
  it('a frozen BN γ group leaves γ at its initial ones while the rest trains', async () => {
    const runDir = tempRunDir();
    const recipe = tinyRecipe({
      training: { epochs: 2 },
      optimizer: {
        noBiasDecay: true,
        paramGroups: [
          { params: 'bn.beta', lrMultiplier: 64 },
          { params: 'bn.gamma', frozen: true },
        ],
      },
    });
    await train({ recipe, runDir, model: tinyCnn, datasets, log: () => undefined });
    const { model } = await loadModel(join(runDir, 'model'));
    const byName = Object.fromEntries(model.weights.map((w) => [w.originalName.split('/').pop(), w.read().dataSync()]));
    assert.deepEqual(Array.from(byName.gamma!), [1, 1, 1, 1]);
    assert.ok(
      Array.from(byName.beta!).some((x) => x !== 0),
      'β did not train',
    );
    model.dispose();
  });
  it('an interrupted run with groups resumes to the same weights as an uninterrupted one', async () => {
    const recipe = tinyRecipe({
      training: { epochs: 2 },
      optimizer: {
        paramGroups: [
          { params: 'bias', lrMultiplier: 3, weightDecay: 0 },
          { params: 'bn.gamma', frozen: true },
        ],
      },
    });
    const full = tempRunDir();
    await train({ recipe, runDir: full, model: tinyCnn, datasets, log: () => undefined });
    const cut = tempRunDir();
    const part = await train({ recipe, runDir: cut, model: tinyCnn, datasets, log: () => undefined, stopAtStep: 4 });
    assert.equal(part.status, 'interrupted');
    await train({ recipe, runDir: cut, model: tinyCnn, datasets, log: () => undefined, resume: true });
    const weights = (dir: string) => readFileSync(join(dir, 'model', 'weights.bin'));
    assert.ok(weights(cut).equals(weights(full)), 'resumed weights differ');
  });
  it('refuses a bad selector and a group that selects no variable, naming the field', async () => {
    assert.throws(
      () => tinyRecipe({ optimizer: { paramGroups: [{ params: 'biases' }] } }),
      /optimizer\.paramGroups\[0\]\.params is "biases"; accepted: one of "bn\.gamma"/,
    );
    const recipe = tinyRecipe({ optimizer: { paramGroups: [{ params: 're:^nothing', frozen: true }] } });
    await assert.rejects(
      train({ recipe, runDir: tempRunDir(), model: tinyCnn, datasets, log: () => undefined }),
      /optimizer\.paramGroups\[0\] \("re:\^nothing"\) selects none of the trainable variables/,
    );
    assert.equal(
      resolveRecipe({ data: { dataset: 'fashion-mnist' }, model: { name: 'resnet20' } }).optimizer.paramGroups.length,
      0,
    );
  });
});
