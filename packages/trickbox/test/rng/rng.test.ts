import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.js';
import { detExp, detLog } from '../../src/rng/detmath.js';

test('xoshiro128** matches the reference outputs for state [1, 2, 3, 4]', () => {
  const r = new Rng(0);
  r.setState({ algorithm: 'xoshiro128**', s: [1, 2, 3, 4], spareNormal: null });
  const got = Array.from({ length: 10 }, () => r.uint32());
  // Reference: xoshiro128starstar.c (Blackman & Vigna), as in rand_xoshiro's test vectors.
  assert.deepEqual(
    got,
    [11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804],
  );
});

test('same seed gives the same stream; different seeds differ', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const c = new Rng(43);
  const xa = Array.from({ length: 100 }, () => a.next());
  const xb = Array.from({ length: 100 }, () => b.next());
  const xc = Array.from({ length: 100 }, () => c.next());
  assert.deepEqual(xa, xb);
  assert.notDeepEqual(xa, xc);
  assert.notDeepEqual(
    Array.from({ length: 4 }, () => new Rng(2 ** 40).uint32()),
    [new Rng(0).uint32()],
  );
});

test('stream is pinned (golden values: any change breaks reproducibility of saved runs)', () => {
  const r = new Rng(12345);
  const u = Array.from({ length: 4 }, () => r.uint32());
  const r2 = new Rng(12345);
  assert.deepEqual(
    u,
    Array.from({ length: 4 }, () => r2.uint32()),
  );
  // golden values recorded from this implementation
  assert.deepEqual(u, GOLDEN_UINT32);
  const n = new Rng(7);
  assert.deepEqual(
    Array.from({ length: 3 }, () => n.normal()),
    GOLDEN_NORMAL,
  );
});

const GOLDEN_UINT32 = [518667457, 440444462, 4232892992, 3757857622];
const GOLDEN_NORMAL = [-1.585033621793738, 0.07284302862428847, -0.19791852691893735];

test('next in [0,1), uniform mean and variance', () => {
  const r = new Rng(1);
  let s = 0,
    s2 = 0;
  const N = 200000;
  for (let i = 0; i < N; i++) {
    const x = r.next();
    assert.ok(x >= 0 && x < 1);
    s += x;
    s2 += x * x;
  }
  const mean = s / N;
  assert.ok(Math.abs(mean - 0.5) < 0.005, `mean ${mean}`);
  assert.ok(Math.abs(s2 / N - mean * mean - 1 / 12) < 0.002);
  const u = r.uniform(-3, 5);
  assert.ok(u >= -3 && u < 5);
});

test('int(n) is in range and uniform (chi-square)', () => {
  const r = new Rng(2);
  const n = 7;
  const N = 70000;
  const counts = new Array(n).fill(0);
  for (let i = 0; i < N; i++) counts[r.int(n)]++;
  const e = N / n;
  const chi = counts.reduce((a, c) => a + ((c - e) * (c - e)) / e, 0);
  assert.ok(chi < 22.46, `chi2 ${chi}`); // df 6, p = 0.001
  assert.equal(r.int(1), 0);
  const big = r.int(2 ** 32);
  assert.ok(big >= 0 && big < 2 ** 32);
  assert.throws(() => r.int(0), /Rng\.int: n must be an integer in \[1, 2\^32\]/);
  assert.throws(() => r.int(2.5), /Rng\.int/);
});

test('normal, gamma and beta moments', () => {
  const r = new Rng(3);
  const N = 100000;
  const moments = (f: () => number) => {
    let s = 0,
      s2 = 0;
    for (let i = 0; i < N; i++) {
      const x = f();
      s += x;
      s2 += x * x;
    }
    return [s / N, s2 / N - (s / N) ** 2] as const;
  };
  const [nm, nv] = moments(() => r.normal(2, 3));
  assert.ok(Math.abs(nm - 2) < 0.05 && Math.abs(nv - 9) < 0.2, `normal ${nm} ${nv}`);
  for (const k of [0.2, 1, 2.5, 9]) {
    const [gm, gv] = moments(() => r.gamma(k));
    assert.ok(Math.abs(gm - k) < 0.04 * Math.max(1, k), `gamma(${k}) mean ${gm}`);
    assert.ok(Math.abs(gv - k) < 0.08 * Math.max(1, k), `gamma(${k}) var ${gv}`);
  }
  for (const [a, b] of [
    [0.2, 0.2],
    [1, 1],
    [2, 5],
  ] as const) {
    const [bm, bv] = moments(() => r.beta(a, b));
    const em = a / (a + b);
    const ev = (a * b) / ((a + b) ** 2 * (a + b + 1));
    assert.ok(Math.abs(bm - em) < 0.01, `beta(${a},${b}) mean ${bm}`);
    assert.ok(Math.abs(bv - ev) < 0.01, `beta(${a},${b}) var ${bv}`);
  }
  for (let i = 0; i < 1000; i++) {
    const x = r.beta(0.05, 0.05);
    assert.ok(x >= 0 && x <= 1);
  }
  assert.throws(() => r.gamma(0), /Rng\.gamma: shape must be a finite number > 0, got 0/);
  assert.throws(() => r.beta(1, -1), /Rng\.beta: b/);
});

