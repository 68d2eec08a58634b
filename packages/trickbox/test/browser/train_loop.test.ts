// The in-tab training loop (src/browser/train_loop.ts) in Node, on a small learnable slice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import 'tfjs-backend-onednn';
import { trainInTab, type StepProgress } from '../../src/browser/train_loop.js';
import type { TrainingSlice } from '../../src/browser/slice.js';

/** Class k of 3: an 8×8 grey image of level 30 + 90·k plus noise; crops, flips and erasing keep it recognisable. */
function levelSplit(n: number, salt: number): { images: Uint8Array; labels: Uint8Array } {
  const images = new Uint8Array(n * 64);
  const labels = new Uint8Array(n);
  let s = 99 + salt;
  for (let i = 0; i < n; i++) {
    labels[i] = i % 3;
    for (let p = 0; p < 64; p++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      images[i * 64 + p] = 30 + 90 * labels[i] + ((s >>> 8) % 40) - 20;
    }
  }
  return { images, labels };
}

function levelSlice(): TrainingSlice {
  return {
    height: 8,
    width: 8,
    channels: 1,
    classNames: ['dark', 'mid', 'bright'],
    mean: [0.47],
    std: [0.3],
    train: levelSplit(240, 1),
    holdOut: levelSplit(60, 2),
  };
}

test('trainInTab learns a separable slice with every trick on, reports progress and leaks no tensor', async () => {
  await tf.setBackend('onednn');
  const slice = levelSlice();
  const tensorsBefore = tf.memory().numTensors;
  const progress: StepProgress[] = [];
  const result = await trainInTab(slice, {
    steps: 40,
    batchSize: 16,
    lr: 0.05,
    evalEvery: 10,
    evalImages: 30,
    seed: 3,
    filters: [4, 8],
    onStep: (p) => void progress.push(p),
  });
  assert.equal(progress.length, 40);
  assert.deepEqual(
    progress.filter((p) => p.holdOutAccuracy !== undefined).map((p) => p.step),
    [10, 20, 30, 40],
  );
  assert.equal(progress.at(-1)!.holdOutAccuracy, result.accuracy);
  assert.ok(progress.every((p) => Number.isFinite(p.loss)));
  // linear warmup from 0 over 4 steps (10 %), then cosine: the first batch trains at schedule(0) = 0
  [0, 0.0125, 0.025, 0.0375, 0.05].forEach((lr, i) => assert.ok(Math.abs(progress[i].lr - lr) < 1e-12, `step ${i}`));
  assert.ok(progress[39].lr < progress[20].lr && progress[20].lr < 0.05);
  assert.ok(result.accuracy >= 0.9, `hold-out accuracy ${result.accuracy}`);
  assert.equal(result.backend, 'onednn');
  assert.ok(result.imagesPerSecond > 0);
  assert.equal(tf.memory().numTensors, tensorsBefore, 'the model and every step tensor are disposed');
});

test('with its own model, a run repeats exactly for the same seed and disposes the model', async () => {
  await tf.setBackend('onednn');
  const tensorsBefore = tf.memory().numTensors;
  const run = async (seed: number) => {
    const losses: number[] = [];
    const r = await trainInTab(levelSlice(), {
      steps: 12,
      batchSize: 8,
      filters: [2, 4],
      seed,
      onStep: (p) => void losses.push(p.loss),
    });
    return { losses, accuracy: r.accuracy };
  };
  const a = await run(5);
  const b = await run(5);
  const c = await run(6);
  assert.deepEqual(b, a);
  assert.notDeepEqual(c.losses, a.losses);
  assert.equal(tf.memory().numTensors, tensorsBefore);
});

test('trainInTab rejects a bad step count', async () => {
  await assert.rejects(trainInTab(levelSlice(), { steps: 0 }), /trainInTab: steps must be an integer >= 1, got 0/);
});
