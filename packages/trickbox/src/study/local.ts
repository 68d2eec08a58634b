// The local executor: N trial processes at a time, T native threads each.
import { currentProvenance } from './provenance.js';
import { runTrialInChild } from './child.js';
import type { TrialExecutor } from './run_study.js';

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
  const own = await currentProvenance(backend);
  const expected = { ...own, threads: backend === 'onednn' ? threads : 1 };
  return {
    concurrency: workers,
    expectedProvenance: expected,
    run: (job) => runTrialInChild(job, { threads, onLog }),
  };
}
