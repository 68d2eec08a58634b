// Training recipes: a JSON schema (validated by ajv, defaults filled in), `--set key=value` overrides, and
// errors that name the field (or the --set that made it), the value and what is accepted. The resolved recipe is what a run directory stores.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { selectorProblem } from '../optim/param_groups.js';
import { selfWarmingSchedules } from '../schedules/registry.js';
import { currentRecipeSchema, type Recipe } from './recipe_schema.js';
import { RecipeError } from './errors.js';
import { readRecipeFile } from './recipe_file.js';
import { transformRegistry } from '../data/transform_registry.js';
import { modelRegistry } from '../models/registry.js';

export { RecipeError } from './errors.js';

export type { Recipe, TransformSpec } from './recipe_schema.js';

/** The JSON schema (draft-07) of a recipe as the registries stand now; made from their rows (train/recipe_schema.ts). */
export function recipeSchemaNow(): ReturnType<typeof currentRecipeSchema> {
  return currentRecipeSchema();
}
/** The recipe schema of the built-in rows (what recipes/recipe.schema.json holds). */
export const recipeSchema = currentRecipeSchema();

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
let compiled: { schema: object; validate: ValidateFunction } | undefined;
function validator(): ValidateFunction {
  const schema = currentRecipeSchema();
  if (compiled?.schema !== schema) compiled = { schema, validate: ajv.compile(schema) };
  return compiled.validate;
}

