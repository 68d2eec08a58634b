import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { longTests, packageRoot } from '../helpers/paths.js';
import { DEFAULT_FASHION_MNIST_DIR } from '../../src/data/index.js';
import { loadModel, readJsonl, train, type EpochRecord } from '../../src/train/index.js';
import { writeImageFolder } from '../data/files.js';
import { loadRecipe } from '../../src/train/index.js';
import { barDataset, tempRunDir, tinyCnn, tinyRecipe } from './helpers.js';
import { useOneDnnBackend } from 'tfjs-backend-onednn/testing';

await tf.setBackend('cpu');
const datasets = { train: barDataset(96), test: barDataset(30, 3, 99) };
const quiet = (): void => undefined;
const epochs = (dir: string) =>
  readJsonl(join(dir, 'metrics.jsonl')).filter((l) => l.type === 'epoch') as unknown as EpochRecord[];

for (const mixing of [
  { name: 'mixup', alpha: 0.2 },
  { name: 'cutmix', alpha: 1 },
  { name: 'ricap', beta: 0.3 },
]) {
  test(`${mixing.name} + label smoothing + flip TTA + EMA train and evaluate`, async () => {
    const runDir = tempRunDir();
    const res = await train({
      recipe: tinyRecipe({
        mixing,
        loss: { labelSmoothing: 0.1 },
        evaluation: { flipTta: true },
        regularization: { ema: { decay: 0.9 } },
        training: { epochs: 4 },
      }),
      runDir,
      model: tinyCnn,
      datasets,
      log: quiet,
    });
    assert.equal(res.status, 'completed');
    const e = epochs(runDir);
    assert.equal(e[3].evaluatedWith, 'ema');
    assert.ok(e[3].testTop1 > 0.6, `${mixing.name}: test top-1 ${e[3].testTop1}`);
    assert.ok(Number.isFinite(e[3].trainLoss));
  });
}

test('knowledge distillation from a teacher run directory; a teacher with other classes is refused', async () => {
  const teacherDir = tempRunDir();
  await train({ recipe: tinyRecipe(), runDir: teacherDir, model: tinyCnn, datasets, log: quiet });
  const student = tempRunDir();
  const res = await train({
    recipe: tinyRecipe({ distillation: { teacher: teacherDir, temperature: 4, alpha: 0.7 } }),
    runDir: student,
    model: tinyCnn,
    datasets,
    log: quiet,
  });
  assert.equal(res.status, 'completed');
  assert.ok(epochs(student)[2].testTop1 > 0.9);
  const fourClasses = { train: barDataset(96, 4), test: barDataset(32, 4, 5) };
  await assert.rejects(
    train({
      recipe: tinyRecipe({ distillation: { teacher: teacherDir, temperature: 4, alpha: 0.7 } }),
      runDir: tempRunDir(),
      model: tinyCnn,
      datasets: fourClasses,
      log: quiet,
    }),
    /distillation\.teacher .*predicts 3 classes; this run has .* and 4 classes/,
  );
});

test(
  'long: fashion-quick recipe end to end on real Fashion-MNIST (subset) with the real simpleCnn',
  {
    skip:
      !longTests || !existsSync(DEFAULT_FASHION_MNIST_DIR)
        ? 'long test (TRICKBOX_LONG_TESTS=1) with dataset-fashion-mnist'
        : false,
  },
  async () => {
    const recipe = loadRecipe(join(packageRoot, '..', '..', 'recipes', 'fashion-quick.json'), [
      'data.subset=6000',
      'data.testSubset=2000',
    ]);
    // the native backend, as the CLI uses it (fails, saying why, when the addon does not load)
    await useOneDnnBackend();
    const runDir = tempRunDir();
    const res = await train({ recipe, runDir, log: quiet }).finally(() => tf.setBackend('cpu'));
    assert.equal(res.status, 'completed');
    assert.ok(res.final!.testTop1 > 0.7, `test top-1 ${res.final!.testTop1}`);
  },
);

test('an image-folder recipe trains end to end (decode, resize, hold-out test set, or a test folder)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'trickbox-folder-'));
  await writeImageFolder(join(root, 'train'), ['cat', 'dog', 'fox'], 4);
  await writeImageFolder(join(root, 'test'), ['cat', 'dog', 'fox'], 2);
  const base = {
    data: { dataset: 'image-folder', dir: join(root, 'train'), height: 8, width: 8, channels: 3, workers: 0 },
  };
  const logs: string[] = [];
  const held = await train({
    recipe: tinyRecipe({ ...base, training: { epochs: 2, batchSize: 4 } }),
    runDir: tempRunDir(),
    model: tinyCnn,
    log: (m) => logs.push(m),
  });
  assert.equal(held.status, 'completed');
  assert.ok(
    logs.some((l) => /image-folder: no data\.testDir, holding out \d+ images \(10%\) as the test set/.test(l)),
    logs.join('\n'),
  );
  const withTest = await train({
    recipe: tinyRecipe({ data: { ...base.data, testDir: join(root, 'test') }, training: { epochs: 2, batchSize: 4 } }),
    runDir: tempRunDir(),
    model: tinyCnn,
    log: quiet,
  });
  assert.equal(
    withTest.confusion!.flat().reduce((a, b) => a + b, 0),
    6,
  );
  const { model, preprocessing } = await loadModel(withTest.runDir);
  assert.deepEqual(preprocessing!.classNames, ['cat', 'dog', 'fox']);
  assert.deepEqual([preprocessing!.height, preprocessing!.width, preprocessing!.channels], [8, 8, 3]);
  model.dispose();
});
