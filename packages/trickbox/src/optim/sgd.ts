import * as tf from '@tensorflow/tfjs';
import { sgdMomentumUpdate } from 'tfjs-backend-onednn/ops';
import { argError, checkNumber } from '../check/index.js';
import { TrickboxOptimizer, type BaseOptions, type VariableState } from './base.js';

export interface SgdOptions extends BaseOptions {
  /** Momentum factor (default 0, as torch.optim.SGD; the ResNet recipes use 0.9). */
  momentum?: number;
  /** Dampening of the momentum (default 0, as torch.optim.SGD). */
  dampening?: number;
  /** Nesterov momentum in torch's formulation (default false; Sutskever et al. 2013). */
  nesterov?: boolean;
  /**
   * Decoupled weight decay (Loshchilov & Hutter 2019, SGDW): p ← p·(1 - lr·wd) instead of adding wd·p to the
   * gradient (default false = coupled L2, as torch.optim.SGD).
   */
  decoupledWeightDecay?: boolean;
}

/** Per-variable SGD state for `applySgdUpdate`: momentum buffer (null without momentum), updates done so far. */
export interface SgdState {
  momentumBuffer: tf.Variable | null;
  step: number;
}

/** Hyper-parameters of one SGD update (weightDecay already 0 for variables exempt from decay). */
export interface SgdHyper {
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
  decoupledWeightDecay: boolean;
}

/**
 * One SGD update of `variable`, in place, with torch.optim.SGD semantics (PyTorch 1.13 `_single_tensor_sgd`):
 *   d = g + wd·p                                  (coupled L2; skipped when decoupled)
 *   b = d on the first step, else μ·b + (1 - dampening)·d
 *   d = d + μ·b (Nesterov) or d = b
 *   p = p - lr·d        (decoupled: p = p·(1 - lr·wd) - lr·d)
 * Must be called inside tf.tidy. This is the hook a native backend may replace (see `setSgdUpdateImplementation`).
 */
export function applySgdUpdate(variable: tf.Variable, grad: tf.Tensor, state: SgdState, hyper: SgdHyper): void {
  const { lr, momentum, dampening, nesterov, weightDecay, decoupledWeightDecay } = hyper;
  let d: tf.Tensor = grad;
  if (weightDecay !== 0 && !decoupledWeightDecay) d = tf.add(d, tf.mul(variable, weightDecay));
  if (momentum !== 0) {
    const buf = state.momentumBuffer;
    if (buf === null) throw new Error('applySgdUpdate: momentum > 0 needs a momentum buffer');
    const next = state.step === 0 ? d : tf.add(tf.mul(buf, momentum), dampening === 0 ? d : tf.mul(d, 1 - dampening));
    buf.assign(next);
    d = nesterov ? tf.add(d, tf.mul(buf, momentum)) : buf;
  }
  const decayed = weightDecay !== 0 && decoupledWeightDecay ? tf.mul(variable, 1 - lr * weightDecay) : variable;
  variable.assign(tf.sub(decayed, tf.mul(d, lr)));
}

/**
 * `applySgdUpdate` with the momentum case on the 'onednn' backend done by its fused in-place kernel (one pass over
 * p, g and b instead of ~6 tensor ops). Same semantics: the buffer starts at zero, so dampening 0 on the first step
 * gives b = d exactly as torch; decoupled decay and momentum-free SGD take the generic path.
 */
export function backendAwareSgdUpdate(variable: tf.Variable, grad: tf.Tensor, state: SgdState, hyper: SgdHyper): void {
  const buf = state.momentumBuffer;
  if (tf.getBackend() !== 'onednn' || hyper.momentum === 0 || hyper.decoupledWeightDecay || buf === null) {
    applySgdUpdate(variable, grad, state, hyper);
    return;
  }
  sgdMomentumUpdate(variable, grad, buf, {
    lr: hyper.lr,
    momentum: hyper.momentum,
    dampening: state.step === 0 ? 0 : hyper.dampening,
    weightDecay: hyper.weightDecay,
    nesterov: hyper.nesterov,
  });
}

export type SgdUpdateFn = typeof applySgdUpdate;
let sgdUpdateImpl: SgdUpdateFn = backendAwareSgdUpdate;

/**
 * Replaces the per-variable SGD update; `null` restores the default (`backendAwareSgdUpdate`).
 * The replacement must have the same semantics; returns the previous implementation.
 */
export function setSgdUpdateImplementation(fn: SgdUpdateFn | null): SgdUpdateFn {
  const prev = sgdUpdateImpl;
  sgdUpdateImpl = fn ?? backendAwareSgdUpdate;
  return prev;
}

/** SGD with momentum / Nesterov / dampening and coupled or decoupled weight decay, PyTorch semantics. */
export class SgdOptimizer extends TrickboxOptimizer {
  static get className(): string {
    return 'trickbox.SGD';
  }
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly decoupledWeightDecay: boolean;

  constructor(opts: SgdOptions) {
    super('optim.sgd', opts);
    const fn = 'optim.sgd';
    this.momentum = checkNumber(fn, 'momentum', opts.momentum ?? 0, {
      min: 0,
      max: 1,
      maxOpen: true,
      range: 'a number in [0, 1)',
    });
    this.dampening = checkNumber(fn, 'dampening', opts.dampening ?? 0, { min: 0, max: 1, range: 'a number in [0, 1]' });
    this.nesterov = opts.nesterov ?? false;
    this.decoupledWeightDecay = opts.decoupledWeightDecay ?? false;
    if (typeof this.nesterov !== 'boolean') throw argError(fn, 'nesterov', 'a boolean', opts.nesterov);
    if (typeof this.decoupledWeightDecay !== 'boolean')
      throw argError(fn, 'decoupledWeightDecay', 'a boolean', opts.decoupledWeightDecay);
    // torch.optim.SGD: "Nesterov momentum requires a momentum and zero dampening".
    if (this.nesterov && (this.momentum === 0 || this.dampening !== 0))
      throw argError(
        fn,
        'nesterov',
        'false unless momentum > 0 and dampening = 0 (torch.optim.SGD rule)',
        this.nesterov,
      );
  }

  protected slotNames(): string[] {
    return this.momentum !== 0 ? ['momentum'] : [];
  }

  protected updateVariable(name: string, variable: tf.Variable, grad: tf.Tensor, state: VariableState): void {
    sgdUpdateImpl(
      variable,
      grad,
      { momentumBuffer: state.slots.momentum ?? null, step: state.step },
      {
        lr: this.lrFor(name, variable),
        momentum: this.momentum,
        dampening: this.dampening,
        nesterov: this.nesterov,
        weightDecay: this.decayFor(name, variable),
        decoupledWeightDecay: this.decoupledWeightDecay,
      },
    );
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      lr: this.lr,
      momentum: this.momentum,
      dampening: this.dampening,
      nesterov: this.nesterov,
      weightDecay: this.weightDecay,
      decoupledWeightDecay: this.decoupledWeightDecay,
      noBiasDecay: this.noBiasDecay,
      paramGroups: this.paramGroups.specs() as unknown as tf.serialization.ConfigDictValue,
    };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new (cls as any)(config) as T;
  }
}

/** `optim.sgd({ lr, momentum, nesterov, weightDecay, decoupledWeightDecay?, noBiasDecay })` (docs/architecture.md, "Public API"). */
export function sgd(opts: SgdOptions): SgdOptimizer {
  return new SgdOptimizer(opts);
}