function shown(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function fieldOf(path: string): string {
  return path.replace(/^\//, '').replace(/\//g, '.') || '(recipe)';
}

function valueAt(root: unknown, path: string): unknown {
  let v: any = root;
  for (const k of path.split('/').filter(Boolean)) v = v?.[k];
  return v;
}

/** Schema node at an instance path (for the list of accepted keys). */
function schemaAt(path: string, root: object = currentRecipeSchema()): any {
  // a `oneOf` (null | object, 'dataset' | object) is entered through its object branch
  const objectBranch = (n: any): any => n?.oneOf?.find((b: any) => b.type === 'object') ?? n;
  // (a node typed ['null', 'object'] is its own object branch)
  let s: any = root;
  for (const k of path.split('/').filter(Boolean)) {
    s = objectBranch(s);
    if (s?.properties?.[k]) s = s.properties[k];
    else if (s?.items)
      s = Array.isArray(s.items) ? s.items[Number(k)] : s.items; // a tuple's items are a list
    else return undefined;
  }
  return objectBranch(s);
}

/** The dotted path of the field an ajv error is about (the unknown or missing key itself for those errors). */
function errorPath(e: ErrorObject): string {
  const p = e.params as Record<string, any>;
  const base = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const key =
    e.keyword === 'additionalProperties'
      ? p.additionalProperty
      : e.keyword === 'required'
        ? p.missingProperty
        : undefined;
  return key === undefined ? base : base ? `${base}.${key}` : key;
}

/** The most specific ajv error: the deepest, skipping umbrella errors (a oneOf reports each branch). */
function mostSpecific(errors: ErrorObject[]): ErrorObject {
  const real = errors.filter((x) => x.keyword !== 'oneOf' && x.keyword !== 'if');
  const depth = (x: ErrorObject): number => x.instancePath.split('/').length;
  const deepest = Math.max(...real.map(depth));
  const atDeepest = real.filter((x) => depth(x) === deepest);
  return atDeepest.find((x) => x.keyword !== 'type' && x.keyword !== 'const') ?? atDeepest[0] ?? errors[0];
}

/** One readable sentence for the most specific ajv error (`root`: the schema that was validated against). */
function describe(errors: ErrorObject[], data: unknown, root: object = currentRecipeSchema()): string {
  const e = mostSpecific(errors);
  const atDeepest = errors.filter(
    (x) => x.keyword !== 'oneOf' && x.keyword !== 'if' && x.instancePath === e.instancePath,
  );
  const field = fieldOf(e.instancePath);
  const value = valueAt(data, e.instancePath);
  const p = e.params as Record<string, any>;
  if ((e.keyword === 'type' || e.keyword === 'const') && atDeepest.length > 1) {
    const alts = atDeepest.map((x) =>
      x.keyword === 'const'
        ? shown((x.params as any).allowedValue)
        : (x.params as any).type === 'object'
          ? 'an object'
          : (x.params as any).type,
    );
    return `${field} is ${shown(value)}; accepted: ${[...new Set(alts)].join(' or ')}`;
  }
  switch (e.keyword) {
    case 'additionalProperties': {
      const accepted = Object.keys(schemaAt(e.instancePath, root)?.properties ?? {}).join(', ') || 'none';
      const where = e.instancePath ? `${field}.${p.additionalProperty}` : p.additionalProperty;
      return `unknown field '${where}'; accepted fields${e.instancePath ? ` of ${field}` : ''}: ${accepted}`;
    }
    case 'required':
      return `missing field '${e.instancePath ? `${field}.` : ''}${p.missingProperty}'`;
    case 'enum': {
      // a oneOf of values and other types (a fill: 'mean', 'random' or pixel values): name the types too
      const types = atDeepest.filter((x) => x.keyword === 'type').map((x) => String((x.params as any).type));
      const values = (p.allowedValues as unknown[]).map(shown).join(', ');
      return `${field} is ${shown(value)}; accepted: ${[values, ...new Set(types)].join(' or ')}`;
    }
    case 'const':
      return `${field} is ${shown(value)}; accepted: ${shown(p.allowedValue)}`;
    case 'type': {
      // a oneOf of null/object etc.: say the alternatives
      const alts = errors
        .filter((x) => x.instancePath === e.instancePath && x.keyword === 'type')
        .flatMap((x) => String((x.params as any).type).split(','))
        .map((t) => (t === 'object' ? 'an object' : t));
      return `${field} is ${shown(value)}; accepted: ${[...new Set(alts)].join(' or ')}`;
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const s = (e.parentSchema as any) ?? schemaAt(e.instancePath, root) ?? {}; // a oneOf's branch when verbose
      const lo =
        s.minimum !== undefined ? `>= ${s.minimum}` : s.exclusiveMinimum !== undefined ? `> ${s.exclusiveMinimum}` : '';
      const hi =
        s.maximum !== undefined ? `<= ${s.maximum}` : s.exclusiveMaximum !== undefined ? `< ${s.exclusiveMaximum}` : '';
      return `${field} is ${shown(value)}; accepted: ${s.type === 'integer' ? 'an integer' : 'a number'} ${[lo, hi].filter(Boolean).join(' and ')}`;
    }
    case 'minItems':
    case 'maxItems':
      return `${field} is ${shown(value)}; accepted: an array of ${e.keyword === 'minItems' ? 'at least' : 'at most'} ${p.limit} items`;
    case 'minLength':
      return `${field} is ${shown(value)}; accepted: a non-empty string`;
    default:
      return `${field} is ${shown(value)}: ${e.message ?? 'invalid'}`;
  }
}

// A model's or a transform's options, checked against its registry row's schema inside a copy of the part of the
// recipe they sit in, so errors read `model.options.depth …` / `augment.1.options.p …`. Not filled with defaults:
// the constructors apply the same ones, and stored recipes stay as written.
const optionsAjv = new Ajv({ allErrors: true, useDefaults: false, strict: false, verbose: true });
const optionValidators = new WeakMap<object, { root: object; validate: ValidateFunction }>();

function optionsError(
  key: object,
  fields: object,
  wrap: (options: object) => object,
  data: (options: unknown) => unknown,
  options: unknown,
): string | undefined {
  let v = optionValidators.get(key);
  if (!v) {
    const root = wrap({ type: 'object', additionalProperties: false, properties: fields });
    v = { root, validate: optionsAjv.compile(root) };
    optionValidators.set(key, v);
  }
  const d = data(options);
  return v.validate(d) ? undefined : describe(v.validate.errors ?? [], d, v.root);
}

const object = (properties: object) => ({ type: 'object', properties });

/** `model.options` and each `augment` entry's options, checked against their rows; the message names the field. */
function checkRowOptions(r: Recipe): string | undefined {
  // a model name outside the registry is a model of the caller's (train's `model` option)
  if (modelRegistry.names().includes(r.model.name)) {
    const row = modelRegistry.get(r.model.name);
    const bad = optionsError(
      row,
      row.fields,
      (o) => object({ model: object({ options: o }) }),
      (o) => ({ model: { options: o } }),
      r.model.options,
    );
    if (bad) return bad;
  }
  for (const [i, t] of r.augment.entries()) {
    if (!transformRegistry.names().includes(t.name))
      return `augment[${i}].name: unknown transform '${t.name}'; accepted: ${transformRegistry.names().join(', ')}`;
    if (t.options === undefined) continue;
    const row = transformRegistry.get(t.name);
    const bad = optionsError(
      row,
      row.fields,
      (o) => object({ augment: { type: 'array', items: object({ options: o }) } }),
      (o) => ({ augment: Array.from({ length: i + 1 }, (_, j) => (j === i ? { options: o } : {})) }),
      t.options,
    );
    if (bad) return bad;
  }
  return undefined;
}

/** Checks the combinations the schema cannot express. */
function checkConsistency(r: Recipe): void {
  const err = (field: string, value: unknown, accepted: string): never => {
    throw new RecipeError(`recipe: ${field} is ${shown(value)}; accepted: ${accepted}`);
  };
  if (r.schedule.warmupEpochs >= r.training.epochs && r.schedule.warmupEpochs > 0)
    err('schedule.warmupEpochs', r.schedule.warmupEpochs, `less than training.epochs (${r.training.epochs})`);
  if (r.schedule.warmupEpochs > 0 && selfWarmingSchedules.includes(r.schedule.name))
    err(
      'schedule.warmupEpochs',
      r.schedule.warmupEpochs,
      `0 with schedule.name '${r.schedule.name}': its rising first phase is the warmup`,
    );
  if (r.schedule.minLr > r.optimizer.lr)
    err('schedule.minLr', r.schedule.minLr, `at most optimizer.lr (${r.optimizer.lr})`);
  const ms = r.schedule.milestones;
  for (let i = 1; i < ms.length; i++)
    if (!(ms[i] > ms[i - 1])) err('schedule.milestones', ms, 'strictly increasing epochs');
  if (r.schedule.name === 'multistep' && ms.length === 0)
    err('schedule.milestones', ms, 'at least one epoch for multistep');
  if (r.data.dataset !== 'fashion-mnist' && !r.data.dir)
    err('data.dir', r.data.dir, `a directory for dataset '${r.data.dataset}'`);
  if (r.data.testDir && r.data.dataset !== 'image-folder')
    err('data.testDir', r.data.testDir, "only with dataset 'image-folder'");
  if (typeof r.data.normalize === 'object' && r.data.normalize.mean.length !== r.data.normalize.std.length)
    err(
      'data.normalize.std',
      r.data.normalize.std,
      `as many values as data.normalize.mean (${r.data.normalize.mean.length})`,
    );
  // model selection never looks at the test set: early stopping needs a validation split
  if (r.regularization.earlyStopping && r.data.valSplit === 0)
    err(
      'regularization.earlyStopping',
      r.regularization.earlyStopping,
      'only with a validation split: set data.valSplit > 0',
    );
  const lookahead = r.regularization.lookahead;
  if (lookahead && lookahead.startEpoch >= r.training.epochs)
    err(
      'regularization.lookahead.startEpoch',
      lookahead.startEpoch,
      `less than training.epochs (${r.training.epochs})`,
    );
  if (r.optimizer.nesterov && (r.optimizer.name !== 'sgd' || r.optimizer.momentum === 0))
    err('optimizer.nesterov', true, "true only with optimizer.name 'sgd' and momentum > 0 (torch.optim.SGD rule)");
  r.optimizer.paramGroups.forEach((g, i) => {
    const problem = selectorProblem(g.params);
    if (problem !== undefined) err(`optimizer.paramGroups[${i}].params`, g.params, problem);
    if (g.frozen === true && (g.lrMultiplier !== undefined || g.weightDecay !== undefined))
      err(
        `optimizer.paramGroups[${i}].frozen`,
        true,
        'false or absent when the group sets lrMultiplier or weightDecay',
      );
  });
  if (r.distillation.teacher === '') err('distillation.teacher', '', 'a run directory or model.json path, or null');
}

/** The override that set `field` (or an object around it, or a field inside it), if one did. */
function overrideFor(field: string, overrides: readonly string[]): string | undefined {
  for (const o of [...overrides].reverse()) {
    const key = o.slice(0, Math.max(0, o.indexOf('='))).trim();
    if (key && (field === key || field.startsWith(key + '.') || key.startsWith(field + '.'))) return o;
  }
  return undefined;
}

/**
 * Validates a parsed recipe (filling defaults in a copy); throws RecipeError naming the field. When `overrides` made
 * the faulty field, the message names that `--set` instead of the file.
 */
export function resolveRecipe(raw: unknown, source = 'recipe', overrides: readonly string[] = []): Recipe {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new RecipeError(`${source}: a recipe must be a JSON object, got ${shown(raw)}`);
  const data = structuredClone(raw) as Record<string, unknown>;
  delete data.extends; // applied by readRecipeFile; a recipe object given directly may still carry it
  const blame = (field: string): string => {
    const o = overrideFor(field, overrides);
    return o ? `--set ${o}` : source;
  };
  const validate = validator();
  if (!validate(data)) {
    const errors = validate.errors ?? [];
    throw new RecipeError(`${blame(errorPath(mostSpecific(errors)))}: ${describe(errors, data)}`);
  }
  const r = data as unknown as Recipe;
  const badOption = checkRowOptions(r);
  if (badOption)
    throw new RecipeError(
      `${blame((/^(?:unknown field ')?([^\s';:]+)/.exec(badOption)?.[1] ?? '').replace(/\[(\d+)\]/g, '.$1'))}: ${badOption}`,
    );
  try {
    checkConsistency(r);
  } catch (e) {
    if (!(e instanceof RecipeError)) throw e;
    const field = /^recipe: (\S+) is /.exec(e.message)?.[1] ?? '';
    throw new RecipeError(e.message.replace(/^recipe:/, `${blame(field)}:`));
  }
  return r;
}

/** Parses `key=value`: value is JSON when it parses (numbers, booleans, null, arrays, objects), else a string. */
export function parseOverride(text: string): { path: string[]; value: unknown } {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new RecipeError(`--set ${shown(text)}: expected key=value, e.g. --set optimizer.lr=0.05`);
  const key = text.slice(0, eq).trim();
  const rawValue = text.slice(eq + 1);
  const path = key.split('.');
  if (path.some((p) => p === '' || p === '__proto__' || p === 'constructor' || p === 'prototype'))
    throw new RecipeError(
      `--set ${shown(text)}: bad key '${key}'; accepted: dotted field names such as training.epochs`,
    );
  let value: unknown = rawValue;
  try {
    value = JSON.parse(rawValue);
  } catch {
    /* a plain string */
  }
  // the schema says the field is a string (e.g. model.name=123): keep the text as typed
  const s = schemaAt('/' + path.join('/'));
  if (s?.type === 'string' && typeof value !== 'string') value = rawValue;
  return { path, value };
}

/**
 * Applies overrides (`a.b.c=value`) to a copy of a raw recipe. A number addresses an entry of a list
 * (`augment.1.options.n=3`); the entry must exist.
 */
export function applyOverrides(raw: unknown, overrides: readonly string[]): unknown {
  const out = structuredClone(raw) as Record<string, any>;
  for (const o of overrides) {
    const { path, value } = parseOverride(o);
    let node: any = out;
    for (let i = 0; i < path.length - 1; i++) {
      const k = path[i];
      if (Array.isArray(node)) {
        node = node[listIndex(o, path.slice(0, i + 1), node)];
        continue;
      }
      if (node[k] === undefined || node[k] === null) node[k] = {};
      if (typeof node[k] !== 'object')
        throw new RecipeError(`--set ${o}: ${path.slice(0, i + 1).join('.')} is not an object in the recipe`);
      node = node[k];
    }
    const last = path[path.length - 1];
    if (Array.isArray(node)) node[listIndex(o, path, node)] = value;
    else node[last] = value;
  }
  return out;
}

/** The list index that the last key of `path` names, checked against the list. */
function listIndex(override: string, path: string[], list: unknown[]): number {
  const key = path[path.length - 1];
  const i = Number(key);
  if (!/^\d+$/.test(key) || i >= list.length)
    throw new RecipeError(
      `--set ${override}: ${path.slice(0, -1).join('.')} is a list of ${list.length}; accepted: an index 0 to ${list.length - 1} after it, not '${key}'`,
    );
  return i;
}

/** Reads a recipe file (JSON or YAML, `extends` applied), applies the overrides and validates it. */
export function loadRecipe(file: string, overrides: readonly string[] = []): Recipe {
  return resolveRecipe(applyOverrides(readRecipeFile(file), overrides), file, overrides);
}
