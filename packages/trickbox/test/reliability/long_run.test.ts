// Long runs: the tensor count and RSS stay flat over many training steps (200 by default, 5,000 with longTests),
// on the backend the CLI would use, with augmentation, mixing, EMA, checkpoints and evaluation; the numbers are
// printed. The long variant trains models.simpleCnn (dropout, pooling); the default one a conv-BN-dense net, since
// pooling gradients are slow on a busy machine and the trainer's own tensors are what is checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { longTests } from '../helpers/paths.js';
import { initBackend } from '../../src/cli/backend.js';
import { loadRecipe, train } from '../../src/train/index.js';
import { tempDir, tinyIdx, tinyRecipeFile } from './helpers.js';
import { tinyCnn } from '../train/helpers.js';
import { assertOneDnnLoaded } from 'tfjs-backend-onednn/testing';

const STEPS = longTests ? 5000 : 200;

// memory is sampled after a full collection: V8 collects lazily, and without this the heap (and RSS) rose by
// ~30 KB per step with nothing retained (measured: 53 MiB heap after GC at step 100 and at step 600)
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

test(`tensor count and RSS flat over ${STEPS} training steps`, async () => {
  const backend = await initBackend(() => undefined);
  assertOneDnnLoaded();
  assert.equal(backend, 'onednn');
  const dir = tempDir();
  // 320 images in batches of 8: 40 steps per epoch, so the run also crosses epoch ends (evaluation, checkpoint)
  const file = tinyRecipeFile(join(dir, 'r.json'), tinyIdx(320, 32), {
    model: { name: 'simpleCnn', options: { filters: [8, 16], denseUnits: 32 } },
    training: { epochs: Math.ceil(STEPS / 40), batchSize: 8, seed: 4, logEvery: 20 },
    augment: [
      { name: 'randomCrop', options: { size: 8, padding: 1 } },
      { name: 'randomHorizontalFlip', options: { p: 0.5 } },
    ],
    mixing: { name: 'cutmix', alpha: 1 },
    regularization: { ema: { decay: 0.99 } },
    loss: { labelSmoothing: 0.1 },
  });
  const tensors: number[] = [];
  const rss: number[] = [];
  const heap: number[] = [];
  const t0 = performance.now();
  const res = await train({
    recipe: loadRecipe(file),
    ...(longTests ? {} : { model: tinyCnn }),
    runDir: join(dir, 'run'),
    log: () => undefined,
    callbacks: [
      {
        onStepEnd: (s) => {
          tensors.push(tf.memory().numTensors);
          if (s.step % 10 === 0) {
            gc();
            const m = process.memoryUsage();
            rss.push(m.rss / 2 ** 20);
            heap.push(m.heapUsed / 2 ** 20);
          }
        },
      },
    ],
  });
  const seconds = (performance.now() - t0) / 1000;
  assert.equal(res.status, 'completed');
  assert.equal(tensors.length, STEPS);
  // after the first step (optimizer slots are created then) the count never changes
  const after = tensors.slice(1);
  const tMin = Math.min(...after);
  const tMax = Math.max(...after);
  // RSS: median of the second tenth of the run vs median of the last tenth (the first tenth is warm-up)
  const tenth = Math.max(1, Math.floor(rss.length / 10));
  const early = median(rss.slice(tenth, 2 * tenth));
  const late = median(rss.slice(-tenth));
  const heapEarly = median(heap.slice(tenth, 2 * tenth));
  const heapLate = median(heap.slice(-tenth));
  console.log(
    `long run (${backend}): ${STEPS} steps in ${seconds.toFixed(1)} s; tensors ${tensors[0]} after step 1, ` +
      `${tMin}..${tMax} after; RSS median ${early.toFixed(1)} MiB (steps ${tenth * 10}-${2 * tenth * 10}) → ` +
      `${late.toFixed(1)} MiB (last ${tenth * 10} steps), max ${Math.max(...rss).toFixed(1)} MiB; ` +
      `JS heap after GC ${heapEarly.toFixed(1)} → ${heapLate.toFixed(1)} MiB`,
  );
  assert.equal(tMax, tMin, `tensor count moved: ${tMin}..${tMax}`);
  // a leak of 10 KB per step would be 2 MiB over 200 steps and 49 MiB over 5,000
  assert.ok(late - early < (longTests ? 40 : 25), `RSS grew from ${early.toFixed(1)} to ${late.toFixed(1)} MiB`);
  assert.ok(heapLate - heapEarly < 5, `JS heap grew from ${heapEarly.toFixed(1)} to ${heapLate.toFixed(1)} MiB`);
});
