// Entry point of a trial's child process (forked by child.ts). Receives one TrialJob over IPC, trains it and
// replies with its outcome. When the parent goes away (a killed worker), the run stops after the current step
// with a checkpoint, so whoever takes the trial next resumes it and no orphan keeps writing to its directory.
import { initBackend } from '../backend.js';
import { executeTrial, type TrialJob } from './trial.js';

export type ChildReply =
  | { type: 'done'; outcome: Awaited<ReturnType<typeof executeTrial>> }
  | { type: 'failed'; message: string; usage: boolean }
  | { type: 'log'; message: string }
  /** An epoch line was appended to the run's metrics.jsonl. */
  | { type: 'epoch' };

const stopSignal = { stop: false };
const send = (m: ChildReply): void => void (process.connected && process.send?.(m));
const stop = (): void => {
  stopSignal.stop = true;
  // a run that cannot reach its next step boundary still ends
  setTimeout(() => process.exit(130), 120_000).unref();
};
process.on('disconnect', stop);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

process.once('message', async (job: TrialJob) => {
  try {
    await initBackend((m) => send({ type: 'log', message: m }));
    const outcome = await executeTrial(
      job,
      stopSignal,
      (m) => send({ type: 'log', message: m }),
      () => send({ type: 'epoch' }),
    );
    send({ type: 'done', outcome });
    process.exitCode = outcome === 'interrupted' ? 130 : 0;
  } catch (e) {
    const err = e as Error;
    send({ type: 'failed', message: err.message.split('\n')[0], usage: err.name === 'RecipeError' });
    process.exitCode = 1;
  } finally {
    process.disconnect?.();
    // worker threads / native pools must not keep a finished trial alive
    setTimeout(() => process.exit(), 100).unref();
  }
});
