import * as tf from '@tensorflow/tfjs';

/** { name, tensor } as tfjs-core's NamedTensor (not re-exported by @tensorflow/tfjs). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}
import { argError, checkNumber } from '../check/index.js';
import { ParamGroups, type ParamGroupSpec, type VariableSettings } from './param_groups.js';
import type { WeightDecayFilter } from './weight_decay.js';

/** Per-variable optimizer state: slot variables (momentum, moments) and the count of updates applied (`step`). */
export interface VariableState {
  step: number;
  slots: Record<string, tf.Variable>;
}

export interface BaseOptions {
  /** Learning rate; change it every step with `setLearningRate`. */
  lr: number;
  /** Weight decay factor (default 0, as torch). */
  weightDecay?: number;
  /** Skip weight decay for biases and BN parameters (Bag of Tricks §3.1); rule in `weight_decay.ts` (default false). */
  noBiasDecay?: boolean;
  /** Custom rule: return true when weight decay applies to a variable (overrides `noBiasDecay`). */
  weightDecayFilter?: WeightDecayFilter;
  /**
   * Ordered parameter groups, first match wins (docs/training-math.md, "Parameter groups"): per-group lr multiplier,
   * weight decay, or frozen. A group's left-out settings and unmatched variables keep lr, weightDecay (with
   * `noBiasDecay` / `weightDecayFilter`) and training.
   */
  paramGroups?: ParamGroupSpec[];
}

/** `noBiasDecay` as a parameter group: the variables of its rule get weight decay 0 unless a user group says otherwise. */
const NO_BIAS_DECAY_GROUP: ParamGroupSpec = { params: 'no-bias-decay', weightDecay: 0 };

/**
 * Base of trickbox's optimizers: a `tf.Optimizer` whose learning rate can be set before every step, with per-variable
 * state kept by variable name and serialised through `getWeights`/`setWeights` (names `<variable>/<slot>` and
 * `<variable>/step`, after tfjs's `iter`). Every update runs inside `tf.tidy`: no tensor outlives a step except the
 * slot variables created on a variable's first update.
 */
export abstract class TrickboxOptimizer extends tf.Optimizer {
  protected lr: number;
  /** The learning rate given at construction (AdaBound scales its bounds by lr / initialLr). */
  readonly initialLr: number;
  protected readonly weightDecay: number;
  protected readonly noBiasDecay: boolean;
  protected readonly weightDecayFilter?: WeightDecayFilter;
  /** The recipe's groups. */
  protected readonly paramGroups: ParamGroups;
  /** The groups that give the defaults of the recipe's groups: `noBiasDecay`'s. */
  private readonly defaultGroups: ParamGroups;
  private readonly settingsCache = new Map<string, VariableSettings>();
  protected readonly state = new Map<string, VariableState>();
  protected readonly fnName: string;

  protected constructor(fnName: string, opts: BaseOptions, allowZeroLr = true) {
    super();
    if (opts === undefined || opts === null || typeof opts !== 'object')
      throw argError(fnName, 'options', 'an object { lr, ... }', opts);
    this.fnName = fnName;
    this.lr = checkNumber(fnName, 'lr', opts.lr, { min: 0, minOpen: !allowZeroLr });
    this.initialLr = this.lr;
    this.weightDecay = checkNumber(fnName, 'weightDecay', opts.weightDecay ?? 0, { min: 0 });
    this.noBiasDecay = opts.noBiasDecay ?? false;
    if (typeof this.noBiasDecay !== 'boolean') throw argError(fnName, 'noBiasDecay', 'a boolean', opts.noBiasDecay);
    if (opts.weightDecayFilter !== undefined && typeof opts.weightDecayFilter !== 'function')
      throw argError(fnName, 'weightDecayFilter', 'a function (name, variable) => boolean', opts.weightDecayFilter);
    this.weightDecayFilter = opts.weightDecayFilter;
    this.paramGroups = new ParamGroups(fnName, opts.paramGroups);
    this.defaultGroups = new ParamGroups(fnName, this.noBiasDecay ? [NO_BIAS_DECAY_GROUP] : []);
  }

  /** Sets the learning rate used from the next `applyGradients` on (call it with `schedule(step)` before each step). */
  setLearningRate(lr: number): void {
    this.lr = checkNumber(`${this.fnName}.setLearningRate`, 'lr', lr, { min: 0 });
  }

  getLearningRate(): number {
    return this.lr;
  }

  /**
   * The variable's lr multiplier, weight decay and frozen flag: its parameter group's settings over the defaults
   * (weightDecay, 0 where `weightDecayFilter` or the `noBiasDecay` group exempts the variable). Cached by name.
   */
  settingsFor(name: string, variable: tf.Tensor): VariableSettings {
    let s = this.settingsCache.get(name);
    if (s === undefined) {
      const plain: VariableSettings = { lrMultiplier: 1, weightDecay: this.weightDecay, frozen: false };
      const defaults = this.weightDecayFilter
        ? { ...plain, weightDecay: this.weightDecayFilter(name, variable as tf.Variable) ? this.weightDecay : 0 }
        : this.defaultGroups.settings(name, variable, plain);
      s = this.paramGroups.settings(name, variable, defaults);
      this.settingsCache.set(name, s);
    }
    return s;
  }

