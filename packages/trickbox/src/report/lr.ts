// The learning-rate curve of a run, rebuilt from its recipe.json (the schedule section, the optimizer's base lr and
// `resolvedSchedule`, the iteration counts the trainer used) with `schedules/`: the value at every iteration, not the
// `logEvery` samples of metrics.jsonl. The report reads files only; it never imports the trainer.
import { effectiveLr, fromResolved, type ResolvedScheduleSpec } from '../schedules/index.js';

export interface LrPoint {
  step: number;
  lr: number;
}

/** The schedule of a run's recipe.json, or undefined when the file predates `resolvedSchedule` or lacks a field. */
export function runSchedule(recipe: Record<string, any> | undefined):
  | {
      schedule: (step: number) => number;
      totalSteps: number;
    }
  | undefined {
  const r = recipe?.resolvedSchedule;
  const s = recipe?.schedule;
  const o = recipe?.optimizer;
  if (!r || !s || !o || typeof r.totalSteps !== 'number' || r.totalSteps < 1) return undefined;
  const spec: ResolvedScheduleSpec = {
    ...s,
    ...r,
    lr: effectiveLr(o.lr, recipe?.training?.batchSize, o.linearScalingReference ?? 0),
  };
  try {
    return { schedule: fromResolved(spec), totalSteps: r.totalSteps };
  } catch {
    return undefined; // a recipe.json edited by hand: the report falls back to the logged values
  }
}

/**
 * The schedule at every iteration 0..totalSteps-1, thinned to what a chart `columns` pixels wide can show: per
 * column the first, lowest, highest and last value in iteration order, so every jump (a warmup switch, a step
 * decay) and every extreme stays on the drawn line.
 */
export function lrCurve(schedule: (step: number) => number, totalSteps: number, columns = 800): LrPoint[] {
  const all = (s: number): LrPoint => ({ step: s, lr: schedule(s) });
  if (totalSteps <= 4 * columns) return Array.from({ length: totalSteps }, (_, s) => all(s));
  const out: LrPoint[] = [];
  for (let c = 0; c < columns; c++) {
    const from = Math.floor((c * totalSteps) / columns);
    const to = Math.floor(((c + 1) * totalSteps) / columns);
    let lo = all(from);
    let hi = lo;
    const first = lo;
    let last = lo;
    for (let s = from + 1; s < to; s++) {
      last = all(s);
      if (last.lr < lo.lr) lo = last;
      if (last.lr > hi.lr) hi = last;
    }
    const picked = new Map<number, LrPoint>();
    for (const p of [first, lo, hi, last]) picked.set(p.step, p);
    out.push(...[...picked.values()].sort((a, b) => a.step - b.step));
  }
  return out;
}
