// Numerical faults end to end: an absurd learning rate makes the loss (or the weights) non-finite; the run stops with
// one line naming the step, the learning rate and the last good checkpoint, which really is good (finite, loadable).
// training.onNaN = 'skip' skips a non-finite batch and trains on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { idxBytes } from '../data/files.js';
import { decodeCheckpoint } from '../../src/train/checkpoint.js';
import { evaluate } from '../../src/train/evaluate.js';
import { DIVERGING_OVERRIDES, cliInProcess, tempDir, tinyIdx, tinyRecipeFile } from './helpers.js';

const absurd = DIVERGING_OVERRIDES;

test('an absurd learning rate stops the run naming the step, the lr and a last good checkpoint that is finite', async () => {
  const dir = tempDir();
  const recipe = tinyRecipeFile(join(dir, 'r.json'), tinyIdx(64, 16), { training: { epochs: 10, batchSize: 16 } });
  const run = join(dir, 'run');
  const r = await cliInProcess(['train', recipe, '--out', run, '-q', '--no-report', ...absurd]);
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  // either the loss was non-finite first, or an update made the weights non-finite at an epoch end
  const m =
    /loss is (?:NaN|-?Infinity) at step (\d+) \(epoch \d+, lr [0-9.e+-]+\); stopped\. Last good checkpoint: (\S+)/.exec(
      lines[0],
    ) ??
    /holds NaN or Infinity after step (\d+) \(epoch \d+, lr [0-9.e+-]+\); not checkpointed\. Last good checkpoint: (\S+);/.exec(
      lines[0],
    );
  assert.ok(m, lines[0]);
  const step = Number(m[1]);
  const ckFile = m[2];
  assert.ok(ckFile.endsWith('.tbx'), `no checkpoint named: ${lines[0]}`);
  const ck = decodeCheckpoint(ckFile, readFileSync(ckFile));
  assert.ok(ck.state.step <= step);
  for (const t of ck.tensors.values())
    assert.ok(
      Array.from(t.data).every(Number.isFinite),
      `${ckFile}: ${t.entry.group}/${t.entry.name} is not finite — not a good checkpoint`,
    );
  console.log(`NaN stop: ${lines[0]}`);
});

test("training.onNaN = 'skip': a batch whose loss is NaN is skipped and logged, the run completes", async () => {
  // one image of 64 is bright, the rest black; normalising with std 1e-45 makes that image's batch overflow
  const data = tinyIdx(64, 16);
  const img = new Uint8Array(64 * 64);
  img.fill(200, 5 * 64, 6 * 64);
  writeFileSync(join(data, 'train-images-idx3-ubyte.gz'), gzipSync(idxBytes([64, 8, 8], img)));
  writeFileSync(join(data, 't10k-images-idx3-ubyte.gz'), gzipSync(idxBytes([16, 8, 8], new Uint8Array(16 * 64))));
  const dir = tempDir();
  const extra = {
    training: { epochs: 3, batchSize: 16, logEvery: 1 },
    data: { normalize: { mean: [0], std: [1e-45] } }, // 200/255/1e-45 overflows float32: Inf input, NaN loss
    schedule: { name: 'constant', warmupEpochs: 0 },
  };
  const stop = await cliInProcess([
    'train',
    tinyRecipeFile(join(dir, 'stop.json'), data, extra),
    '--out',
    join(dir, 'stop'),
    '-q',
    '--no-report',
  ]);
  assert.equal(stop.code, 1, stop.stderr);
  assert.match(
    stop.stderr,
    /loss is (NaN|-?Infinity) at step \d+ \(epoch 1, lr 0\.05\); stopped\. Last good checkpoint: \(none yet\)/,
  );
  const run = join(dir, 'skip');
  const skip = await cliInProcess([
    'train',
    tinyRecipeFile(join(dir, 'skip.json'), data, { ...extra, training: { ...extra.training, onNaN: 'skip' } }),
    '--out',
    run,
    '-q',
    '--no-report',
  ]);
  assert.equal(skip.code, 0, skip.stderr);
  const skipped = skip.stderr
    .split('\n')
    .filter((l) => /^step \d+: loss is (NaN|-?Infinity) at lr 0\.05; batch skipped/.test(l));
  assert.equal(skipped.length, 3, skip.stderr); // the bright image's batch, once per epoch
  const epochs = readFileSync(join(run, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((l) => l.type === 'epoch');
  assert.deepEqual(
    epochs.map((e) => e.skippedSteps),
    [1, 1, 1],
  );
  assert.ok(epochs.every((e) => Number.isFinite(e.trainLoss) && Number.isFinite(e.testLoss)));
  console.log(`NaN skip: ${skipped.length} batches skipped over 3 epochs, run completed`);
});

test('evaluation of a diverged (NaN) model reports 0% accuracy, not 100%', async () => {
  await tf.setBackend('cpu');
  const m = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [2, 2, 1] }), tf.layers.dense({ units: 3 })] });
  m.setWeights(m.getWeights().map((w) => tf.fill(w.shape, NaN)));
  const ds = {
    images: new Uint8Array(6 * 4).fill(9),
    labels: Int32Array.from([0, 1, 2, 0, 1, 2]),
    height: 2,
    width: 2,
    channels: 1 as const,
    classNames: ['a', 'b', 'c'],
  };
  const r = await evaluate(m, ds, { mean: [0], std: [1] });
  assert.equal(r.top1, 0);
  assert.equal(r.top5, 0);
  assert.ok(Number.isNaN(r.loss));
  m.dispose();
});
