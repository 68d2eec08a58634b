// Ctrl-C during `trickbox train`: the first asks the trainer to stop after the current step (a checkpoint is
// written, exit 130); a second one aborts at once, and says so, since the steps since the last checkpoint are lost.
export interface InterruptOptions {
  stopSignal: { stop: boolean };
  say(message: string): void;
  /** Ends the process (exit code 130). */
  abort(): void;
  /** The command that continues the run, named in both messages. */
  resumeCommand: string;
}

export function interruptHandler(o: InterruptOptions): () => void {
  let interrupts = 0;
  return () => {
    interrupts++;
    if (interrupts === 1) {
      o.stopSignal.stop = true;
      o.say('\ntrickbox: interrupt — finishing the current step and writing a checkpoint (Ctrl-C again to abort)\n');
      return;
    }
    o.say(
      `\ntrickbox: second interrupt — aborting now without a checkpoint; ${o.resumeCommand} continues from the last one\n`,
    );
    o.abort();
  };
}
