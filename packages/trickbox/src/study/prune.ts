// Median pruning (as Optuna's MedianPruner): from epoch `afterEpochs` on, a running trial whose `selectBy` value is
// worse than the median of the other trials' values at the same epoch is stopped; pruned trials are reported as
// such and left out of the statistics. Which trials are pruned depends on the order trials finish.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';
import type { Metric } from './study_file.js';

/** Marks a pruned trial's run directory (so a resumed study neither resumes nor counts it). */
export const PRUNED_FILE = 'pruned.json';

export interface PruneRecord {
  epoch: number;
  value: number;
  median: number;
  others: number;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Prune when `value` is worse than the median of `others` (at least two of them; losses: higher is worse). */
export function shouldPrune(value: number, others: readonly number[], metric: Metric): number | null {
  if (others.length < 2) return null;
  const m = median(others);
  const worse = metric.endsWith('Loss') ? value > m : value < m;
  return worse ? m : null;
}

/** The `metric` of each epoch line (index 0 = epoch 1). */
export const valuesOf = (epochs: readonly Partial<Record<Metric, unknown>>[], metric: Metric): number[] =>
  epochs.map((e) => e[metric]).filter((v): v is number => typeof v === 'number');

/** The `metric` of each epoch line of a run directory so far (index 0 = epoch 1). */
export function epochValues(runDir: string, metric: Metric): number[] {
  const file = join(runDir, 'metrics.jsonl');
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.pop(); // a torn last line is not a record
  return valuesOf(
    lines.filter((l) => l.includes('"type":"epoch"')).map((l) => JSON.parse(l)),
    metric,
  );
}

export const readPruned = (runDir: string): PruneRecord | undefined => {
  const f = join(runDir, PRUNED_FILE);
  return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : undefined;
};

export const writePruned = (runDir: string, r: PruneRecord): void =>
  writeFileAtomic(join(runDir, PRUNED_FILE), JSON.stringify(r) + '\n');