  /** True when a parameter group freezes the variable: it gets no update (callers may skip its gradient). */
  isFrozen(name: string, variable: tf.Tensor): boolean {
    return this.settingsFor(name, variable).frozen;
  }

  /** The recipe's parameter groups that select none of `variables`, as `paramGroups[i] ("selector")`. */
  unmatchedGroups(variables: readonly tf.Variable[]): string[] {
    const specs = this.paramGroups.specs();
    return this.paramGroups
      .unmatched(variables.map((v) => ({ name: v.name, variable: v })))
      .map((i) => `paramGroups[${i}] (${JSON.stringify(specs[i]!.params)})`);
  }

  /** Weight decay that applies to this variable (its group's; 0 when exempt by the no-bias-decay rule or the filter). */
  protected decayFor(name: string, variable: tf.Variable): number {
    return this.settingsFor(name, variable).weightDecay;
  }

  /** Learning rate of this variable: the scheduled lr times its group's multiplier. */
  protected lrFor(name: string, variable: tf.Variable): number {
    return this.lr * this.settingsFor(name, variable).lrMultiplier;
  }

  /** Names of the slot variables kept per model variable, e.g. ['m', 'v']. */
  protected abstract slotNames(): string[];

  /** Updates one variable in place (`variable.assign`); runs inside tf.tidy; `state.step` = updates done so far. */
  protected abstract updateVariable(name: string, variable: tf.Variable, grad: tf.Tensor, state: VariableState): void;

  protected stateFor(name: string, variable: tf.Variable): VariableState {
    let s = this.state.get(name);
    if (s === undefined) {
      const slots: Record<string, tf.Variable> = {};
      for (const slot of this.slotNames()) slots[slot] = tf.tidy(() => tf.zerosLike(variable).variable(false));
      s = { step: 0, slots };
      this.state.set(name, s);
    }
    return s;
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const pairs: Array<[string, tf.Tensor | null | undefined]> = Array.isArray(variableGradients)
      ? variableGradients.map((v) => [v.name, v.tensor])
      : Object.entries(variableGradients);
    const registered = tf.engine().registeredVariables;
    tf.tidy(() => {
      for (const [name, grad] of pairs) {
        if (grad === null || grad === undefined) continue;
        const variable = registered[name];
        if (variable === undefined)
          throw new Error(`${this.fnName}: no registered variable named ${JSON.stringify(name)}`);
        if (!tf.util.arraysEqual(variable.shape, grad.shape))
          throw new RangeError(
            `${this.fnName}: gradient of ${name} has shape [${grad.shape}], the variable has [${variable.shape}]`,
          );
        if (this.isFrozen(name, variable)) continue;
        const state = this.stateFor(name, variable);
        this.updateVariable(name, variable, grad, state);
        state.step += 1;
      }
    });
    this.incrementIterations();
  }

  override dispose(): void {
    for (const s of this.state.values()) for (const v of Object.values(s.slots)) v.dispose();
    this.state.clear();
    super.dispose();
  }

  /** [iter, then per variable (first-update order): its slots and `step`]. The `iter` and `step` scalars are new. */
  override async getWeights(): Promise<NamedTensor[]> {
    const out: NamedTensor[] = [await this.saveIterations()];
    for (const [name, s] of this.state) {
      for (const slot of this.slotNames()) out.push({ name: `${name}/${slot}`, tensor: s.slots[slot]! });
      out.push({ name: `${name}/step`, tensor: tf.scalar(s.step, 'int32') });
    }
    return out;
  }

  /** Restores what `getWeights` returned (matched by name; the values are copied). */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    const slotNames = new Set(this.slotNames());
    const next = new Map<string, VariableState>();
    for (const { name, tensor } of rest) {
      const cut = name.lastIndexOf('/');
      const varName = name.slice(0, cut);
      const slot = name.slice(cut + 1);
      if (cut <= 0 || (slot !== 'step' && !slotNames.has(slot)))
        throw new Error(
          `${this.fnName}.setWeights: unexpected weight ${JSON.stringify(name)} (expected <variable>/<${[...slotNames, 'step'].join('|')}>)`,
        );
      let s = next.get(varName);
      if (s === undefined) {
        s = { step: 0, slots: {} };
        next.set(varName, s);
      }
      if (slot === 'step') s.step = (await tensor.data())[0]!;
      else s.slots[slot] = tensor.variable(false);
    }
    for (const [varName, s] of next)
      for (const slot of slotNames)
        if (s.slots[slot] === undefined) throw new Error(`${this.fnName}.setWeights: missing ${varName}/${slot}`);
    for (const s of this.state.values()) for (const v of Object.values(s.slots)) v.dispose();
    this.state.clear();
    for (const [k, v] of next) this.state.set(k, v);
  }
}
