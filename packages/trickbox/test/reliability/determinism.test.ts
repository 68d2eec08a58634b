// Determinism: the same seed with TFJS_ONEDNN_THREADS=1 gives bit-identical weights after 50 steps (in one process
// and across processes); with 2 threads, runs are compared with each other and with one thread, and the differences
// are printed (docs/reliability.md states what is and is not deterministic).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot, longTests } from '../helpers/paths.js';
import { tempDir, tinyIdx, tinyRecipeFile } from './helpers.js';
import { determinismRuns } from './determinism_child.js';
import { assertOneDnnLoaded } from 'tfjs-backend-onednn/testing';

const STEPS = 50;
const child = join(packageRoot, 'test', 'reliability', 'determinism_child.ts');

type RunOut = Awaited<ReturnType<typeof determinismRuns>>[number];

function runChild(threads: number, runs: number, recipe: string, out: string): RunOut[] {
  const r = spawnSync(process.execPath, ['--import', 'tsx', child, recipe, out, String(STEPS), String(runs)], {
    encoding: 'utf8',
    env: { ...process.env, TFJS_ONEDNN_THREADS: String(threads), TRICKBOX_BACKEND: '' },
    timeout: 300_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as RunOut);
}

const f32 = (b64: string): Float32Array => {
  const b = Buffer.from(b64, 'base64');
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

/** Largest |a − b| / max(|b|, 1e-3) over two equally long arrays. */
function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-3));
  return m;
}

test(
  `same seed: bit-identical weights after ${STEPS} steps with one thread; 2 threads compared`,
  { timeout: 900_000 },
  async () => {
    const dir = tempDir();
    // dropout (simpleCnn default 0.25), random crop + flip, mixup and label smoothing: every source of randomness
    // 400 images in batches of 8: the 50 steps are one epoch (one evaluation, one checkpoint)
    const recipe = tinyRecipeFile(join(dir, 'r.json'), tinyIdx(400, 32), {
      model: { name: 'simpleCnn', options: { filters: [8, 16], denseUnits: 32 } },
      training: { epochs: 2, batchSize: 8, seed: 21, logEvery: 1000 },
      augment: [
        { name: 'randomCrop', options: { size: 8, padding: 1 } },
        { name: 'randomHorizontalFlip', options: { p: 0.5 } },
      ],
      mixing: { name: 'mixup', alpha: 0.2 },
      loss: { labelSmoothing: 0.1 },
    });
    // this test file is its own process: one thread here (set before the addon loads), other settings in children
    process.env.TFJS_ONEDNN_THREADS = '1';
    delete process.env.TRICKBOX_BACKEND;
    const one = await determinismRuns(recipe, join(dir, 't1a'), STEPS, 2);
    const oneAgain = longTests ? runChild(1, 1, recipe, join(dir, 't1b')) : [];
    const backend = one[0].backend;
    assert.equal(one[0].step, STEPS);
    assert.equal(one[1].sha256, one[0].sha256, 'one thread, same process: weights differ');
    assert.deepEqual(one[1].losses, one[0].losses);
    for (const r of oneAgain) assert.equal(r.sha256, one[0].sha256, 'one thread, another process: weights differ');
    const lines = [
      `determinism (${backend}): 1 thread ×${one.length + oneAgain.length} runs (${oneAgain.length ? 2 : 1} processes): weights sha256 ${one[0].sha256.slice(0, 16)} identical`,
    ];
    assertOneDnnLoaded();
    assert.equal(backend, 'onednn');
    const two = runChild(2, longTests ? 2 : 1, recipe, join(dir, 't2'));
    const w1 = f32(one[0].weights);
    const w2 = f32(two[0].weights);
    const sameTwo = two.every((r) => r.sha256 === two[0].sha256);
    const dLoss = maxRel(two[0].losses, one[0].losses);
    const dW = maxRel(w2, w1);
    const firstDiff = two[0].losses.findIndex((l, i) => l !== one[0].losses[i]);
    lines.push(
      `2 threads ×${two.length} runs: ${two.length < 2 ? '' : sameTwo ? 'bit-identical to each other; ' : 'NOT bit-identical to each other; '}` +
        `vs 1 thread: max relative loss difference ${dLoss.toExponential(2)} (first differing step ${firstDiff < 0 ? 'none' : firstDiff + 1}), ` +
        `weights max relative difference ${dW.toExponential(2)}`,
    );
    // same thread count → same result; across thread counts only the summation order of reductions differs
    assert.ok(sameTwo, lines.join('\n'));
    assert.ok(dLoss < 1e-6, lines.join('\n'));
    console.log(lines.join('\n'));
  },
);
