// The Node side of the demo: what reaches the browser bundle, and how a bad folder or missing data is reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { prepareDemoSite } from '../../src/demo/command.js';
import { fashionMnist } from '../../src/data/index.js';
import { resolveRecipe, train } from '../../src/train/index.js';
import { tinyCnn } from '../train/helpers.js';
import { writeFashionSlice } from '../../src/demo/fashion_slice.js';
import { decodeSlice } from '../../src/browser/slice.js';
import { writeIdxSet } from '../data/files.js';
import { packageRoot } from '../helpers/paths.js';

test('the page bundles hold trickbox browser-safe code and the fused ops, nothing Node-only', () => {
  const inputs: string[] = JSON.parse(readFileSync(join(packageRoot, 'dist', 'web-bundle-inputs.json'), 'utf8'));
  for (const needed of ['src/browser/train_loop.ts', 'src/augment/transforms.ts', 'src/mix/mixup.ts'])
    assert.ok(inputs.includes(needed), needed);
  assert.ok(inputs.some((f) => f.endsWith('tfjs-backend-onednn/dist/src/ops/batchnorm.js')));
  const nodeOnly = inputs.filter((f) =>
    /native|\/backend\.js|register|src\/(data|train|cli|report|fs|demo)\/|^node:|sharp|vega/.test(f),
  );
  assert.deepEqual(nodeOnly, []);
  assert.ok(
    inputs.filter((f) => f.startsWith('tfjs-global:')).length >= 2,
    'tfjs comes from the stock bundle (global tf), not bundled again',
  );
});

test('trickbox demo refuses a folder without a model, naming it', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'trickbox-demo-empty-'));
  await assert.rejects(
    prepareDemoSite(empty, { log: () => undefined }),
    new RegExp(`${empty}: neither a run directory \\(model/model.json\\) nor an exported model \\(model.json\\)`),
  );
});

test('the Fashion-MNIST slice is drawn from the IDX files and reads back', () => {
  const data = mkdtempSync(join(tmpdir(), 'trickbox-demo-idx-'));
  writeIdxSet(data, { n: 30, m: 12, h: 6, w: 5 });
  const out = mkdtempSync(join(tmpdir(), 'trickbox-demo-slice-'));
  const manifest = writeFashionSlice(out, { dataDir: data, trainCount: 20, holdOutCount: 8 });
  assert.equal(manifest.trainCount, 20);
  assert.equal(manifest.holdOutCount, 8);
  const slice = decodeSlice('fashion-slice.bin', manifest, readFileSync(join(out, 'fashion-slice.bin')));
  assert.equal(slice.train.images.length, 20 * 30);
  assert.equal(slice.classNames[9], 'Ankle boot');
  assert.ok(slice.std[0] > 0);
  assert.match(manifest.source, new RegExp(`Fashion-MNIST training and test files in ${data}`));
  assert.throws(
    () => writeFashionSlice(out, { dataDir: join(data, 'missing') }),
    /train-images-idx3-ubyte\.gz: not found/,
  );
});

test('trickbox demo exports a run directory into <run>/web and adds the slice; without data only the classify page', async () => {
  await tf.setBackend('cpu');
  const data = mkdtempSync(join(tmpdir(), 'trickbox-demo-run-idx-'));
  writeIdxSet(data, { n: 24, m: 10, h: 6, w: 5 });
  const runDir = join(mkdtempSync(join(tmpdir(), 'trickbox-demo-run-')), 'run');
  const recipe = resolveRecipe({
    name: 'demo-run',
    data: { dataset: 'fashion-mnist', dir: data, workers: 0 },
    model: { name: 'tinyCnn' },
    training: { epochs: 1, batchSize: 8 },
    schedule: { name: 'constant' },
  });
  await train({ recipe, runDir, model: tinyCnn, datasets: fashionMnist({ dir: data }), log: () => undefined });
  const lines: string[] = [];
  const site = await prepareDemoSite(runDir, { dataDir: data, log: (l) => void lines.push(l) });
  assert.equal(site.dir, join(runDir, 'web'));
  assert.equal(site.trainImages, 24);
  for (const file of ['model.json', 'index.html', 'train.js', 'vendor/tf.min.js', 'data/fashion-slice.bin'])
    assert.ok(existsSync(join(site.dir, file)), file);
  assert.match(lines[0], /demo: exported .*run\/model for the browser into .*run\/web/);
  const noData = await prepareDemoSite(site.dir, { dataDir: join(data, 'none'), log: (l) => void lines.push(l) });
  assert.equal(noData.trainImages, 0);
  assert.match(
    lines.at(-1)!,
    /demo: the training page has no data \(.*train-images-idx3-ubyte\.gz: not found.*\); the classify page works/,
  );
});
