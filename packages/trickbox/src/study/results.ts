// study.json (a stable interface, documented in docs/studies.md): per config the trials, their metric, and the
// statistics against the baseline.
import { join } from 'node:path';
import type { EpochLine } from '../report/run.js';
import type { StudyPlan } from './expand.js';
import { provenanceKey, type Provenance } from './provenance.js';
import { readPruned } from './prune.js';
import { readOutcome, trialState } from './run_dir.js';
import { significance, type StudySignificance } from './significance.js';
import { summarize, welch } from './stats.js';
import type { Metric, PaperClaim } from './study_file.js';
import type { Verdict } from './verdict.js';

export type TrialStatus = 'finished' | 'failed' | 'pruned' | 'pending';

export interface TrialRow {
  seed: number;
  status: TrialStatus;
  metric: number | null;
  epochs: number;
  wallSeconds: number | null;
  /** Relative to the study directory. */
  runDir: string;
  /** Why a trial failed, or that it was trained again because its recipe changed. */
  note?: string;
  /** A student's teacher trial, relative to the study directory. */
  teacher?: string;
}

export interface ConfigResult {
  /** A student config's teacher config (its trials are a row of their own). */
  teacher?: string;
  /** The teacher's seed when one seed teaches every student (else each student's own seed). */
  teacherSeed?: number;
  n: number;
  mean: number | null;
  std: number | null;
  ci95: [number, number] | null;
  delta: number | null;
  deltaCi95: [number, number] | null;
  pValue: number | null;
  /** Holm-adjusted pValue over the study's family (StudyResults.holmFamily); null where pValue is. */
  pHolm: number | null;
  /** Smallest |delta| Welch's test detects with power mdePower at alpha, the observed stds taken as true. */
  mde: number | null;
  /** The same at Holm's strictest level, alpha / holmFamily. */
  mdeHolm: number | null;
  wallSeconds: number | null;
  paper: PaperClaim | null;
  verdict: Verdict | null;
  trials: TrialRow[];
}

export interface StudyResults extends StudySignificance {
  name: string;
  metric: Metric;
  baseline: string;
  provenance: Provenance | null;
  configs: Record<string, ConfigResult>;
}

/** Per config and epoch: mean and sample std of the metric over the finished trials (the HTML's bands). */
export interface CurvePoint {
  config: string;
  epoch: number;
  mean: number;
  std: number;
}

/**
 * The value a trial reports: its saved model's epoch — `selected.metrics` (the trainer's record of the epoch it saved,
 * e.g. early stopping's best) when the summary has it, else the `final` epoch.
 */
