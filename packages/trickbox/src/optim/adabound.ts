import * as tf from '@tensorflow/tfjs';
import { argError, checkNumber } from '../check/index.js';
import { checkBetas } from './adam.js';
import { TrickboxOptimizer, type BaseOptions, type VariableState } from './base.js';

export interface AdaBoundOptions extends BaseOptions {
  /** Adam learning rate (official default 1e-3). Also the base lr that scales `finalLr` when a schedule moves lr. */
  lr: number;
  /** Final (SGD) learning rate (official default 0.1). */
  finalLr?: number;
  /** (β1, β2) (official default [0.9, 0.999]). */
  betas?: [number, number];
  /** Convergence speed of the bound functions (official default 1e-3). */
  gamma?: number;
  /** ε added to sqrt(v) (official default 1e-8). */
  eps?: number;
  /** AMSBound: use the running maximum of v (official default false). */
  amsbound?: boolean;
}

/**
 * AdaBound / AMSBound (Luo et al., ICLR 2019, Algorithm 2 and the authors' code Luolc/AdaBound), per variable:
 *   t = step + 1;  AdaBound: g ← g + wd·p (coupled L2)
 *   m ← β1 m + (1-β1) g;  v ← β2 v + (1-β2) g²;  AMSBound: v̂ ← max(v̂, v), used instead of v
 *   α_t = lr · sqrt(1-β2^t) / (1-β1^t)                      (bias corrections folded into the step size)
 *   η* = finalLr · lr / initialLr                           (a schedule on lr moves the bounds; docs/architecture.md, "Pitfalls we test")
 *   η_l = η*·(1 - 1/(γ t + 1)),  η_u = η*·(1 + 1/(γ t))      (bound functions, paper §4)
 *   p ← p - clip(α_t / (sqrt(v) + ε), η_l, η_u) · m
 * AdaBoundW (decoupled, authors' AdaBoundW class): no L2 in g; after the step p ← p - wd·p_old (not scaled by lr,
 * exactly as the official code).
 */
export class AdaBoundOptimizer extends TrickboxOptimizer {
  static get className(): string {
    return 'trickbox.AdaBound';
  }
  readonly finalLr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly gamma: number;
  readonly eps: number;
  readonly amsbound: boolean;
  readonly decoupled: boolean;

  constructor(opts: AdaBoundOptions, decoupled = false) {
    const fn = decoupled ? 'optim.adaboundw' : 'optim.adabound';
    super(fn, opts, false);
    this.finalLr = checkNumber(fn, 'finalLr', opts.finalLr ?? 0.1, { min: 0 });
    [this.beta1, this.beta2] = checkBetas(fn, opts.betas ?? [0.9, 0.999]);
    this.gamma = checkNumber(fn, 'gamma', opts.gamma ?? 1e-3, {
      min: 0,
      max: 1,
      minOpen: true,
      maxOpen: true,
      range: 'a number in (0, 1)',
    });
    this.eps = checkNumber(fn, 'eps', opts.eps ?? 1e-8, { min: 0 });
    this.amsbound = opts.amsbound ?? false;
    if (typeof this.amsbound !== 'boolean') throw argError(fn, 'amsbound', 'a boolean', opts.amsbound);
    this.decoupled = decoupled;
  }

  protected slotNames(): string[] {
    return this.amsbound ? ['m', 'v', 'vmax'] : ['m', 'v'];
  }

  /**
   * The current bounds [η_l, η_u] for update number t (1-based), for inspection and tests. A parameter group's
   * multiplier k scales its final lr as it scales its lr (a torch group with lr·k and final_lr·k).
   */
  bounds(t: number, lrMultiplier = 1): [number, number] {
    const final = (this.finalLr * lrMultiplier * this.lr) / this.initialLr;
    return [final * (1 - 1 / (this.gamma * t + 1)), final * (1 + 1 / (this.gamma * t))];
  }

  protected updateVariable(name: string, p: tf.Variable, grad: tf.Tensor, state: VariableState): void {
    const wd = this.decayFor(name, p);
    const { lrMultiplier } = this.settingsFor(name, p);
    const t = state.step + 1;
    const { m, v, vmax } = state.slots as { m: tf.Variable; v: tf.Variable; vmax?: tf.Variable };
    const g = wd !== 0 && !this.decoupled ? tf.add(grad, tf.mul(p, wd)) : grad;
    m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
    v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
    let second: tf.Tensor = v;
    if (vmax !== undefined) {
      vmax.assign(tf.maximum(vmax, v));
      second = vmax;
    }
    const stepSize = (this.lrFor(name, p) * Math.sqrt(1 - Math.pow(this.beta2, t))) / (1 - Math.pow(this.beta1, t));
    const [lower, upper] = this.bounds(t, lrMultiplier);
    const rate = tf.clipByValue(tf.div(stepSize, tf.add(tf.sqrt(second), this.eps)), lower, upper);
    let next = tf.sub(p, tf.mul(rate, m));
    if (wd !== 0 && this.decoupled) next = tf.sub(next, tf.mul(p, wd));
    p.assign(next);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      lr: this.lr,
      initialLr: this.initialLr,
      finalLr: this.finalLr,
      betas: [this.beta1, this.beta2],
      gamma: this.gamma,
      eps: this.eps,
      weightDecay: this.weightDecay,
      amsbound: this.amsbound,
      noBiasDecay: this.noBiasDecay,
      paramGroups: this.paramGroups.specs() as unknown as tf.serialization.ConfigDictValue,
      decoupled: this.decoupled,
    };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const o = new (cls as any)({ ...config, lr: config.initialLr ?? config.lr }, config.decoupled === true);
    o.setLearningRate(config.lr);
    return o as T;
  }
}

/** `optim.adabound({ lr, finalLr, betas, gamma, eps, weightDecay, amsbound })` (official defaults). */
export function adabound(opts: AdaBoundOptions): AdaBoundOptimizer {
  return new AdaBoundOptimizer({ ...opts, lr: opts?.lr ?? 1e-3 }, false);
}

/** `optim.adaboundw(...)`: AdaBoundW, decoupled weight decay (authors' AdaBoundW class). */
export function adaboundw(opts: AdaBoundOptions): AdaBoundOptimizer {
  return new AdaBoundOptimizer({ ...opts, lr: opts?.lr ?? 1e-3 }, true);
}
