// The minimum detectable effect of a two-sided Welch t-test: the smallest |delta| detected with the given power
// at level alpha, the observed sample stds taken as the true ones (Cohen 1988, "Statistical Power Analysis for the
// Behavioral Sciences", ch. 2: power from the noncentral t). Under a true difference d the statistic is
// approximately noncentral t with the Welch–Satterthwaite df and noncentrality d / SE, so
//   power(d) = P(T' > t_c) + P(T' < −t_c),  T' ~ nct(df, d / SE),  t_c = t(1 − α/2, df),
// which rises with d from α at d = 0; solved for power(d) = target by bisection. Checked against scipy's brentq on
// the same function (test/study/power.test.ts).
import { checkNumber } from '../check/index.js';
import { noncentralTCdf, noncentralTSf } from './noncentral_t.js';
import { studentTQuantile, welchSe } from './stats.js';

export interface Sample {
  n: number;
  std: number;
}

/** Power of the two-sided test at level alpha (critical value tCrit) when the noncentrality is nc. */
export const twoSidedPower = (tCrit: number, df: number, nc: number): number =>
  noncentralTSf(tCrit, df, nc) + noncentralTCdf(-tCrit, df, nc);

/**
 * Smallest |mean(b) − mean(a)| that Welch's test at `alpha` detects with probability `power`; null when either
 * side has fewer than two values or there is no spread at all (the test itself is undefined then).
 */
export function minimumDetectableEffect(a: Sample, b: Sample, alpha: number, power = 0.8): number | null {
  checkNumber('minimumDetectableEffect', 'alpha', alpha, { min: 0, max: 1, minOpen: true, maxOpen: true });
  checkNumber('minimumDetectableEffect', 'power', power, { min: alpha, max: 1, minOpen: true, maxOpen: true });
  const w = welchSe(a, b);
  if (!w) return null;
  const tCrit = studentTQuantile(1 - alpha / 2, w.df);
  let lo = 0;
  let hi = tCrit + 1;
  while (twoSidedPower(tCrit, w.df, hi) < power) [lo, hi] = [hi, 2 * hi];
  while (hi - lo > 1e-10 * hi) {
    const mid = (lo + hi) / 2;
    if (twoSidedPower(tCrit, w.df, mid) < power) lo = mid;
    else hi = mid;
  }
  return ((lo + hi) / 2) * w.se;
}
