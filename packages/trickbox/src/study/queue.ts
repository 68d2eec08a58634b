// The study side of the BullMQ queue: one job per trial (its id fixed by the run directory and the resolved recipe,
// so a restarted study finds its jobs again), retried with exponential backoff; the study polls each job's state and
// takes the trial's results from the job's return value.
import { createHash } from 'node:crypto';
import { basename, dirname } from 'node:path';
import { Queue } from 'bullmq';
import { codeCommit } from './provenance.js';
import { assertReachable } from './redis.js';
import { canonicalJson, type TrialOutcome } from './run_dir.js';
import type { TrialExecutor, TrialHandle } from './run_study.js';
import type { TrialJob } from './trial.js';

export const QUEUE_NAME = 'trickbox-trials';

export interface QueuedTrial {
  trial: TrialJob;
  /** `<study directory name>/trials/<config>/seed-<s>`: where a worker with its own storage (--dir) trains it. */
  relativeDir: string;
  /** The study's commit: a worker on other code refuses the trial. */
  commit: string;
}

export const trialJobId = (job: TrialJob): string =>
  createHash('sha256')
    .update(job.runDir + '\n' + canonicalJson(job.recipe))
    .digest('hex')
    .slice(0, 24);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function queueExecutor(
  url: string,
  { log, pollMs = 500, attempts = 3 }: { log: (m: string) => void; pollMs?: number; attempts?: number },
): Promise<TrialExecutor & { close(): Promise<void> }> {
  await assertReachable(url);
  const queue = new Queue<QueuedTrial, TrialOutcome>(QUEUE_NAME, {
    connection: { url },
    defaultJobOptions: { attempts, backoff: { type: 'exponential', delay: 5000 } },
  });
  queue.on('error', (e) => log(`study: queue error at ${url}: ${e.message}`));
  const commit = codeCommit();
  const run = (job: TrialJob): TrialHandle => {
    let stopped = false;
    const done = (async (): Promise<TrialOutcome | 'interrupted'> => {
      const jobId = trialJobId(job);
      const studyDir = dirname(dirname(dirname(job.runDir)));
      const relativeDir = `${basename(studyDir)}/${job.runDir.slice(studyDir.length + 1)}`;
      let j = await queue.getJob(jobId);
      if (!j) j = await queue.add('trial', { trial: job, relativeDir, commit }, { jobId });
      else if ((await j.getState()) === 'failed') {
        log(`study: ${job.label} failed before (${j.failedReason}); queued again`);
        await j.retry('failed', { resetAttemptsMade: true });
      }
      for (;;) {
        if (stopped) return 'interrupted';
        const state = await queue.getJobState(jobId);
        if (state === 'completed') {
          const finished = await queue.getJob(jobId);
          return finished!.returnvalue;
        }
        if (state === 'failed') {
          const failed = await queue.getJob(jobId);
          throw new Error(`failed after ${failed?.attemptsMade} attempt(s): ${failed?.failedReason}`);
        }
        if (state === 'unknown') throw new Error(`job ${jobId} vanished from the queue at ${url}`);
        await sleep(pollMs);
      }
    })();
    return { done, stop: () => void (stopped = true) };
  };
  return { concurrency: Number.MAX_SAFE_INTEGER, run, close: () => queue.close() };
}
