// Stop signals during `trickbox train` (Ctrl-C's SIGINT; SIGTERM where the caller listens for it too): the first
// asks the trainer to stop after the current step (a checkpoint is written); a second one aborts at once, and says
// so, since the steps since the last checkpoint are lost.
export interface InterruptOptions {
  stopSignal: { stop: boolean };
  say(message: string): void;
  /** Ends the process with `exitCode` (130 for SIGINT, 143 for SIGTERM). */
  abort(exitCode: number): void;
  /** The command that continues the run, named when aborting. */
  resumeCommand: string;
}

/** 128 + the signal number, as shells report a process ended by it. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGTERM' ? 143 : 130;
}

export function interruptHandler(o: InterruptOptions): {
  onSignal(signal: NodeJS.Signals): void;
  /** The first signal received, if any. */
  stoppedBy(): NodeJS.Signals | undefined;
} {
  let first: NodeJS.Signals | undefined;
  return {
    onSignal(signal) {
      if (!first) {
        first = signal;
        o.stopSignal.stop = true;
        o.say(
          `\ntrickbox: ${signal === 'SIGINT' ? 'interrupt' : signal} — finishing the current step and writing a checkpoint (Ctrl-C again to abort)\n`,
        );
        return;
      }
      o.say(
        `\ntrickbox: second ${signal === 'SIGINT' ? 'interrupt' : signal} — aborting now without a checkpoint; ${o.resumeCommand} continues from the last one\n`,
      );
      o.abort(signalExitCode(signal));
    },
    stoppedBy: () => first,
  };
}
