// The noncentral t distribution's CDF and survival function, for the power of Welch's test (power.ts).
//
// T' = (Z + λ) / S with Z ~ N(0, 1) and S = √(V/ν), V ~ χ²_ν independent of Z, so conditioning on S:
//   P(T' ≤ t) = E[Φ(t·S − λ)],   P(T' > t) = E[Φ(λ − t·S)]
// (Johnson, Kotz & Balakrishnan, "Continuous Univariate Distributions" vol. 2, ch. 31). Both expectations are
// integrals of a positive integrand over the scaled chi density of S, so each tail is computed directly (not as
// 1 − the other) and keeps its relative accuracy. With s = eˣ the density of x = ln S is
//   w(x) = 2 (ν/2)^(ν/2) / Γ(ν/2) · exp(ν x − ν e^(2x) / 2),
// a bell with its peak at x = 0 and width about 1/√(2ν), integrated by adaptive Gauss–Legendre quadrature.
// Accuracy (test/study/noncentral_t.test.ts): absolute error below 1e-13 against scipy's nct (Boost) over df 1–200,
// λ −2…25, t −4…40 (measured worst 3.9e-14); in far tails (1e-9 to 1e-43), where scipy keeps only ~1e-15 absolute,
// relative error below 1e-12 against mpmath at 40 digits (measured worst 3.1e-14). df must be at least 1.
import erfc from '@stdlib/math-base-special-erfc';
import gammaln from '@stdlib/math-base-special-gammaln';
import { checkNumber } from '../check/index.js';

/** Φ(z), the standard normal CDF, with relative accuracy in the lower tail. */
const normalCdf = (z: number): number => 0.5 * erfc(-z / Math.SQRT2);

/** Nodes and weights of n-point Gauss–Legendre on [−1, 1] (Newton's method on the Legendre polynomial). */
function gaussLegendre(n: number): { x: number[]; w: number[] } {
  const x: number[] = [];
  const w: number[] = [];
  for (let i = 1; i <= n; i++) {
    let z = Math.cos((Math.PI * (i - 0.25)) / (n + 0.5));
    let dp = 0;
    for (let iter = 0; iter < 100; iter++) {
      // P_n(z) and P_n'(z) by the three-term recurrence
      let p0 = 1;
      let p1 = z;
      for (let k = 2; k <= n; k++) [p0, p1] = [p1, ((2 * k - 1) * z * p1 - (k - 1) * p0) / k];
      dp = (n * (z * p1 - p0)) / (z * z - 1);
      const step = p1 / dp;
      z -= step;
      if (Math.abs(step) < 1e-16) break;
    }
    x.push(z);
    w.push(2 / ((1 - z * z) * dp * dp));
  }
  return { x, w };
}

const GL = gaussLegendre(10);

function gaussOn(f: (x: number) => number, a: number, b: number): number {
  const half = (b - a) / 2;
  const mid = (a + b) / 2;
  let s = 0;
  for (let i = 0; i < GL.x.length; i++) s += GL.w[i] * f(mid + half * GL.x[i]);
  return s * half;
}

/**
 * ∫ f over [a, b]: each panel is accepted when one 10-point rule and the two on its halves agree within
 * `tol` (scaled to the panel's share of the length) or to rounding, else split; the halves' sum is kept.
 */
function adaptive(f: (x: number) => number, a: number, b: number, whole: number, tol: number, depth = 0): number {
  const m = (a + b) / 2;
  const one = gaussOn(f, a, b);
  const two = gaussOn(f, a, m) + gaussOn(f, m, b);
  // the second bound is rounding: two rules on a panel cannot agree better than a few ulps of its value
  const err = Math.abs(one - two);
  if (err <= (tol * (b - a)) / whole || err <= 1e-14 * Math.abs(two) || depth >= 30) return two;
  return adaptive(f, a, m, whole, tol, depth + 1) + adaptive(f, m, b, whole, tol, depth + 1);
}

/** E[g(S)] for S = √(χ²_ν / ν), by quadrature in x = ln S over the range where the density is above e^-46 of its peak. */
function expectationOverChi(df: number, g: (s: number) => number): number {
  const logNorm = Math.LN2 + (df / 2) * Math.log(df / 2) - gammaln(df / 2) - df / 2;
  // log w(x) = logNorm + ν (x − (e^(2x) − 1) / 2), peak logNorm at x = 0
  const logW = (x: number): number => logNorm + df * (x - Math.expm1(2 * x) / 2);
  const integrand = (x: number): number => g(Math.exp(x)) * Math.exp(logW(x));
  const left = -46 / df - 1; // ν x − ν (e^(2x) − 1)/2 < −46 there (the second term is at most ν/2)
  let right = 0.5;
  while (df * (right - Math.expm1(2 * right) / 2) > -46) right += 0.25;
  // panels no wider than the bell's width, so no feature is skipped before the adaptive test sees it
  const width = Math.min(0.5, 1 / Math.sqrt(2 * df));
  const cuts = [left];
  for (let x = -6 * width; x < right; x += width) if (x > left) cuts.push(x);
  cuts.push(right);
  // a first pass sets the scale of the absolute tolerance: 1e-13 of the result, at least 1e-300
  let coarse = 0;
  for (let i = 0; i + 1 < cuts.length; i++) coarse += Math.abs(gaussOn(integrand, cuts[i], cuts[i + 1]));
  const tol = Math.max(1e-13 * coarse, 1e-300);
  let sum = 0;
  for (let i = 0; i + 1 < cuts.length; i++) sum += adaptive(integrand, cuts[i], cuts[i + 1], right - left, tol);
  return sum;
}

function check(fn: string, t: number, df: number, nc: number): void {
  checkNumber(fn, 't', t);
  checkNumber(fn, 'df', df, { min: 1 });
  checkNumber(fn, 'nc', nc);
}

/** P(T' ≤ t) for T' noncentral t with `df` degrees of freedom (≥ 1, fractional allowed) and noncentrality `nc`. */
export function noncentralTCdf(t: number, df: number, nc: number): number {
  check('noncentralTCdf', t, df, nc);
  return Math.min(
    1,
    expectationOverChi(df, (s) => normalCdf(t * s - nc)),
  );
}

/** P(T' > t), computed directly (accurate where it is small). */
export function noncentralTSf(t: number, df: number, nc: number): number {
  check('noncentralTSf', t, df, nc);
  return Math.min(
    1,
    expectationOverChi(df, (s) => normalCdf(nc - t * s)),
  );
}
