// Live progress bar on a terminal (cli-progress): iterations, img/s, loss, lr, ETA. Quiet when stderr is not a TTY,
// where one summary line per epoch is printed instead.
import cliProgress from 'cli-progress';
import type { Callbacks, EpochRecord, StepInfo } from '../train/index.js';

const pct = (v: number | undefined): string => (v === undefined ? '–' : `${(100 * v).toFixed(2)}%`);

export function epochLine(r: EpochRecord): string {
  return (
    `epoch ${r.epoch}: train loss ${r.trainLoss.toFixed(4)} acc ${pct(r.trainAccuracy)}` +
    (r.valTop1 !== undefined ? ` | val ${pct(r.valTop1)}` : '') +
    ` | test loss ${r.testLoss.toFixed(4)} top-1 ${pct(r.testTop1)} top-5 ${pct(r.testTop5)}` +
    ` | ${r.epochSeconds.toFixed(1)} s, data wait ${(100 * r.dataWaitFraction).toFixed(1)}%`
  );
}

/**
 * The bar as trainer callbacks, and `close()`, which stops it and shows the cursor again: call it when training
 * throws or the process is about to exit (the trainer calls onTrainEnd only after a run that returns). Idempotent.
 */
export function progressCallbacks(
  stream: NodeJS.WriteStream = process.stderr,
  quiet = false,
): Callbacks & { close(): void } {
  const tty = Boolean(stream.isTTY) && !quiet;
  let bar: cliProgress.SingleBar | undefined;
  let ips = 0;
  return {
    onTrainBegin({ totalSteps, startStep }) {
      if (!tty) return;
      bar = new cliProgress.SingleBar(
        {
          stream,
          format:
            'epoch {epoch} |{bar}| {value}/{total} it | {ips} img/s | loss {loss} | lr {lr} | ETA {eta_formatted}',
          barsize: 24,
          hideCursor: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(totalSteps, startStep, { epoch: '-', ips: '-', loss: '-', lr: '-' });
    },
    onStepEnd(s: StepInfo) {
      ips = ips === 0 ? s.imagesPerSecond : 0.9 * ips + 0.1 * s.imagesPerSecond;
      bar?.update(s.step, {
        epoch: `${s.epoch}`,
        ips: ips.toFixed(0),
        loss: s.loss.toFixed(4),
        lr: s.lr.toPrecision(3),
      });
    },
    onEpochEnd(r) {
      if (bar) {
        // print the epoch line above the bar
        stream.write('\r\x1b[2K' + epochLine(r) + '\n');
        bar.render?.();
      } else if (!quiet) stream.write(epochLine(r) + '\n');
    },
    onTrainEnd() {
      bar?.stop();
    },
    close() {
      bar?.stop();
    },
  };
}
