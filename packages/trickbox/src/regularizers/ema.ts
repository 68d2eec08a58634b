import * as tf from '@tensorflow/tfjs';
import { argError, checkNumber } from '../check/index.js';

/**
 * The one default decay, for the library and recipes (`regularization.ema.decay`): 0.999 suits runs of thousands of
 * steps such as this project's CIFAR/Fashion-MNIST recipes; timm's ModelEmaV2 uses 0.9998 on ImageNet-length runs.
 */
export const EMA_DEFAULT_DECAY = 0.999;

export interface EmaOptions {
  /** Decay d of θ̄ ← d·θ̄ + (1-d)·θ (default EMA_DEFAULT_DECAY = 0.999). */
  decay?: number;
  /**
   * Use TF's warm-up of the decay, min(d, (1 + n)/(10 + n)) with n the number of updates
   * (tf.train.ExponentialMovingAverage `num_updates`; default false).
   */
  warmup?: boolean;
}

/**
 * Exponential moving average of weights (Polyak & Juditsky 1992 averaging, in its exponential form as
 * tf.train.ExponentialMovingAverage / timm ModelEmaV2): θ̄ ← d·θ̄ + (1-d)·θ after each optimizer step. Shadows are tf
 * variables (not trainable); state is serialisable with getWeights/setWeights.
 */
export class WeightEma {
  readonly decay: number;
  readonly warmup: boolean;
  private readonly targets: tf.Variable[];
  private shadows: tf.Variable[];
  private updates = 0;

  constructor(variables: tf.Variable[], opts: EmaOptions = {}) {
    const fn = 'regularizers.WeightEma';
    if (!Array.isArray(variables) || variables.length === 0 || !variables.every((v) => v instanceof tf.Variable))
      throw argError(fn, 'variables', 'a non-empty array of tf.Variable', variables);
    this.decay = checkNumber(fn, 'decay', opts.decay ?? EMA_DEFAULT_DECAY, {
      min: 0,
      max: 1,
      range: 'a number in [0, 1]',
    });
    this.warmup = opts.warmup ?? false;
    this.targets = variables.slice();
    this.shadows = variables.map((v) => tf.tidy(() => v.clone().variable(false)));
  }

  /** Decay used at the next update. */
  currentDecay(): number {
    return this.warmup ? Math.min(this.decay, (1 + this.updates) / (10 + this.updates)) : this.decay;
  }

  /** θ̄ ← d·θ̄ + (1-d)·θ for every variable (call after each optimizer step). */
  update(): void {
    const d = this.currentDecay();
    tf.tidy(() => {
      this.targets.forEach((v, i) => {
        const s = this.shadows[i]!;
        s.assign(tf.add(tf.mul(s, d), tf.mul(v, 1 - d)));
      });
    });
    this.updates++;
  }

  /** The averaged value of each variable (the shadow variables themselves; do not dispose them). */
  averages(): tf.Variable[] {
    return this.shadows.slice();
  }

  /** Runs `fn` with the averaged weights swapped into the model variables, then puts the live weights back. */
  async withAveraged<T>(fn: () => T | Promise<T>): Promise<T> {
    const backup = this.targets.map((v) => v.clone());
    try {
      this.targets.forEach((v, i) => v.assign(this.shadows[i]!));
      return await fn();
    } finally {
      this.targets.forEach((v, i) => v.assign(backup[i]!));
      tf.dispose(backup);
    }
  }

  /** Copies the averages into the model variables (for export / final evaluation). */
  copyToModel(): void {
    this.targets.forEach((v, i) => v.assign(this.shadows[i]!));
  }

  /** [`ema/updates`, then `<variable>/ema` per variable]. The `ema/updates` scalar is new. */
  getWeights(): Array<{ name: string; tensor: tf.Tensor }> {
    return [
      { name: 'ema/updates', tensor: tf.scalar(this.updates, 'int32') },
      ...this.targets.map((v, i) => ({ name: `${v.name}/ema`, tensor: this.shadows[i]! as tf.Tensor })),
    ];
  }

  /** Restores what getWeights returned (matched by variable name; values copied). */
  setWeights(weights: Array<{ name: string; tensor: tf.Tensor }>): void {
    const byName = new Map(weights.map((w) => [w.name, w.tensor]));
    const n = byName.get('ema/updates');
    if (n === undefined) throw new Error('regularizers.WeightEma.setWeights: missing ema/updates');
    const next = this.targets.map((v) => {
      const t = byName.get(`${v.name}/ema`);
      if (t === undefined || !tf.util.arraysEqual(t.shape, v.shape))
        throw new Error(`regularizers.WeightEma.setWeights: missing or mis-shaped ${v.name}/ema`);
      return t;
    });
    this.updates = n.dataSync()[0]!;
    next.forEach((t, i) => this.shadows[i]!.assign(t));
  }

  dispose(): void {
    tf.dispose(this.shadows);
    this.shadows = [];
  }
}
