import type * as tf from '@tensorflow/tfjs';
import { argError, checkNumber } from '../check/index.js';
import { isNoDecayVariable } from './weight_decay.js';

/** One parameter group of `optimizer.paramGroups` (docs/training-math.md, "Parameter groups"). */
export interface ParamGroupSpec {
  /** Which variables: a selector of `PARAM_SELECTORS`, or `re:<pattern>` on the variable's name. */
  params: string;
  /** The group's learning rate is the optimizer's (scheduled) lr times this (default 1). */
  lrMultiplier?: number;
  /** The group's weight decay (default: the variable's decay without groups). */
  weightDecay?: number;
  /** Not trained: no update, no weight decay, no optimizer state (default false). */
  frozen?: boolean;
}

/** What applies to one variable once its group is known. */
export interface VariableSettings {
  lrMultiplier: number;
  weightDecay: number;
  frozen: boolean;
}

type Selector = (name: string, variable: tf.Tensor) => boolean;

/** A tfjs-layers weight name ending in `/<weight>` (with the optional `_<n>` de-duplication suffix). */
const weightNamed =
  (weight: string): Selector =>
  (name) =>
    new RegExp(`(^|[/_.:])${weight}(_\\d+)?$`).test(name);

/** The named selectors; tfjs-layers names weights `<layer>/kernel`, `<layer>/bias`, `<bn layer>/gamma`, `…/beta`. */
export const PARAM_SELECTORS: Readonly<Record<string, Selector>> = {
  'bn.gamma': weightNamed('gamma'),
  'bn.beta': weightNamed('beta'),
  bn: (name, v) => weightNamed('gamma')(name, v) || weightNamed('beta')(name, v),
  bias: weightNamed('bias'),
  kernel: weightNamed('kernel'),
  // the rule of `noBiasDecay` (weight_decay.ts): biases, BN γ/β and every variable of rank <= 1
  'no-bias-decay': isNoDecayVariable,
};

const SELECTOR_RANGE = `one of ${Object.keys(PARAM_SELECTORS)
  .map((s) => `"${s}"`)
  .join(', ')} or "re:<pattern>" (a regular expression on the variable name)`;

/** Why `text` is not a selector (the accepted forms), or undefined when it is one. */
export function selectorProblem(text: unknown): string | undefined {
  if (typeof text !== 'string') return SELECTOR_RANGE;
  if (text.startsWith('re:')) {
    try {
      new RegExp(text.slice(3));
      return undefined;
    } catch (e) {
      return `a valid regular expression after "re:" (${(e as Error).message})`;
    }
  }
  return text in PARAM_SELECTORS ? undefined : SELECTOR_RANGE;
}

function selectorOf(fn: string, field: string, text: unknown): Selector {
  const problem = selectorProblem(text);
  if (problem !== undefined) throw argError(fn, field, problem, text);
  const s = text as string;
  if (!s.startsWith('re:')) return PARAM_SELECTORS[s]!;
  const re = new RegExp(s.slice(3));
  return (name) => re.test(name);
}

interface CheckedGroup {
  spec: ParamGroupSpec;
  matches: Selector;
}

/**
 * An ordered list of parameter groups: a variable belongs to the first group whose selector matches it. Settings the
 * group leaves out, and every setting of a variable no group matches, are the defaults the caller gives.
 */
export class ParamGroups {
  private readonly groups: CheckedGroup[];

  constructor(fn: string, specs: readonly ParamGroupSpec[] | undefined) {
    if (specs === undefined) specs = [];
    if (!Array.isArray(specs))
      throw argError(fn, 'paramGroups', 'an array of { params, lrMultiplier?, weightDecay?, frozen? }', specs);
    this.groups = specs.map((spec, i) => {
      const at = `paramGroups[${i}]`;
      if (spec === null || typeof spec !== 'object')
        throw argError(fn, at, 'an object { params, lrMultiplier?, weightDecay?, frozen? }', spec);
      for (const key of Object.keys(spec))
        if (!['params', 'lrMultiplier', 'weightDecay', 'frozen'].includes(key))
          throw argError(fn, `${at}.${key}`, 'absent (accepted: params, lrMultiplier, weightDecay, frozen)', key);
      if (spec.lrMultiplier !== undefined) checkNumber(fn, `${at}.lrMultiplier`, spec.lrMultiplier, { min: 0 });
      if (spec.weightDecay !== undefined) checkNumber(fn, `${at}.weightDecay`, spec.weightDecay, { min: 0 });
      if (spec.frozen !== undefined && typeof spec.frozen !== 'boolean')
        throw argError(fn, `${at}.frozen`, 'a boolean', spec.frozen);
      if (spec.frozen === true && (spec.lrMultiplier !== undefined || spec.weightDecay !== undefined))
        throw argError(
          fn,
          `${at}.frozen`,
          'false or absent when the group sets lrMultiplier or weightDecay (a frozen variable is not updated)',
          true,
        );
      return { spec: { ...spec }, matches: selectorOf(fn, `${at}.params`, spec.params) };
    });
  }

  /** The specs as given (for getConfig). */
  specs(): ParamGroupSpec[] {
    return this.groups.map((g) => ({ ...g.spec }));
  }

  /** Index of the first group matching the variable, or -1. */
  indexOf(name: string, variable: tf.Tensor): number {
    return this.groups.findIndex((g) => g.matches(name, variable));
  }

  /** The variable's settings: its group's, the left-out ones from `defaults`. */
  settings(name: string, variable: tf.Tensor, defaults: VariableSettings): VariableSettings {
    const i = this.indexOf(name, variable);
    if (i < 0) return defaults;
    const { lrMultiplier, weightDecay, frozen } = this.groups[i]!.spec;
    return {
      lrMultiplier: lrMultiplier ?? defaults.lrMultiplier,
      weightDecay: weightDecay ?? defaults.weightDecay,
      frozen: frozen ?? defaults.frozen,
    };
  }

  /** Indices of the groups that match none of `variables` (a selector that selects nothing is likely a typo). */
  unmatched(variables: ReadonlyArray<{ name: string; variable: tf.Tensor }>): number[] {
    const used = new Set(variables.map((v) => this.indexOf(v.name, v.variable)));
    return this.groups.map((_, i) => i).filter((i) => !used.has(i));
  }
}
