// The study side of the BullMQ queue: one job per trial (its id fixed by the run directory and the resolved recipe,
// so a restarted study finds its jobs again), retried with exponential backoff; the study polls each job's state and
// takes the trial's results from the job's return value. For pruning it reads a running trial's epoch lines from the
// job's progress and sends prune requests over the Relay (prune_relay.ts). A teacher's model travels back with its
// results, and on with each of its students' jobs (travelling_model.ts).
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { Queue, type Relay } from 'bullmq';
import type { EpochLine } from '../report/run.js';
import type { PruneRecord } from './prune.js';
import { openRelay, PRUNE_RETAIN_MS, pruneTopic } from './prune_relay.js';
import { codeCommit } from './provenance.js';
import { assertReachable } from './redis.js';
import {
  canonicalJson,
  isPruned,
  trialState,
  writePrunedOutcome,
  type PrunedOutcome,
  type TrialOutcome,
} from './run_dir.js';
import type { Trial } from './expand.js';
import type { TrialExecutor, TrialHandle } from './run_study.js';
import type { TrialJob } from './trial.js';
import { packModel, unpackModel, type ModelFiles } from './travelling_model.js';

export const QUEUE_NAME = 'trickbox-trials';

export interface QueuedTrial {
  trial: TrialJob;
  /** `<study directory name>/trials/<config>/seed-<s>`: where a worker with its own storage (--dir) trains it. */
  relativeDir: string;
  /** The study's commit: a worker on other code refuses the trial. */
  commit: string;
  /** A teacher trial: its result brings its saved model back. */
  returnModel?: boolean;
  /** A student: its teacher's model, to be found at `<study directory>/<runDir>/model` where it trains. */
  teacherModel?: { runDir: string; files: ModelFiles };
}

/** A teacher trial's outcome with its saved model (absent when it weighs more than may travel). */
export type TeacherOutcome = TrialOutcome & { model?: ModelFiles };

/** What a trial's processor returns; a pruned trial completes its job too (it is not retried). */
export type QueuedResult = TeacherOutcome | PrunedOutcome;

/** The job's progress while its trial trains: the epoch lines of its metrics.jsonl so far. */
export interface TrialProgress {
  epochs: EpochLine[];
}

/** A teacher's job differs from the same trial's as a non-teacher: its result carries the model. */
export const trialJobId = (job: TrialJob, teaches = false): string =>
  createHash('sha256')
    .update(job.runDir + '\n' + canonicalJson(job.recipe) + (teaches ? '\nreturns its model' : ''))
    .digest('hex')
    .slice(0, 24);

function teacherFiles(studyDir: string, teacherDir: string): ModelFiles {
  try {
    return packModel(join(studyDir, teacherDir, 'model'));
  } catch (e) {
    throw new Error(`cannot send its teacher's model with it: ${(e as Error).message}`);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function queueExecutor(
  url: string,
  { log, pollMs = 500, attempts = 3 }: { log: (m: string) => void; pollMs?: number; attempts?: number },
): Promise<TrialExecutor & { close(): Promise<void> }> {
  await assertReachable(url);
  const queue = new Queue<QueuedTrial, QueuedResult>(QUEUE_NAME, {
    connection: { url },
    defaultJobOptions: { attempts, backoff: { type: 'exponential', delay: 5000 } },
  });
  queue.on('error', (e) => log(`study: queue error at ${url}: ${e.message}`));
  const commit = codeCommit();
  let relay: Relay | undefined;
  let adding: Promise<void> = Promise.resolve();
  const relayOf = (): Relay => {
    if (relay) return relay;
    relay = openRelay(url);
    relay.on('error', (e: Error) => log(`study: relay error at ${url}: ${e.message}`));
    return relay;
  };
  const dropRequest = (jobId: string): Promise<unknown> =>
    relayOf()
      .deleteRetained(pruneTopic(jobId))
      .catch(() => undefined);
  const run = (job: TrialJob, trial?: Trial): TrialHandle => {
    let stopped = false;
    // read from the job only once the pruner asks for them
    let wantProgress = false;
    let epochs: EpochLine[] | undefined;
    let pruneAsked = false;
    const teaches = trial?.teaches === true;
    const jobId = trialJobId(job, teaches);
    const poll = async (): Promise<QueuedResult | 'interrupted'> => {
      const studyDir = dirname(dirname(dirname(job.runDir)));
      const relativeDir = `${basename(studyDir)}/${job.runDir.slice(studyDir.length + 1)}`;
      const enqueue = async (): Promise<void> => {
        const j = await queue.getJob(jobId);
        if (!j) {
          // a student takes its teacher's model along: the study directory has it once the teacher's result is back
          const teacherModel =
            job.studyDir && trial?.teacher
              ? { runDir: trial.teacher, files: teacherFiles(job.studyDir, trial.teacher) }
              : undefined;
          const data: QueuedTrial = {
            trial: job,
            relativeDir,
            commit,
            ...(teaches && { returnModel: true }),
            ...(teacherModel && { teacherModel }),
          };
          await queue.add('trial', data, { jobId });
        } else if ((await j.getState()) === 'failed') {
          log(`study: ${job.label} failed before (${j.failedReason}); queued again`);
          await j.retry('failed', { resetAttemptsMade: true });
        }
      };
      // one after another, so that workers take the trials in the study's order, as local workers do
      await (adding = adding.then(enqueue, enqueue));
      for (;;) {
        if (stopped) return 'interrupted';
        const state = await queue.getJobState(jobId);
        if (state === 'completed') {
          const { returnvalue } = (await queue.getJob(jobId))!;
          // the job has ended: its prune request (this study's or an earlier one's) is needed no more
          if (pruneAsked || isPruned(returnvalue)) await dropRequest(jobId);
          return returnvalue;
        }
        if (state === 'active' && wantProgress) {
          const p = (await queue.getJob(jobId))?.progress as Partial<TrialProgress> | number | undefined;
          if (typeof p === 'object' && Array.isArray(p.epochs)) epochs = p.epochs;
        }
        if (state === 'failed') {
          if (pruneAsked) await dropRequest(jobId);
          const failed = await queue.getJob(jobId);
          throw new Error(`failed after ${failed?.attemptsMade} attempt(s): ${failed?.failedReason}`);
        }
        if (state === 'unknown') throw new Error(`job ${jobId} vanished from the queue at ${url}`);
        await sleep(pollMs);
      }
    };
    const done = (async (): Promise<TrialOutcome | 'interrupted' | 'pruned'> => {
      const r = await poll();
      if (r !== 'interrupted' && !isPruned(r) && r.model) {
        // before the summary is written: a finished teacher in the study directory has its model
        const { model, ...outcome } = r;
        unpackModel(join(job.runDir, 'model'), model);
        return outcome;
      }
      if (r === 'interrupted' || !isPruned(r)) return r;
      // with shared storage the worker has written the same files in the same place
      if (trialState(job.runDir) !== 'pruned') writePrunedOutcome(job.runDir, r);
      return 'pruned';
    })();
    const prune = (record: PruneRecord): void => {
      pruneAsked = true;
      relayOf()
        .publish(pruneTopic(jobId), record, { retain: PRUNE_RETAIN_MS })
        .catch((e: Error) => log(`study: cannot send the prune request of ${job.label}: ${e.message}`));
    };
    return {
      done,
      stop: () => void (stopped = true),
      prune,
      progress: () => {
        wantProgress = true;
        return epochs;
      },
    };
  };
  return {
    concurrency: Number.MAX_SAFE_INTEGER,
    run,
    close: async () => {
      await relay?.close();
      await queue.close();
    },
  };
}
