// Whether a study agrees with the direction a paper reports for a config (docs/studies.md, "The papers'
// directions"): only a difference that stays significant after Holm's correction counts either way.
import type { Metric, PaperClaim } from './study_file.js';

export type Verdict = 'agree' | 'disagree' | 'inconclusive';

/** The metric's better direction: down for a loss, up for an accuracy. */
export const lowerIsBetter = (metric: Metric): boolean => metric.endsWith('Loss');

/**
 * agree: pHolm < alpha and delta moved the way the paper says (gain = the metric's better direction);
 * disagree: pHolm < alpha and the other way; inconclusive otherwise (including no p-value).
 */
export function verdict(
  claim: PaperClaim,
  delta: number | null,
  pHolm: number | null,
  metric: Metric,
  alpha: number,
): Verdict {
  if (delta === null || pHolm === null || !(pHolm < alpha) || delta === 0) return 'inconclusive';
  const gained = lowerIsBetter(metric) ? delta < 0 : delta > 0;
  return gained === (claim.direction === 'gain') ? 'agree' : 'disagree';
}
