// The Node side of the demo: what reaches the browser bundle, and how a bad folder or missing data is reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareDemoSite } from '../../src/demo/command.js';
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