export function trialMetric(summary: Record<string, any> | undefined, metric: Metric): number | null {
  const v = (summary?.selected?.metrics ?? summary?.final)?.[metric];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

const finite = (v: number | null): v is number => v !== null && Number.isFinite(v);

export class MixedProvenanceError extends Error {}

export function collectResults(
  plan: StudyPlan,
  outDir: string,
  notes: Map<string, { status?: TrialStatus; note?: string }> = new Map(),
): { results: StudyResults; curves: CurvePoint[] } {
  const metric = plan.study.metric;
  const rows = new Map<string, TrialRow[]>();
  const epochsOf = new Map<string, EpochLine[][]>();
  let provenance: { p: Provenance; from: string } | undefined;
  for (const t of plan.trials) {
    const dir = join(outDir, t.runDir);
    const extra = notes.get(t.runDir) ?? {};
    let row: TrialRow = {
      seed: t.seed,
      status: 'pending',
      metric: null,
      epochs: 0,
      wallSeconds: null,
      runDir: t.runDir,
      ...(t.teacher && { teacher: t.teacher }),
    };
    if (trialState(dir) === 'finished') {
      const o = readOutcome(dir);
      if (o.provenance) {
        if (!provenance) provenance = { p: o.provenance, from: t.runDir };
        else if (provenanceKey(o.provenance) !== provenanceKey(provenance.p))
          throw new MixedProvenanceError(
            `${outDir}: ${t.runDir} ran on ${provenanceKey(o.provenance)} but ${provenance.from} on ${provenanceKey(provenance.p)}; a study does not mix them — finish it where it started or use a new --out`,
          );
      }
      row = {
        ...row,
        status: 'finished',
        metric: trialMetric(o.summary, metric),
        epochs: o.summary.epochs ?? o.epochs.length,
        wallSeconds: o.summary.wallSeconds ?? null,
      };
      if (!epochsOf.has(t.config)) epochsOf.set(t.config, []);
      epochsOf.get(t.config)!.push(o.epochs);
    }
    const pruned = readPruned(dir);
    if (pruned && row.status !== 'finished')
      row = {
        ...row,
        status: 'pruned',
        epochs: pruned.epoch,
        note: `pruned after epoch ${pruned.epoch}: ${plan.study.selectBy} ${pruned.value} worse than the median ${pruned.median} of ${pruned.others} other trials`,
      };
    if (extra.status) row.status = extra.status;
    if (extra.note) row.note = extra.note;
    if (!rows.has(t.config)) rows.set(t.config, []);
    rows.get(t.config)!.push(row);
  }
  const values = (config: string): number[] =>
    (rows.get(config) ?? [])
      .filter((r) => r.status === 'finished')
      .map((r) => r.metric)
      .filter(finite);
  const base = values(plan.baseline);
  const configs: Record<string, Omit<ConfigResult, 'pHolm' | 'mde' | 'mdeHolm' | 'paper' | 'verdict'>> = {};
  for (const [config, trials] of rows) {
    const v = values(config);
    const s = summarize(v);
    const cmp = config === plan.baseline || v.length === 0 || base.length === 0 ? null : welch(base, v);
    const walls = trials
      .filter((r) => r.status === 'finished')
      .map((r) => r.wallSeconds)
      .filter(finite);
    configs[config] = {
      ...plan.teachers.get(config),
      n: s.n,
      mean: s.n ? s.mean : null,
      std: s.std,
      ci95: s.ci95,
      delta: config === plan.baseline ? (s.n ? 0 : null) : (cmp?.delta ?? null),
      deltaCi95: cmp?.deltaCi95 ?? null,
      pValue: cmp?.pValue ?? null,
      wallSeconds: walls.length ? walls.reduce((a, b) => a + b, 0) / walls.length : null,
      trials,
    };
  }
  const papers = Object.fromEntries(
    Object.entries(plan.study.configs ?? {}).map(([name, c]) => [name, Array.isArray(c) ? undefined : c.paper]),
  );
  // a teacher config tests a model, not a trick: reported, but outside Holm's family
  const teachers = new Set([...plan.teachers.values()].map((t) => t.teacher));
  const sig = significance(configs, plan.baseline, metric, papers, teachers);
  const withSignificance: Record<string, ConfigResult> = {};
  for (const [name, { trials, wallSeconds, ...c }] of Object.entries(configs)) {
    const { paper, verdict, ...tests } = sig.configs[name];
    withSignificance[name] = { ...c, ...tests, wallSeconds, paper, verdict, trials };
  }
  const curves: CurvePoint[] = [];
  for (const [config, runs] of epochsOf) {
    const longest = Math.max(...runs.map((r) => r.length));
    for (let e = 0; e < longest; e++) {
      const at = runs
        .map((r) => r[e]?.[metric as keyof EpochLine] as number | undefined)
        .filter((x): x is number => typeof x === 'number');
      if (!at.length) continue;
      const s = summarize(at);
      curves.push({ config, epoch: e + 1, mean: s.mean, std: s.std ?? 0 });
    }
  }
  return {
    results: {
      name: plan.study.name,
      metric,
      baseline: plan.baseline,
      provenance: provenance?.p ?? null,
      ...sig.study,
      configs: withSignificance,
    },
    curves,
  };
}
