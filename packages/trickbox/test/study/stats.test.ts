import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixturePath } from '../helpers/paths.js';
import { studentTQuantile, summarize, welch } from '../../src/study/stats.js';

// made by scripts/fixtures/study_stats.py (scipy)
const fx = JSON.parse(readFileSync(fixturePath('study', 'stats.json'), 'utf8'));
// @stdlib's t quantile agrees with scipy to about 2e-9 (relative); 1e-8 still catches any wrong formula
const close = (actual: number, expected: number, what: string, rel = 1e-8): void =>
  assert.ok(
    Math.abs(actual - expected) <= rel * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} vs scipy ${expected}`,
  );

test("Student t quantiles equal scipy's t.ppf", () => {
  for (const q of fx.tQuantiles) close(studentTQuantile(q.p, q.df), q.value, `t.ppf(${q.p}, ${q.df})`);
});

test('mean, sample std and the 95% interval equal numpy/scipy', () => {
  for (const c of fx.cases)
    for (const [x, ref] of [
      [c.a, c.describeA],
      [c.b, c.describeB],
    ]) {
      const s = summarize(x);
      assert.equal(s.n, ref.n);
      close(s.mean, ref.mean, 'mean');
      close(s.std!, ref.std, 'std');
      close(s.ci95![0], ref.ci95[0], 'ci95 low');
      close(s.ci95![1], ref.ci95[1], 'ci95 high');
    }
});

test("Welch's t-test and the delta's interval equal scipy's ttest_ind(equal_var=False)", () => {
  for (const c of fx.cases) {
    const w = welch(c.a, c.b);
    close(w.t!, c.welch.t, 't');
    close(w.df!, c.welch.df, 'df');
    close(w.pValue!, c.welch.pValue, 'p-value', 1e-7);
    close(w.delta, c.welch.delta, 'delta');
    close(w.deltaCi95![0], c.welch.deltaCi95[0], 'delta ci low');
    close(w.deltaCi95![1], c.welch.deltaCi95[1], 'delta ci high');
  }
});

test('one value has no spread: std, intervals and p-value are null, not NaN', () => {
  assert.deepEqual(summarize([0.9]), { n: 1, mean: 0.9, std: null, ci95: null });
  const w = welch([0.9], [0.91, 0.92]);
  assert.equal(w.pValue, null);
  assert.equal(w.deltaCi95, null);
  assert.ok(Math.abs(w.delta - 0.015) < 1e-12);
  assert.equal(welch([0.9, 0.9], [0.9, 0.9]).pValue, null);
});
