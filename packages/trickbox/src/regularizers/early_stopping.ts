import { argError, checkNumber } from '../check/index.js';

/** The one default patience, for the library and recipes (`regularization.earlyStopping.patience`). */
export const EARLY_STOPPING_DEFAULT_PATIENCE = 5;

export interface EarlyStoppingOptions {
  /** Epochs without improvement before stopping (Keras `patience`; default 5, as the recipes; Prechelt 1998). */
  patience?: number;
  /** Minimum change that counts as an improvement (Keras `min_delta`, default 0). */
  minDelta?: number;
  /** 'min' for losses (default), 'max' for accuracies. */
  mode?: 'min' | 'max';
  /** Ask the trainer to restore the best weights when stopping (Keras `restore_best_weights`, default true here). */
  restoreBest?: boolean;
}

/** JSON-serialisable state (save it in checkpoints for exact resume). */
export interface EarlyStoppingState {
  /** Number of values seen. */
  epoch: number;
  best: number | null;
  /** Epoch index (0-based) of the best value, -1 before the first. */
  bestEpoch: number;
  /** Epochs since the last improvement. */
  wait: number;
  stopped: boolean;
}

export interface EarlyStoppingDecision {
  state: EarlyStoppingState;
  /** The value improved: snapshot the weights now if `restoreBest`. */
  improved: boolean;
  /** Training should stop after this epoch. */
  stop: boolean;
  /** On stop with `restoreBest`: the epoch whose snapshot to restore. */
  restoreEpoch: number | null;
}

export interface ResolvedEarlyStopping {
  patience: number;
  minDelta: number;
  mode: 'min' | 'max';
  restoreBest: boolean;
}

export function resolveEarlyStopping(opts: EarlyStoppingOptions = {}): ResolvedEarlyStopping {
  const fn = 'regularizers.earlyStopping';
  const patience = checkNumber(fn, 'patience', opts.patience ?? EARLY_STOPPING_DEFAULT_PATIENCE, {
    min: 1,
    integer: true,
  });
  const minDelta = checkNumber(fn, 'minDelta', opts.minDelta ?? 0, { min: 0 });
  const mode = opts.mode ?? 'min';
  if (mode !== 'min' && mode !== 'max') throw argError(fn, 'mode', "'min' or 'max'", mode);
  const restoreBest = opts.restoreBest ?? true;
  if (typeof restoreBest !== 'boolean') throw argError(fn, 'restoreBest', 'a boolean', restoreBest);
  return { patience, minDelta, mode, restoreBest };
}

export function initialEarlyStoppingState(): EarlyStoppingState {
  return { epoch: 0, best: null, bestEpoch: -1, wait: 0, stopped: false };
}

/**
 * Pure transition of early stopping (Keras `EarlyStopping` semantics): a value improves when it beats the best by
 * more than minDelta (min: v < best - minDelta; max: v > best + minDelta); `wait` counts epochs without improvement;
 * stop when wait >= patience. NaN never improves. The input state is not modified.
 */
export function earlyStoppingStep(
  opts: EarlyStoppingOptions | ResolvedEarlyStopping,
  state: EarlyStoppingState,
  value: number,
): EarlyStoppingDecision {
  const o = resolveEarlyStopping(opts);
  if (typeof value !== 'number') throw argError('regularizers.earlyStoppingStep', 'value', 'a number', value);
  if (state.stopped)
    return { state, improved: false, stop: true, restoreEpoch: o.restoreBest ? state.bestEpoch : null };
  const better =
    !Number.isNaN(value) &&
    (state.best === null || (o.mode === 'min' ? value < state.best - o.minDelta : value > state.best + o.minDelta));
  const next: EarlyStoppingState = better
    ? { epoch: state.epoch + 1, best: value, bestEpoch: state.epoch, wait: 0, stopped: false }
    : { ...state, epoch: state.epoch + 1, wait: state.wait + 1 };
  const stop = !better && next.wait >= o.patience;
  next.stopped = stop;
  return {
    state: next,
    improved: better,
    stop,
    restoreEpoch: stop && o.restoreBest && next.bestEpoch >= 0 ? next.bestEpoch : null,
  };
}

/** Convenience wrapper holding the state: `update(value)` per epoch. */
export class EarlyStopping {
  readonly options: ResolvedEarlyStopping;
  private s: EarlyStoppingState = initialEarlyStoppingState();
  constructor(opts: EarlyStoppingOptions = {}) {
    this.options = resolveEarlyStopping(opts);
  }
  update(value: number): EarlyStoppingDecision {
    const d = earlyStoppingStep(this.options, this.s, value);
    this.s = d.state;
    return d;
  }
  getState(): EarlyStoppingState {
    return { ...this.s };
  }
  setState(state: EarlyStoppingState): void {
    this.s = { ...state };
  }
}
