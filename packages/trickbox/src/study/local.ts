// The local executor: N trial processes at a time, T native threads each.
import { currentProvenance } from './provenance.js';
import { runTrialInChild } from './child.js';
import { readPruned, writePruned } from './prune.js';
import type { TrialExecutor, TrialHandle } from './run_study.js';
import type { TrialJob } from './trial.js';

export async function localExecutor({
  workers,
  threads,
  backend,
  onLog,
}: {
  workers: number;
  threads: number;
  backend: string;
  onLog?: (m: string) => void;
}): Promise<TrialExecutor> {
  // this process's commit and ISA, with the trial processes' thread count
  const own = await currentProvenance();
  const expected = { ...own, threads: backend === 'onednn' ? threads : 1 };
  return {
    concurrency: workers,
    expectedProvenance: expected,
    run: (job: TrialJob): TrialHandle => {
      const child = runTrialInChild(job, { threads, onLog });
      return {
        done: child.done.then((o) => (o === 'interrupted' && readPruned(job.runDir) ? 'pruned' : o)),
        stop: child.stop,
        // the study reads this run directory: the mark is written before the stop, as the record of the decision
        prune: (record) => {
          writePruned(job.runDir, record);
          child.stop();
        },
      };
    },
  };
}
