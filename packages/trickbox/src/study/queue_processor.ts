// BullMQ sandboxed processor (forked by the worker, which keeps renewing the job's lock while this process waits):
// trains one trial in its own child process with the worker's thread count and returns its results.
import { join } from 'node:path';
import type { SandboxedJob } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import { runTrialInChild, TrialFailure } from './child.js';
import { codeCommit } from './provenance.js';
import type { QueuedTrial } from './queue.js';
import type { TrialOutcome } from './run_dir.js';

// the worker died: end this process, so the trial's child stops at its next step with a checkpoint
process.on('disconnect', () => process.exit(0));

export default async function processTrial(job: SandboxedJob<QueuedTrial, TrialOutcome>): Promise<TrialOutcome> {
  const { trial, relativeDir, commit } = job.data;
  const own = codeCommit();
  if (commit !== own)
    throw new UnrecoverableError(`${trial.label}: the study runs commit ${commit}, this worker ${own}`);
  const storage = process.env.TRICKBOX_WORKER_DIR;
  const runDir = storage ? join(storage, relativeDir) : trial.runDir;
  const threads = Number(process.env.TRICKBOX_WORKER_THREADS) || 1;
  try {
    // the sandbox's stderr reaches the worker's: the trainer's own lines (e.g. "resuming … from …") show there
    const onLog = (m: string): void => void process.stderr.write(`worker: ${trial.label}: ${m}\n`);
    const outcome = await runTrialInChild({ ...trial, runDir }, { threads, onLog }).done;
    if (outcome === 'interrupted') throw new Error(`${trial.label}: interrupted (checkpoint written)`);
    return outcome;
  } catch (e) {
    if (e instanceof TrialFailure && e.usage) throw new UnrecoverableError(e.message);
    throw e;
  }
}
