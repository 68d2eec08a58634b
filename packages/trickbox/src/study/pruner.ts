// Watches a running trial for pruning (prune.ts's rule): after each of its epochs from `afterEpochs` on, compares
// its `selectBy` value with the other trials' values at the same epoch and asks its executor to prune it. A
// trial's epoch values come from its handle when it runs elsewhere (a queue worker reports them as job progress),
// else from its run directory under the study directory. Teacher trials are neither watched nor compared with.
import { join } from 'node:path';
import type { StudyPlan, Trial } from './expand.js';
import { epochValues, shouldPrune, valuesOf } from './prune.js';
import type { TrialHandle } from './run_study.js';

export const DEFAULT_AFTER_EPOCHS = 3;

export function watchForPruning(
  plan: StudyPlan,
  out: string,
  t: Trial,
  handle: TrialHandle,
  running: ReadonlyMap<Trial, TrialHandle>,
  everyMs = 250,
): NodeJS.Timeout {
  const { selectBy, prune } = plan.study;
  const afterEpochs = prune!.afterEpochs ?? DEFAULT_AFTER_EPOCHS;
  const valuesFor = (o: Trial): number[] => {
    const live = running.get(o)?.progress?.();
    return live ? valuesOf(live, selectBy) : epochValues(join(out, o.runDir), selectBy);
  };
  // teacher trials are never pruned (run_study.ts) and count in no median: a wider model would raise every bar
  let checked = 0;
  let asked = false;
  const timer = setInterval(() => {
    if (asked) return;
    const mine = valuesFor(t);
    const epoch = mine.length;
    if (epoch <= checked || epoch < afterEpochs) return;
    checked = epoch;
    const others = plan.trials
      .filter((o) => o !== t && !o.teaches)
      .map((o) => valuesFor(o)[epoch - 1])
      .filter((v): v is number => v !== undefined);
    const m = shouldPrune(mine[epoch - 1], others, selectBy);
    if (m === null) return;
    asked = true;
    handle.prune({ epoch, value: mine[epoch - 1], median: m, others: others.length });
  }, everyMs);
  return timer;
}
