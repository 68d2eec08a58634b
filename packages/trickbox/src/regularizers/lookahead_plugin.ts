// Lookahead-style EMA (Jordan 2024, airbench; docs/training-math.md, "Lookahead EMA"): every `every` steps an EMA of
// all model weights takes one step towards the live weights and is then copied back into the model, so training
// continues from the average (as the Lookahead optimizer resets its fast weights to the slow ones). Unlike the
// EMA plug-in (ema_plugin.ts), the model itself holds the average: evaluation and the saved model need no swap.
import * as tf from '@tensorflow/tfjs';
import { argError, checkNumber } from '../check/index.js';
import type { TrainPlugin } from '../plugin/index.js';

export interface LookaheadOptions {
  /** Per-step base decay d; one update uses d^every (airbench94: 0.95). */
  decay: number;
  /** Steps between updates k (airbench94: 5). */
  every: number;
  /** Exponent p of the training progress in the decay (airbench94: 3). */
  power: number;
  /** 0-based epoch from which updates happen; the EMA starts as a copy at the first update point (airbench94: 3). */
  startEpoch: number;
}

/** The recipe defaults (`regularization.lookahead.*`): airbench94's values, except that averaging starts at once. */
export const LOOKAHEAD_DEFAULTS: Readonly<LookaheadOptions> = { decay: 0.95, every: 5, power: 3, startEpoch: 0 };

/** ρ_s = d^k · (s/T)^p, the decay of the update after step s of T (airbench94's warmed-up decay). */
export function lookaheadDecay(step: number, totalSteps: number, opts: Omit<LookaheadOptions, 'startEpoch'>): number {
  return opts.decay ** opts.every * (step / totalSteps) ** opts.power;
}

function checkOptions(opts: LookaheadOptions): LookaheadOptions {
  const fn = 'regularizers.lookaheadPlugin';
  for (const k of Object.keys(opts))
    if (!(k in LOOKAHEAD_DEFAULTS)) throw argError(fn, k, `one of ${Object.keys(LOOKAHEAD_DEFAULTS).join(', ')}`, k);
  return {
    decay: checkNumber(fn, 'decay', opts.decay, { min: 0, max: 1, minOpen: true, maxOpen: true }),
    every: checkNumber(fn, 'every', opts.every, { min: 1, integer: true }),
    power: checkNumber(fn, 'power', opts.power, { min: 0 }),
    startEpoch: checkNumber(fn, 'startEpoch', opts.startEpoch, { min: 0, integer: true }),
  };
}

/**
 * The trainer plug-in. After step s (counted from 1) with s % every = 0 in an epoch ≥ startEpoch: the first time,
 * θ̄ ← θ; afterwards θ̄ ← ρ_s·θ̄ + (1 − ρ_s)·θ and θ ← θ̄. After an epoch's last step θ ← θ̄ once more (airbench's
 * update with decay 1), so every evaluation and the saved model see the average. All float weights take part,
 * batch-norm moving statistics included (airbench averages and copies every float entry of the state dict);
 * optimizer slots (momentum) are left as they are.
 */
export function lookaheadPlugin(options: LookaheadOptions): TrainPlugin {
  const opts = checkOptions(options);
  let targets: tf.Variable[] = [];
  let averages: tf.Variable[] | undefined;
  let stepsPerEpoch = 0;
  let totalSteps = 0;
  const copyBack = (): void => targets.forEach((v, i) => v.assign(averages![i]!));
  const start = (): void => {
    averages = targets.map((v) => tf.tidy(() => v.clone().variable(false)));
  };
  return {
    name: 'lookahead',
    beforeFit(info) {
      targets = info.model.weights.map((w) => w.read() as tf.Variable).filter((v) => v.dtype === 'float32');
      stepsPerEpoch = info.stepsPerEpoch;
      totalSteps = info.totalSteps;
    },
    afterStep({ step, epoch }) {
      const done = step + 1;
      if (epoch >= opts.startEpoch && done % opts.every === 0) {
        if (!averages) start();
        else {
          const rho = lookaheadDecay(done, totalSteps, opts);
          tf.tidy(() => averages!.forEach((a, i) => a.assign(tf.add(a, tf.mul(tf.sub(targets[i]!, a), 1 - rho)))));
          copyBack();
        }
      }
      if (averages && done % stepsPerEpoch === 0) copyBack();
    },
    getState() {
      return {
        json: { started: averages !== undefined },
        tensors: (averages ?? []).map((a, i) => ({ name: `#${i}`, tensor: a })),
      };
    },
    setState({ json, tensors = [] }) {
      if (!(json as { started: boolean }).started) return;
      if (!averages) start();
      const own = averages!;
      if (tensors.length !== own.length)
        throw new Error(
          `lookahead: the checkpoint holds ${tensors.length} averages, the model has ${own.length} weights`,
        );
      for (const t of tensors) {
        const a = own[Number(t.name.slice(1))];
        if (!a || !tf.util.arraysEqual(a.shape, t.tensor.shape))
          throw new Error(`lookahead: the checkpoint's average ${t.name} does not match the model's weights`);
        a.assign(t.tensor);
      }
    },
    dispose() {
      if (averages) tf.dispose(averages);
      averages = undefined;
    },
  };
}
