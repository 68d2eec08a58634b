// The study-wide statistics on top of each config's Welch test: Holm's correction over the family of compared
// configs, each config's minimum detectable effect (uncorrected and at Holm's strictest level α/m), and the
// verdict on the paper's direction. docs/studies.md, "Results".
import { holmAdjust } from './holm.js';
import { minimumDetectableEffect, type Sample } from './power.js';
import type { PaperClaim, Metric } from './study_file.js';
import { verdict, type Verdict } from './verdict.js';

/** The family-wise error rate of the Holm correction and the level of the uncorrected tests. */
export const ALPHA = 0.05;
/** The power at which the minimum detectable effects are given. */
export const MDE_POWER = 0.8;

export interface ConfigStats {
  n: number;
  std: number | null;
  delta: number | null;
  pValue: number | null;
}

export interface ConfigSignificance {
  pHolm: number | null;
  mde: number | null;
  mdeHolm: number | null;
  paper: PaperClaim | null;
  verdict: Verdict | null;
}

export interface StudySignificance {
  alpha: number;
  /** m: the compared (non-baseline, non-teacher) configs with a p-value; Holm's family. */
  holmFamily: number;
  mdePower: number;
  /** Medians over the configs that have one; null when none has. */
  medianMde: number | null;
  medianMdeHolm: number | null;
}

const sample = (c: ConfigStats | undefined): Sample | null =>
  c === undefined || c.std === null ? null : { n: c.n, std: c.std };

const median = (x: number[]): number | null => {
  if (!x.length) return null;
  const s = [...x].sort((a, b) => a - b);
  const h = Math.floor(s.length / 2);
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

export function significance(
  configs: Record<string, ConfigStats>,
  baseline: string,
  metric: Metric,
  papers: Record<string, PaperClaim | undefined>,
  outsideFamily: ReadonlySet<string> = new Set(),
): { study: StudySignificance; configs: Record<string, ConfigSignificance> } {
  const family = Object.entries(configs).filter(
    ([name, c]) => name !== baseline && !outsideFamily.has(name) && c.pValue !== null,
  );
  const adjusted = new Map(
    holmAdjust(family.map(([, c]) => c.pValue!)).map((p, i) => [family[i][0], p] as [string, number]),
  );
  const m = family.length;
  const base = sample(configs[baseline]);
  const out: Record<string, ConfigSignificance> = {};
  for (const [name, c] of Object.entries(configs)) {
    const own = name === baseline ? null : sample(c);
    const pHolm = adjusted.get(name) ?? null;
    const paper = papers[name] ?? null;
    out[name] = {
      pHolm,
      mde: base && own ? minimumDetectableEffect(base, own, ALPHA, MDE_POWER) : null,
      mdeHolm: base && own && m > 0 ? minimumDetectableEffect(base, own, ALPHA / m, MDE_POWER) : null,
      paper,
      verdict: paper ? verdict(paper, c.delta, pHolm, metric, ALPHA) : null,
    };
  }
  const mdes = Object.values(out).map((c) => c.mde);
  const mdesHolm = Object.values(out).map((c) => c.mdeHolm);
  const present = (x: (number | null)[]): number[] => x.filter((v): v is number => v !== null);
  return {
    study: {
      alpha: ALPHA,
      holmFamily: m,
      mdePower: MDE_POWER,
      medianMde: median(present(mdes)),
      medianMdeHolm: median(present(mdesHolm)),
    },
    configs: out,
  };
}
