import { test } from 'node:test';
import assert from 'node:assert/strict';
import { holmAdjust } from '../../src/study/holm.js';

const near = (actual: number[], expected: number[]): void => {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]) < 1e-15, `[${i}]: ${a} vs ${expected[i]}`));
};

test('Holm by hand: p = 0.01, 0.04, 0.03, 0.005 (m = 4)', () => {
  // sorted: 0.005 · 4 = 0.02, 0.01 · 3 = 0.03, 0.03 · 2 = 0.06, 0.04 · 1 = 0.04 → max(0.06, 0.04) = 0.06
  near(holmAdjust([0.01, 0.04, 0.03, 0.005]), [0.03, 0.06, 0.06, 0.02]);
});

test('adjusted p-values are capped at 1 and never fall along the sorted order', () => {
  near(holmAdjust([0.6, 0.7]), [1, 1]);
  near(holmAdjust([0.3, 0.5]), [0.6, 0.6]);
  const p = [0.2, 0.001, 0.049, 0.012, 0.5, 0.03, 0.0004];
  const adjusted = holmAdjust(p);
  const byRaw = p.map((v, i) => [v, adjusted[i]]).sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < byRaw.length; i++) assert.ok(byRaw[i][1] >= byRaw[i - 1][1], `not monotone at ${i}`);
  adjusted.forEach((a, i) => assert.ok(a >= p[i] && a <= 1, `[${i}] ${a} outside [p, 1]`));
});

test('one comparison is its own raw p-value; an empty family is empty', () => {
  near(holmAdjust([0.0371]), [0.0371]);
  assert.deepEqual(holmAdjust([]), []);
});

test('ties get one adjusted value, whichever comes first', () => {
  // sorted: 0.01 · 3 = 0.03, 0.02 · 2 = 0.04, 0.02 · 1 → 0.04
  near(holmAdjust([0.02, 0.01, 0.02]), [0.04, 0.03, 0.04]);
  near(holmAdjust([0.02, 0.02, 0.01]), [0.04, 0.04, 0.03]);
});

test('the order of the configs does not change any config’s adjusted value', () => {
  const p = [0.2, 0.001, 0.049, 0.012, 0.5, 0.03, 0.0004];
  const base = holmAdjust(p);
  const perm = [3, 6, 0, 5, 1, 4, 2];
  const shuffled = holmAdjust(perm.map((i) => p[i]));
  perm.forEach((from, k) => assert.equal(shuffled[k], base[from]));
});

test('a value that is not a probability is refused, naming its index', () => {
  assert.throws(() => holmAdjust([0.1, NaN]), /holmAdjust: pValues\[1\] must be a probability in \[0, 1\], got NaN/);
  assert.throws(() => holmAdjust([1.2]), /pValues\[0\]/);
});
