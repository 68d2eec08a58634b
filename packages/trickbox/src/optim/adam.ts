import * as tf from '@tensorflow/tfjs';
import { argError, checkNumber } from '../check/index.js';
import { TrickboxOptimizer, type BaseOptions, type VariableState } from './base.js';

export interface AdamOptions extends BaseOptions {
  /** (β1, β2) (default [0.9, 0.999]: Kingma & Ba 2015 §2, torch.optim.Adam). */
  betas?: [number, number];
  /** ε added to the denominator (default 1e-8: Kingma & Ba 2015, torch; tfjs's own Adam uses 1e-7). */
  eps?: number;
}

export function checkBetas(fn: string, betas: unknown): [number, number] {
  if (!Array.isArray(betas) || betas.length !== 2)
    throw argError(fn, 'betas', 'a pair [β1, β2] of numbers in [0, 1)', betas);
  const b1 = checkNumber(fn, 'betas[0]', betas[0], { min: 0, max: 1, maxOpen: true, range: 'a number in [0, 1)' });
  const b2 = checkNumber(fn, 'betas[1]', betas[1], { min: 0, max: 1, maxOpen: true, range: 'a number in [0, 1)' });
  return [b1, b2];
}

/**
 * Adam (Kingma & Ba 2015, Algorithm 1) with PyTorch's arrangement of ε (torch.optim.Adam / AdamW 1.13):
 *   t = step + 1;  coupled: g ← g + wd·p;  decoupled (AdamW, Loshchilov & Hutter 2019 Alg. 2): p ← p·(1 - lr·wd)
 *   m ← β1 m + (1-β1) g;  v ← β2 v + (1-β2) g²
 *   p ← p - (lr / (1-β1^t)) · m / (sqrt(v) / sqrt(1-β2^t) + ε)
 */
export class AdamOptimizer extends TrickboxOptimizer {
  static get className(): string {
    return 'trickbox.Adam';
  }
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly decoupled: boolean;

  constructor(opts: AdamOptions, decoupled = false) {
    const fn = decoupled ? 'optim.adamw' : 'optim.adam';
    super(fn, opts);
    [this.beta1, this.beta2] = checkBetas(fn, opts.betas ?? [0.9, 0.999]);
    this.eps = checkNumber(fn, 'eps', opts.eps ?? 1e-8, { min: 0 });
    this.decoupled = decoupled;
  }

  protected slotNames(): string[] {
    return ['m', 'v'];
  }

  protected updateVariable(name: string, p: tf.Variable, grad: tf.Tensor, state: VariableState): void {
    const wd = this.decayFor(name, p);
    const lr = this.lrFor(name, p);
    const t = state.step + 1;
    const { m, v } = state.slots as { m: tf.Variable; v: tf.Variable };
    const g = wd !== 0 && !this.decoupled ? tf.add(grad, tf.mul(p, wd)) : grad;
    const p0 = wd !== 0 && this.decoupled ? tf.mul(p, 1 - lr * wd) : p;
    m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
    v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
    const bc1 = 1 - Math.pow(this.beta1, t);
    const bc2 = 1 - Math.pow(this.beta2, t);
    const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), this.eps);
    p.assign(tf.sub(p0, tf.mul(tf.div(m, denom), lr / bc1)));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      lr: this.lr,
      betas: [this.beta1, this.beta2],
      eps: this.eps,
      weightDecay: this.weightDecay,
      noBiasDecay: this.noBiasDecay,
      paramGroups: this.paramGroups.specs() as unknown as tf.serialization.ConfigDictValue,
      decoupled: this.decoupled,
    };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new (cls as any)(config, config.decoupled === true) as T;
  }
}

/** `optim.adam({ lr, betas?, eps?, weightDecay?, noBiasDecay? })`: Adam with coupled L2 (torch.optim.Adam). */
export function adam(opts: AdamOptions): AdamOptimizer {
  return new AdamOptimizer(opts, false);
}

/**
 * `optim.adamw({ lr, betas?, eps?, weightDecay?, noBiasDecay? })`: AdamW, decoupled weight decay (torch.optim.AdamW).
 * Default weightDecay 0.01 as torch.optim.AdamW.
 */
export function adamw(opts: AdamOptions): AdamOptimizer {
  return new AdamOptimizer({ ...opts, weightDecay: opts?.weightDecay ?? 0.01 }, true);
}
