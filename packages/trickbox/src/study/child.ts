// Runs one trial in a fresh child process (the trainer blocks its event loop; a child per trial also isolates
// crashes) with a given number of native threads. Used by the local runner and by the queue's sandboxed processor.
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TrialJob } from './trial.js';
import type { ChildReply } from './trial_child.js';
import type { TrialOutcome } from './run_dir.js';

export class TrialFailure extends Error {
  constructor(
    message: string,
    readonly usage = false,
  ) {
    super(message);
    this.name = 'TrialFailure';
  }
}

/** The child's entry file: the compiled .js next to this module, or the .ts source under tsx (tests). */
function childEntry(): { file: string; execArgv: string[] } {
  const js = fileURLToPath(new URL('./trial_child.js', import.meta.url));
  if (existsSync(js)) return { file: js, execArgv: [] };
  return { file: fileURLToPath(new URL('./trial_child.ts', import.meta.url)), execArgv: ['--import', 'tsx'] };
}

export interface ChildHandle {
  done: Promise<TrialOutcome | 'interrupted'>;
  /** Asks the child to stop after its current step (a checkpoint is written). */
  stop(): void;
}

export function runTrialInChild(
  job: TrialJob,
  {
    threads,
    onLog = () => undefined,
    onEpoch = () => undefined,
  }: { threads: number; onLog?: (m: string) => void; onEpoch?: () => void },
): ChildHandle {
  const { file, execArgv } = childEntry();
  const child = fork(file, [], {
    execArgv,
    env: { ...process.env, TFJS_ONEDNN_THREADS: String(threads) },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const stderr: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (t: string) => {
    stderr.push(t);
    if (stderr.length > 50) stderr.shift();
  });
  const done = new Promise<TrialOutcome | 'interrupted'>((resolve, reject) => {
    let reply: ChildReply | undefined;
    child.on('message', (m: ChildReply) => {
      if (m.type === 'log') onLog(m.message);
      else if (m.type === 'epoch') onEpoch();
      else reply = m;
    });
    child.on('error', (e) => reject(new TrialFailure(`${job.label}: cannot start the trial process (${e.message})`)));
    child.on('exit', (code, signal) => {
      if (reply?.type === 'done') resolve(reply.outcome);
      else if (reply?.type === 'failed') reject(new TrialFailure(`${job.label}: ${reply.message}`, reply.usage));
      else {
        const last = stderr.join('').trim().split('\n').filter(Boolean).pop();
        reject(
          new TrialFailure(
            `${job.label}: the trial process ended (${signal ? `signal ${signal}` : `exit code ${code}`}) without a result${last ? `: ${last}` : ''}`,
          ),
        );
      }
    });
  });
  child.send(job);
  return { done, stop: () => void (child.connected ? child.kill('SIGTERM') : undefined) };
}
