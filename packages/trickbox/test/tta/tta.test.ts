import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { readJsonl, train, type EpochRecord } from '../../src/train/index.js';
import { flipTtaPlugin, translateTtaPlugin, translatedViews } from '../../src/tta/index.js';
import { barDataset, tempRunDir, tinyCnn, tinyRecipe } from '../train/helpers.js';

await tf.setBackend('cpu');

test('translatedViews: the image and its shifts by k pixels, reflected at the border', () => {
  // one 3x4 single-channel image holding 0..11 row by row
  const x = tf.tensor4d(
    Array.from({ length: 12 }, (_, i) => i),
    [1, 3, 4, 1],
  );
  const views = translatedViews(x, 1).map((v) => (v.squeeze() as tf.Tensor2D).arraySync());
  assert.deepEqual(views[0], [
    [0, 1, 2, 3],
    [4, 5, 6, 7],
    [8, 9, 10, 11],
  ]);
  // shifted down by 1: the first row is the reflection of row 1
  assert.deepEqual(views[1], [
    [4, 5, 6, 7],
    [0, 1, 2, 3],
    [4, 5, 6, 7],
  ]);
  // shifted up by 1
  assert.deepEqual(views[2], [
    [4, 5, 6, 7],
    [8, 9, 10, 11],
    [4, 5, 6, 7],
  ]);
  // shifted right by 1
  assert.deepEqual(views[3], [
    [1, 0, 1, 2],
    [5, 4, 5, 6],
    [9, 8, 9, 10],
  ]);
  // shifted left by 1
  assert.deepEqual(views[4], [
    [1, 2, 3, 2],
    [5, 6, 7, 6],
    [9, 10, 11, 10],
  ]);
  assert.throws(() => translatedViews(x, 3), /shift must be an integer in \[1, 2\] for 3x4 images, got 3/);
});

test('translate TTA averages the five views; with flip TTA outside it, all ten', () => {
  const x = tf.randomNormal([2, 6, 6, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
  // a "model" whose probabilities depend on position: softmax of the first column's values
  const next = (v: tf.Tensor4D) =>
    tf.softmax(tf.reshape(tf.slice(v, [0, 0, 0, 0], [-1, -1, 1, -1]), [2, 6])) as tf.Tensor2D;
  const views = translatedViews(x, 2);
  const expected = tf.div(tf.addN(views.map(next)), 5);
  const got = translateTtaPlugin({ shift: 2 }).inference!(x, next);
  tf.test_util.expectArraysClose(got.dataSync(), expected.dataSync(), 1e-6);
  const both = flipTtaPlugin().inference!(x, (v) => translateTtaPlugin({ shift: 2 }).inference!(v, next));
  const flipped = tf.reverse(x, 2) as tf.Tensor4D;
  const all = [...views, ...translatedViews(flipped, 2)].map(next);
  tf.test_util.expectArraysClose(both.dataSync(), tf.div(tf.addN(all), 10).dataSync(), 1e-6);
});

test('evaluation.translateTta on the recipe path changes the evaluated probabilities, not the training', async () => {
  const datasets = { train: barDataset(96), test: barDataset(30, 3, 99) };
  const last = (dir: string) =>
    (readJsonl(join(dir, 'metrics.jsonl')).filter((l) => l.type === 'epoch') as unknown as EpochRecord[]).at(-1)!;
  const a = tempRunDir();
  const b = tempRunDir();
  await train({ recipe: tinyRecipe(), runDir: a, model: tinyCnn, datasets, log: () => undefined });
  await train({
    recipe: tinyRecipe({ evaluation: { translateTta: 1 } }),
    runDir: b,
    model: tinyCnn,
    datasets,
    log: () => undefined,
  });
  assert.equal(last(b).trainLoss, last(a).trainLoss);
  assert.notEqual(last(b).testLoss, last(a).testLoss);
});
