// Per-config statistics of a study: mean, sample standard deviation, Student-t 95% interval of the mean, and
// Welch's unequal-variance t-test of a config against the baseline (Welch 1947), with the interval of the delta
// on the Welch–Satterthwaite degrees of freedom. Checked against scipy (test/fixtures/study/stats.json).
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';

export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1 in the denominator); null below two values. */
  std: number | null;
  /** 95% Student-t interval of the mean; null below two values. */
  ci95: [number, number] | null;
}

export interface Comparison {
  /** mean(b) − mean(a). */
  delta: number;
  deltaCi95: [number, number] | null;
  /** Two-sided p-value of Welch's t-test; null when either side has fewer than two values or no spread. */
  pValue: number | null;
  t: number | null;
  df: number | null;
}

export const mean = (x: readonly number[]): number => x.reduce((s, v) => s + v, 0) / x.length;

/** Unbiased sample variance (divides by n − 1). */
function sampleVariance(x: readonly number[]): number {
  const m = mean(x);
  return x.reduce((s, v) => s + (v - m) * (v - m), 0) / (x.length - 1);
}

/** The p-quantile of Student's t with df degrees of freedom (scipy's `t.ppf`). */
export function studentTQuantile(p: number, df: number): number {
  return tQuantile(p, df);
}

export function summarize(x: readonly number[]): Summary {
  const n = x.length;
  if (n === 0) return { n, mean: NaN, std: null, ci95: null };
  const m = mean(x);
  if (n < 2) return { n, mean: m, std: null, ci95: null };
  const std = Math.sqrt(sampleVariance(x));
  const half = (studentTQuantile(0.975, n - 1) * std) / Math.sqrt(n);
  return { n, mean: m, std, ci95: [m - half, m + half] };
}

/**
 * The standard error of mean(b) − mean(a) and its Welch–Satterthwaite degrees of freedom,
 *   df = (va + vb)² / (va²/(na − 1) + vb²/(nb − 1)),  va = sa²/na, vb = sb²/nb;
 * null below two values on a side or with no spread at all.
 */
export function welchSe(
  a: { n: number; std: number | null },
  b: { n: number; std: number | null },
): { se: number; df: number } | null {
  if (a.n < 2 || b.n < 2 || a.std === null || b.std === null) return null;
  const va = (a.std * a.std) / a.n;
  const vb = (b.std * b.std) / b.n;
  const se2 = va + vb;
  if (!(se2 > 0)) return null;
  return { se: Math.sqrt(se2), df: (se2 * se2) / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1)) };
}

/** Welch's t-test of b against a (scipy `ttest_ind(b, a, equal_var=False)`), and the 95% interval of b − a. */
export function welch(a: readonly number[], b: readonly number[]): Comparison {
  const delta = mean(b) - mean(a);
  const w = welchSe(
    { n: a.length, std: a.length < 2 ? null : Math.sqrt(sampleVariance(a)) },
    { n: b.length, std: b.length < 2 ? null : Math.sqrt(sampleVariance(b)) },
  );
  if (!w) return { delta, deltaCi95: null, pValue: null, t: null, df: null };
  const { se, df } = w;
  const t = delta / se;
  const pValue = Math.min(1, 2 * tCdf(-Math.abs(t), df));
  const half = studentTQuantile(0.975, df) * se;
  return { delta, deltaCi95: [delta - half, delta + half], pValue, t, df };
}
