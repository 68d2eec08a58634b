// BullMQ sandboxed processor (forked by the worker, which keeps renewing the job's lock while this process waits):
// trains one trial in its own child process with the worker's thread count and returns its results. Each epoch's
// lines go to the job's progress (the study's pruner reads them); a cancelled job (the worker got a prune request
// for it, worker.ts) stops its trial after the current step and returns it as pruned. A student's job brings its
// teacher's model, written where the student's recipe looks for it; a teacher's result takes its model back.
import { join } from 'node:path';
import type { SandboxedJob } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import { runTrialInChild, TrialFailure } from './child.js';
import { writePruned } from './prune.js';
import { prunedBy } from './prune_relay.js';
import { codeCommit } from './provenance.js';
import type { QueuedResult, QueuedTrial, TrialProgress } from './queue.js';
import { epochLines, readPrunedOutcome, type TrialOutcome } from './run_dir.js';
import { packModel, unpackModel } from './travelling_model.js';

// the worker died: end this process, so the trial's child stops at its next step with a checkpoint
process.on('disconnect', () => process.exit(0));

export default async function processTrial(
  job: SandboxedJob<QueuedTrial, QueuedResult>,
  _token?: string,
  signal?: AbortSignal,
): Promise<QueuedResult> {
  const { trial, relativeDir, commit, teacherModel, returnModel } = job.data;
  const own = codeCommit();
  if (commit !== own)
    throw new UnrecoverableError(`${trial.label}: the study runs commit ${commit}, this worker ${own}`);
  const storage = process.env.TRICKBOX_WORKER_DIR;
  const runDir = storage ? join(storage, relativeDir) : trial.runDir;
  // a student's teacher is relative to the study directory; relativeDir is <study directory name>/trials/<config>/seed-<s>
  const studyDir = trial.studyDir && (storage ? join(storage, relativeDir.split('/')[0]) : trial.studyDir);
  const threads = Number(process.env.TRICKBOX_WORKER_THREADS) || 1;
  // the sandbox's stderr reaches the worker's: the trainer's own lines (e.g. "resuming … from …") show there
  const onLog = (m: string): void => void process.stderr.write(`worker: ${trial.label}: ${m}\n`);
  if (teacherModel && studyDir) unpackModel(join(studyDir, teacherModel.runDir, 'model'), teacherModel.files);
  const withModel = (outcome: TrialOutcome): QueuedResult => {
    if (!returnModel) return outcome;
    try {
      return { ...outcome, model: packModel(join(runDir, 'model')) };
    } catch (e) {
      // the trial itself finished: its students fail on the study's side, saying why
      onLog(`its model does not travel back: ${(e as Error).message}`);
      return outcome;
    }
  };
  const report = (): void =>
    void job.updateProgress({ epochs: epochLines(runDir) } satisfies TrialProgress).catch(() => undefined);
  const child = runTrialInChild(
    { ...trial, runDir, ...(studyDir && { studyDir }) },
    { threads, onLog, onEpoch: report },
  );
  report(); // a resumed trial's earlier epochs
  const onAbort = (): void => child.stop();
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  const request = (): ReturnType<typeof prunedBy> => (signal?.aborted ? prunedBy(signal.reason) : undefined);
  const pruned = (): QueuedResult => {
    const record = request()!;
    writePruned(runDir, record);
    onLog(`pruned after epoch ${record.epoch} (median ${record.median} of ${record.others} other trials)`);
    return readPrunedOutcome(runDir, record, trial.recipe);
  };
  try {
    const outcome = await child.done;
    if (outcome !== 'interrupted') return withModel(outcome);
    if (request()) return pruned();
    throw new Error(`${trial.label}: interrupted (checkpoint written)`);
  } catch (e) {
    // a stop that reached the trial process before it could take it (still starting) ends it all the same
    if (request() && e instanceof TrialFailure && !e.usage) return pruned();
    if (e instanceof TrialFailure && e.usage) throw new UnrecoverableError(e.message);
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