test('bernoulli rate and range check', () => {
  const r = new Rng(4);
  let k = 0;
  for (let i = 0; i < 100000; i++) if (r.bernoulli(0.3)) k++;
  assert.ok(Math.abs(k / 100000 - 0.3) < 0.01);
  assert.equal(r.bernoulli(0), false);
  assert.equal(r.bernoulli(1), true);
  assert.throws(() => r.bernoulli(1.5), /Rng\.bernoulli: p must be a probability in \[0, 1\], got 1\.5/);
});

test('permutation is a permutation and uniform over positions', () => {
  const r = new Rng(5);
  const p = r.permutation(50);
  assert.deepEqual(
    Array.from(p).sort((a, b) => a - b),
    Array.from({ length: 50 }, (_, i) => i),
  );
  assert.equal(r.permutation(0).length, 0);
  const first = new Array(4).fill(0);
  for (let i = 0; i < 40000; i++) first[r.permutation(4)[0]!]++;
  for (const c of first) assert.ok(Math.abs(c / 40000 - 0.25) < 0.015);
});

test('split gives independent, reproducible child streams', () => {
  const a = new Rng(9);
  const c1 = a.split();
  const c2 = a.split();
  const b = new Rng(9);
  const d1 = b.split();
  assert.deepEqual(
    Array.from({ length: 10 }, () => c1.uint32()),
    Array.from({ length: 10 }, () => d1.uint32()),
  );
  const x = Array.from({ length: 1000 }, () => c2.next());
  const y = Array.from({ length: 1000 }, () => a.next());
  // correlation near 0
  const mx = x.reduce((s, v) => s + v, 0) / 1000;
  const my = y.reduce((s, v) => s + v, 0) / 1000;
  let cov = 0,
    vx = 0,
    vy = 0;
  for (let i = 0; i < 1000; i++) {
    cov += (x[i]! - mx) * (y[i]! - my);
    vx += (x[i]! - mx) ** 2;
    vy += (y[i]! - my) ** 2;
  }
  assert.ok(Math.abs(cov / Math.sqrt(vx * vy)) < 0.12);
});

test('getState/setState round-trips through JSON exactly, including the spare normal', () => {
  const r = new Rng(11);
  r.normal(); // leaves a spare
  const saved = JSON.parse(JSON.stringify(r.getState()));
  const expected = [r.normal(), r.next(), r.gamma(0.5), r.beta(2, 3), r.int(1000)];
  const q = new Rng(0);
  q.setState(saved);
  assert.deepEqual([q.normal(), q.next(), q.gamma(0.5), q.beta(2, 3), q.int(1000)], expected);
  assert.deepEqual(r.clone().getState(), r.getState());
  assert.throws(() => q.setState({ algorithm: 'pcg', s: [1, 2, 3, 4], spareNormal: null } as any), /state\.algorithm/);
  assert.throws(() => q.setState({ algorithm: 'xoshiro128**', s: [0, 0, 0, 0], spareNormal: null }), /not all zero/);
  assert.throws(() => new Rng(NaN), /Rng\.constructor: seed/);
});

test('deterministic log/exp agree with Math.log/Math.exp to a few ulps', () => {
  const r = new Rng(13);
  for (let i = 0; i < 20000; i++) {
    const x = detExp(r.uniform(-700, 700));
    const l = detLog(x);
    const ref = Math.log(x);
    assert.ok(Math.abs(l - ref) <= 4e-16 * Math.max(1, Math.abs(ref)), `log ${x}: ${l} vs ${ref}`);
    const y = r.uniform(-50, 50);
    const e = detExp(y);
    assert.ok(Math.abs(e - Math.exp(y)) <= 4e-16 * Math.exp(y) * Math.max(1, Math.abs(y)), `exp ${y}`);
  }
  assert.equal(detLog(1), 0);
  assert.equal(detExp(0), 1);
  assert.equal(detLog(0), -Infinity);
  assert.ok(Math.abs(detLog(5e-324) - Math.log(5e-324)) < 1e-12);
});
