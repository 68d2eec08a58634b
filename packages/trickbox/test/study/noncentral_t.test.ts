import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import { fixturePath } from '../helpers/paths.js';
import { noncentralTCdf, noncentralTSf } from '../../src/study/noncentral_t.js';

// made by scripts/fixtures/study_power.py: scipy's nct (Boost) on a grid, and mpmath (40 digits) in the far tail
const fx = JSON.parse(readFileSync(fixturePath('study', 'power.json'), 'utf8'));

test("the noncentral t CDF and survival function equal scipy's nct over df 1–200, nc −2…25", () => {
  // absolute: scipy computes a tail below ~1e-12 only to ~1e-15 absolute (the far tails are checked below)
  for (const p of fx.nct)
    for (const [name, f] of [
      ['cdf', noncentralTCdf],
      ['sf', noncentralTSf],
    ] as const) {
      const ours = f(p.t, p.df, p.nc);
      assert.ok(Math.abs(ours - p[name]) <= 1e-13, `${name}(${p.t}, ${p.df}, ${p.nc}) = ${ours}, scipy ${p[name]}`);
    }
  assert.ok(fx.nct.length > 1000);
});

test('far tails keep their relative accuracy (mpmath at 40 digits)', () => {
  for (const p of fx.tail) {
    const ours = noncentralTCdf(p.t, p.df, p.nc);
    assert.ok(Math.abs(ours - p.cdf) <= 1e-12 * p.cdf, `cdf(${p.t}, ${p.df}, ${p.nc}) = ${ours}, mpmath ${p.cdf}`);
    // the same tail through the symmetry P(T'(ν, λ) ≤ t) = P(T'(ν, −λ) > −t)
    const mirrored = noncentralTSf(-p.t, p.df, -p.nc);
    assert.ok(Math.abs(mirrored - p.cdf) <= 1e-12 * p.cdf, `mirrored sf ${mirrored}, mpmath ${p.cdf}`);
  }
});

test('noncentrality 0 is the central t; cdf + sf = 1', () => {
  for (const df of [1, 2.5, 7, 41.3])
    for (const t of [-3, -0.4, 0, 1.1, 6]) {
      const central = tCdf(t, df);
      assert.ok(Math.abs(noncentralTCdf(t, df, 0) - central) < 1e-12, `df ${df} t ${t}`);
      assert.ok(Math.abs(noncentralTCdf(t, df, 3.7) + noncentralTSf(t, df, 3.7) - 1) < 1e-12);
    }
});

test('bad arguments name the field', () => {
  assert.throws(() => noncentralTCdf(1, 0.5, 1), /noncentralTCdf: df must be a finite number >= 1, got 0.5/);
  assert.throws(() => noncentralTSf(NaN, 3, 1), /noncentralTSf: t must be a finite number, got NaN/);
  assert.throws(() => noncentralTSf(1, 3, Infinity), /noncentralTSf: nc must be a finite number, got Infinity/);
});
