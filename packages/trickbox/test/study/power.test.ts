import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixturePath } from '../helpers/paths.js';
import { minimumDetectableEffect, twoSidedPower } from '../../src/study/power.js';
import { studentTQuantile, welchSe } from '../../src/study/stats.js';

// made by scripts/fixtures/study_power.py: scipy.optimize.brentq on power(d) − 0.8 with scipy's nct
const fx = JSON.parse(readFileSync(fixturePath('study', 'power.json'), 'utf8'));

test('the minimum detectable effect equals scipy’s brentq solution of the same power equation', () => {
  for (const c of fx.mde) {
    const a = { n: c.na, std: c.sa };
    const b = { n: c.nb, std: c.sb };
    const w = welchSe(a, b)!;
    assert.ok(Math.abs(w.se - c.se) <= 1e-14 * c.se && Math.abs(w.df - c.df) <= 1e-12 * c.df, 'se, df');
    const mde = minimumDetectableEffect(a, b, c.alpha)!;
    assert.ok(Math.abs(mde - c.mde) <= 1e-8 * c.mde, `${JSON.stringify(c)}: ours ${mde}`);
    // and it is where the power is 0.8
    const tc = studentTQuantile(1 - c.alpha / 2, w.df);
    assert.ok(Math.abs(twoSidedPower(tc, w.df, mde / w.se) - 0.8) < 1e-9);
  }
});

test('a stricter level, more spread or fewer seeds need a larger effect; the power rises with the effect', () => {
  const a = { n: 3, std: 0.0012 };
  const b = { n: 3, std: 0.0016 };
  const at05 = minimumDetectableEffect(a, b, 0.05)!;
  assert.ok(minimumDetectableEffect(a, b, 0.0025)! > at05);
  assert.ok(minimumDetectableEffect(a, { n: 3, std: 0.003 }, 0.05)! > at05);
  assert.ok(minimumDetectableEffect({ n: 6, std: 0.0012 }, { n: 6, std: 0.0016 }, 0.05)! < at05);
  const w = welchSe(a, b)!;
  const tc = studentTQuantile(0.975, w.df);
  assert.ok(Math.abs(twoSidedPower(tc, w.df, 0) - 0.05) < 1e-10, 'power at no effect is α');
  let last = 0;
  for (const nc of [0, 0.5, 1, 2, 4, 8, 16]) {
    const p = twoSidedPower(tc, w.df, nc);
    assert.ok(p > last, `power ${p} at nc ${nc}`);
    last = p;
  }
});

test('no minimum detectable effect without two values and some spread on each side', () => {
  assert.equal(minimumDetectableEffect({ n: 1, std: 0.001 }, { n: 3, std: 0.001 }, 0.05), null);
  assert.equal(minimumDetectableEffect({ n: 3, std: 0 }, { n: 3, std: 0 }, 0.05), null);
  assert.throws(() => minimumDetectableEffect({ n: 3, std: 1 }, { n: 3, std: 1 }, 0), /alpha must be/);
});
