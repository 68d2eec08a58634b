// `trickbox worker`: takes trials from the queue and trains each in a sandboxed processor (a child process), so
// this process stays idle enough to renew the job locks. A dead worker's trial is taken again after the stall
// interval and resumed from its checkpoint when the run directory is on shared storage.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'bullmq';
import { QUEUE_NAME } from './queue.js';
import { assertReachable } from './redis.js';

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

export async function startWorker(url: string, o: WorkerOptions): Promise<Worker> {
  await assertReachable(url);
  const { file, execArgv } = processorFile();
  const worker = new Worker(QUEUE_NAME, file, {
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
  worker.on('active', (job) =>
    o.log(`worker: start  ${job.data.trial.label} (${job.data.relativeDir}, attempt ${job.attemptsMade + 1})`),
  );
  worker.on('completed', (job) => o.log(`worker: done   ${job.data.trial.label}`));
  worker.on('failed', (job, e) => o.log(`worker: FAILED ${job?.data.trial.label ?? '?'}: ${e.message.split('\n')[0]}`));
  worker.on('error', (e) => o.log(`worker: ${e.message.split('\n')[0]}`));
  await worker.waitUntilReady();
  o.log(`worker: taking trials from ${url} (${o.concurrency} at a time, ${o.threads} thread(s) each)`);
  return worker;
}
