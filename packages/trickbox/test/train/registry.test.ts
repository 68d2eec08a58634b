// A user's registry row reaches recipes: its name is accepted, its fields are validated with their defaults, and the
// trainer builds it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import * as tf from '@tensorflow/tfjs';
import { registerOptimizer, sgd } from '../../src/optim/index.js';
import { registerSchedule } from '../../src/schedules/index.js';
import {
  buildOptimizer,
  buildSchedule,
  registerPlugin,
  resolveRecipe,
  recipeSchemaNow,
} from '../../src/train/index.js';

await tf.setBackend('cpu');
const minimal = { data: { dataset: 'fashion-mnist' }, model: { name: 'simpleCnn' } };

test('registerOptimizer / registerSchedule: the names and fields join the schema, defaults included', () => {
  registerOptimizer({
    name: 'heavyBall',
    doc: 'SGD with a fixed momentum of 0.99 (test row)',
    reference: 'Polyak 1964',
    fields: { dampen: Type.Number({ minimum: 0, maximum: 1, default: 0.25 }) },
    build: (a) => sgd({ lr: a.lr, momentum: 0.99, weightDecay: a.weightDecay }),
  });
  registerSchedule({
    name: 'halving',
    doc: 'halves the rate every `halveEvery` iterations (test row)',
    reference: 'none',
    fields: { halveEvery: Type.Integer({ minimum: 1, default: 10 }) },
    build: (a) => (step) => a.lr * 0.5 ** Math.floor(step / (a.fields.halveEvery as number)),
  });
  const r = resolveRecipe({
    ...minimal,
    optimizer: { name: 'heavyBall' },
    schedule: { name: 'halving', halveEvery: 5 },
  });
  assert.equal((r.optimizer as Record<string, unknown>).dampen, 0.25);
  const opt = buildOptimizer(r, 0.1);
  assert.equal(opt.getClassName(), 'trickbox.SGD');
  opt.dispose();
  const { schedule } = buildSchedule(r, 10);
  assert.equal(schedule(4), 0.1);
  assert.equal(schedule(5), 0.05);
  assert.throws(
    () => resolveRecipe({ ...minimal, optimizer: { name: 'heavyBall', dampen: 2 } }),
    /optimizer\.dampen is 2; accepted: a number >= 0 and <= 1/,
  );
  assert.throws(
    () => resolveRecipe({ ...minimal, optimizer: { name: 'nope' } }),
    /optimizer\.name is "nope"; accepted: .*"heavyBall"/,
  );
  assert.ok(JSON.stringify(recipeSchemaNow()).includes('halveEvery'));
});

test('registerPlugin: a user plug-in turned on by its own recipe field', async () => {
  registerPlugin({
    name: 'lossScale',
    doc: 'multiplies the loss (test row)',
    reference: 'none',
    field: 'regularization.lossScale',
    fields: { section: 'regularization', properties: { lossScale: Type.Number({ exclusiveMinimum: 0, default: 1 }) } },
    enabled: (r) => (r.regularization as Record<string, unknown>).lossScale !== 1,
    build: (r) => ({
      name: 'lossScale',
      loss: ({ loss }) =>
        tf.mul(loss(), (r.regularization as Record<string, unknown>).lossScale as number) as tf.Scalar,
    }),
  });
  const r = resolveRecipe({ ...minimal, regularization: { lossScale: 2 } });
  assert.equal((r.regularization as Record<string, unknown>).lossScale, 2);
  assert.equal((resolveRecipe(minimal).regularization as Record<string, unknown>).lossScale, 1);
  assert.throws(() => registerPlugin({ name: 'lossScale' } as never), /a plug-in named 'lossScale' exists/);
});

test('registerModel: a user model is a recipe name, its options are checked against its schema, the trainer builds it', async () => {
  const { registerModel, countParams } = await import('../../src/models/index.js');
  const { modelFactory } = await import('../../src/train/index.js');
  const { recipeFieldTables } = await import('../../src/train/recipe_docs.js');
  registerModel({
    name: 'denseNet1',
    doc: 'one hidden dense layer (test row)',
    reference: 'none',
    fields: { units: Type.Integer({ minimum: 1, default: 8, description: 'hidden units' }) },
    build: ({ inputShape, numClasses, units }) => {
      const m = tf.sequential();
      m.add(tf.layers.flatten({ inputShape }));
      m.add(tf.layers.dense({ units: (units as number | undefined) ?? 8, activation: 'relu' }));
      m.add(tf.layers.dense({ units: numClasses }));
      return m;
    },
  });
  const r = resolveRecipe({ ...minimal, model: { name: 'denseNet1', options: { units: 3 } } });
  const model = modelFactory(r)({ inputShape: [4, 4, 1], numClasses: 5, seed: 0 });
  assert.equal(countParams(model), 16 * 3 + 3 + 3 * 5 + 5); // the option reached the constructor
  model.dispose();
  assert.throws(
    () => resolveRecipe({ ...minimal, model: { name: 'denseNet1', options: { unit: 3 } } }),
    /unknown field 'model\.options\.unit'; accepted fields of model\.options: units$/,
  );
  assert.throws(
    () => resolveRecipe({ ...minimal, model: { name: 'denseNet1', options: { units: 0 } } }),
    /model\.options\.units is 0; accepted: an integer >= 1/,
  );
  assert.match(recipeFieldTables(), /\| `denseNet1` \| one hidden dense layer \(test row\) \| none \| `units` \|/);
  assert.match(recipeFieldTables(), /\| `units` \| `denseNet1` \| `8` \| integer ≥ 1 \| hidden units \|/);
  assert.throws(() => registerModel({ name: 'resnet20' } as never), /register model: 'resnet20' is registered already/);
});

test('the built-in models check their options: a fixed architecture has no depth, constructor options keep their types', () => {
  assert.throws(
    () => resolveRecipe({ ...minimal, model: { name: 'resnet20', options: { depth: 32 } } }),
    /unknown field 'model\.options\.depth'; accepted fields of model\.options: shortcut, resnetD, /,
  );
  assert.throws(
    () => resolveRecipe({ ...minimal, model: { name: 'simpleCnn', options: { filters: [8] } } }),
    /model\.options\.filters is \[8\]; accepted: an array of at least 2 items/,
  );
  assert.throws(
    () => resolveRecipe({ ...minimal, model: { name: 'resnet', options: { variant: 'v2' } } }),
    /model\.options\.variant is "v2"; accepted: "cifar", "preact"/,
  );
  // not filled in: a stored recipe stays as written, the constructor applies the same defaults
  assert.deepEqual(resolveRecipe({ ...minimal, model: { name: 'resnet', options: { depth: 32 } } }).model, {
    name: 'resnet',
    options: { depth: 32 },
  });
});
