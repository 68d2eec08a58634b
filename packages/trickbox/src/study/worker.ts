// `trickbox worker`: takes trials from the queue and trains each in a sandboxed processor (a child process), so
// this process stays idle enough to renew the job locks. A dead worker's trial is taken again after the stall
// interval and resumed from its checkpoint when the run directory is on shared storage. While a job is active the
// worker listens on its prune topic (prune_relay.ts) and cancels the job when the study prunes the trial.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type Job, type RelaySubscription } from 'bullmq';
import { cancelReason, openRelay, pruneTopic } from './prune_relay.js';
import type { PruneRecord } from './prune.js';
import { QUEUE_NAME, type QueuedResult, type QueuedTrial } from './queue.js';
import { assertReachable } from './redis.js';
import { isPruned } from './run_dir.js';

export interface WorkerOptions {
  threads: number;
  concurrency: number;
  /** Train under this directory instead of the study's own (separate storage). */
  dir?: string;
  /** Lock duration and stalled-check interval (BullMQ's default is 30 s). */
  stallSeconds: number;
  log: (m: string) => void;
}

function processorFile(): { file: string; execArgv: string[] } {
  const js = fileURLToPath(new URL('./queue_processor.js', import.meta.url));
  if (existsSync(js)) return { file: js, execArgv: [] };
  return { file: fileURLToPath(new URL('./queue_processor.ts', import.meta.url)), execArgv: ['--import', 'tsx'] };
}

export interface TrialWorker {
  /** Finishes the running trials, takes no new ones. */
  close(): Promise<void>;
}

export async function startWorker(url: string, o: WorkerOptions): Promise<TrialWorker> {
  await assertReachable(url);
  const { file, execArgv } = processorFile();
  const worker = new Worker<QueuedTrial, QueuedResult>(QUEUE_NAME, file, {
    connection: { url, maxRetriesPerRequest: null },
    concurrency: o.concurrency,
    lockDuration: o.stallSeconds * 1000,
    stalledInterval: o.stallSeconds * 1000,
    maxStalledCount: 3,
    workerForkOptions: {
      execArgv,
      env: {
        ...process.env,
        TRICKBOX_WORKER_THREADS: String(o.threads),
        ...(o.dir ? { TRICKBOX_WORKER_DIR: o.dir } : {}),
      },
    },
  });
  const relay = openRelay(url);
  relay.on('error', (e: Error) => o.log(`worker: relay: ${e.message.split('\n')[0]}`));
  const listening = new Map<string, Promise<RelaySubscription | undefined>>();
  const cancelWhenTracked = (jobId: string, record: PruneRecord): void => {
    // BullMQ tracks a job for cancellation just after announcing it active: a request arriving before is retried
    if (worker.cancelJob(jobId, cancelReason(record)) || !listening.has(jobId)) return;
    setTimeout(() => cancelWhenTracked(jobId, record), 100);
  };
  const listen = (job: Job<QueuedTrial>): void => {
    const id = job.id!;
    const sub = relay
      .subscribe<PruneRecord>(pruneTopic(id), (m) => {
        o.log(`worker: prune  ${job.data.trial.label} after epoch ${m.data.epoch}: stopping it after its current step`);
        cancelWhenTracked(id, m.data);
      })
      .catch((e: Error) => void o.log(`worker: cannot listen for prune requests: ${e.message}`));
    listening.set(id, sub);
  };
  const unlisten = (job: Job | undefined): void => {
    const sub = job?.id ? listening.get(job.id) : undefined;
    if (!sub) return;
    listening.delete(job!.id!);
    void sub.then((s) => s?.unsubscribe()).catch(() => undefined);
  };
  worker.on('active', (job) => {
    o.log(`worker: start  ${job.data.trial.label} (${job.data.relativeDir}, attempt ${job.attemptsMade + 1})`);
    listen(job);
  });
  worker.on('completed', (job, result) => {
    unlisten(job);
    o.log(`worker: ${isPruned(result) ? 'pruned' : 'done  '} ${job.data.trial.label}`);
  });
  worker.on('failed', (job, e) => {
    unlisten(job);
    o.log(`worker: FAILED ${job?.data.trial.label ?? '?'}: ${e.message.split('\n')[0]}`);
  });
  worker.on('error', (e) => o.log(`worker: ${e.message.split('\n')[0]}`));
  await Promise.all([worker.waitUntilReady(), relay.waitUntilReady()]);
  o.log(`worker: taking trials from ${url} (${o.concurrency} at a time, ${o.threads} thread(s) each)`);
  return {
    close: async () => {
      await worker.close();
      await relay.close();
    },
  };
}
