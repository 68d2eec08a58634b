import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyse, rangeLr } from '../../src/study/lr_find.js';
import { cli, recipesDir, tempDir, TINY } from './helpers.js';

test('lr range: geometric from start to end', () => {
  assert.equal(rangeLr(0, 5, 1e-4, 1), 1e-4);
  assert.ok(Math.abs(rangeLr(4, 5, 1e-4, 1) - 1) < 1e-12);
  assert.ok(Math.abs(rangeLr(2, 5, 1e-4, 1) - 1e-2) < 1e-12);
});

test('smoothing is the bias-corrected moving average; stops above 4x the minimum; suggestions', () => {
  const lrs = Array.from({ length: 8 }, (_, k) => 10 ** (k - 6));
  const raw = [2, 2, 1.8, 1.2, 0.6, 0.5, 3, 40];
  const r = analyse(lrs, raw);
  // by hand: avg_k = 0.98 avg_{k-1} + 0.02 raw_k, smoothed_k = avg_k / (1 - 0.98^(k+1))
  let avg = 0;
  raw.slice(0, r.points.length).forEach((x, k) => {
    avg = 0.98 * avg + 0.02 * x;
    assert.ok(Math.abs(r.points[k].smoothed - avg / (1 - 0.98 ** (k + 1))) < 1e-12);
  });
  assert.ok(Math.abs(r.points[0].smoothed - 2) < 1e-12); // bias correction: the first value is the first loss
  assert.equal(r.diverged, true);
  assert.equal(r.points.length, 8); // 40 lifts the smoothed loss above 4 × its minimum only at the last step
  assert.ok(r.points[7].smoothed > 4 * Math.min(...r.points.slice(0, 7).map((p) => p.smoothed)));
  assert.equal(r.minimumLr, lrs[5] / 10);
  // centred differences per decade before the minimum: -0.034, -0.128, -0.213 (at 1e-3), -0.207
  assert.equal(r.steepestLr, lrs[3]);
  const flat = analyse([1e-3, 1e-2, 1e-1], [1, 1, 1]);
  assert.equal(flat.diverged, false);
  assert.equal(flat.steepestLr, null);
  assert.equal(analyse([1, 2], [NaN, 1]).diverged, true);
});

test('trickbox lr-find prints a suggestion, writes the plot and leaves no run behind', () => {
  const dir = tempDir();
  const plot = join(dir, 'lr.svg');
  const r = cli([
    'lr-find',
    join(recipesDir, 'fashion-quick.json'),
    ...TINY.flatMap((s) => ['--set', s]),
    '--steps',
    '30',
    '--start-lr',
    '1e-5',
    '--end-lr',
    '10',
    '--plot',
    plot,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^lr-find: \d+ steps from 0\.00001 (to|until the loss diverged at) [\d.e+-]+\nsuggested lr: [\d.e+-]+ \(steepest fall of the smoothed loss\); minimum\/10: [\d.e+-]+\n/,
  );
  assert.match(readFileSync(plot, 'utf8'), /^<svg/);
  assert.deepEqual(readdirSync(dir), ['lr.svg']);
});
