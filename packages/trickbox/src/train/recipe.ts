// Training recipes: a JSON schema (validated by ajv, defaults filled in), `--set key=value` overrides, and
// errors that name the field, the value and what is accepted. The resolved recipe is what a run directory stores.
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';

/** A user error in a recipe or an override: the CLI prints the message alone and exits with code 2. */
export class RecipeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecipeError';
  }
}

export interface TransformSpec {
  name: string;
  options?: Record<string, unknown>;
}

export interface Recipe {
  name: string;
  description: string;
  data: {
    dataset: 'fashion-mnist' | 'cifar10' | 'cifar100' | 'image-folder';
    dir?: string;
    /** image-folder: a separate folder of test images; without it the test set is the validation split. */
    testDir?: string;
    /** Fraction of the training set held out for validation (seeded, stratified). */
    valSplit: number;
    /** Use only this many training samples (seeded); 0 = all. */
    subset: number;
    /** Use only this many test samples (seeded); 0 = all. */
    testSubset: number;
    /** image-folder decode size and channels. */
    height: number;
    width: number;
    channels: 1 | 3;
    skipBadImages: boolean;
    /** Augmentation worker threads (0 = on the training thread). */
    workers: number;
    /** 'dataset': per-channel mean/std of the training set; or explicit values on the [0, 1] scale. */
    normalize: 'dataset' | { mean: number[]; std: number[] };
  };
  model: { name: string; options: Record<string, unknown> };
  training: {
    epochs: number;
    batchSize: number;
    seed: number;
    evalBatchSize: number;
    logEvery: number;
    onNaN: 'stop' | 'skip';
  };
  optimizer: {
    name: 'sgd' | 'adam' | 'adamw' | 'adabound' | 'amsbound';
    lr: number;
    momentum: number;
    nesterov: boolean;
    weightDecay: number;
    noBiasDecay: boolean;
    betas: [number, number];
    eps: number;
    finalLr: number;
    gamma: number;
    /** Linear scaling rule (Goyal et al. 2017 §2.1): lr · batchSize / referenceBatch when set; 0 = off. */
    linearScalingReference: number;
  };
  schedule: {
    name: 'constant' | 'cosine' | 'step' | 'multistep' | 'exponential';
    /** Warmup length in epochs, converted to iterations once (ceil(epochs · iterations per epoch)). */
    warmupEpochs: number;
    warmupInit: number;
    warmupMode: 'linear' | 'constant';
    minLr: number;
    /** step: decay every stepEpochs; multistep: milestones in epochs; both converted to iterations. */
    stepEpochs: number;
    milestones: number[];
    gamma: number;
  };
  loss: { labelSmoothing: number };
  mixing: { name: 'none' | 'mixup' | 'cutmix' | 'ricap'; alpha: number; beta: number; prob: number };
  augment: TransformSpec[];
  distillation: { teacher: string | null; temperature: number; alpha: number };
  regularization: {
    ema: { decay: number } | null;
    earlyStopping: { patience: number; minDelta: number; metric: 'valAccuracy' | 'valLoss' } | null;
  };
  evaluation: { flipTta: boolean };
}

const num = (extra: object = {}) => ({ type: 'number', ...extra });
const int = (extra: object = {}) => ({ type: 'integer', ...extra });

/** JSON schema (draft-07) of a recipe; every default states its source in docs/recipes.md. */
export const recipeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['data', 'model'],
  properties: {
    $schema: { type: 'string' },
    name: { type: 'string', default: 'recipe' },
    description: { type: 'string', default: '' },
    data: {
      type: 'object',
      additionalProperties: false,
      required: ['dataset'],
      properties: {
        dataset: { enum: ['fashion-mnist', 'cifar10', 'cifar100', 'image-folder'] },
        dir: { type: 'string', minLength: 1 },
        testDir: { type: 'string', minLength: 1 },
        valSplit: num({ minimum: 0, exclusiveMaximum: 1, default: 0 }),
        subset: int({ minimum: 0, default: 0 }),
        testSubset: int({ minimum: 0, default: 0 }),
        height: int({ minimum: 1, maximum: 4096, default: 32 }),
        width: int({ minimum: 1, maximum: 4096, default: 32 }),
        channels: { enum: [1, 3], default: 3 },
        skipBadImages: { type: 'boolean', default: false },
        workers: int({ minimum: 0, maximum: 64, default: 1 }),
        normalize: {
          default: 'dataset',
          oneOf: [
            { const: 'dataset' },
            {
              type: 'object',
              additionalProperties: false,
              required: ['mean', 'std'],
              properties: {
                mean: { type: 'array', items: num(), minItems: 1, maxItems: 3 },
                std: { type: 'array', items: num({ exclusiveMinimum: 0 }), minItems: 1, maxItems: 3 },
              },
            },
          ],
        },
      },
    },
    model: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: { name: { type: 'string', minLength: 1 }, options: { type: 'object', default: {} } },
    },
    training: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        epochs: int({ minimum: 1, maximum: 100000, default: 10 }),
        batchSize: int({ minimum: 1, maximum: 65536, default: 128 }),
        seed: int({ minimum: 0, maximum: 2 ** 53 - 1, default: 0 }),
        evalBatchSize: int({ minimum: 1, maximum: 65536, default: 500 }),
        logEvery: int({ minimum: 1, default: 50 }),
        onNaN: { enum: ['stop', 'skip'], default: 'stop' },
      },
    },
    optimizer: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        name: { enum: ['sgd', 'adam', 'adamw', 'adabound', 'amsbound'], default: 'sgd' },
        lr: num({ exclusiveMinimum: 0, maximum: 100, default: 0.1 }),
        momentum: num({ minimum: 0, exclusiveMaximum: 1, default: 0.9 }),
        nesterov: { type: 'boolean', default: false },
        weightDecay: num({ minimum: 0, maximum: 1, default: 0 }),
        noBiasDecay: { type: 'boolean', default: false },
        betas: {
          type: 'array',
          items: num({ minimum: 0, exclusiveMaximum: 1 }),
          minItems: 2,
          maxItems: 2,
          default: [0.9, 0.999],
        },
        eps: num({ exclusiveMinimum: 0, maximum: 1, default: 1e-8 }),
        finalLr: num({ exclusiveMinimum: 0, default: 0.1 }),
        gamma: num({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 1e-3 }),
        linearScalingReference: int({ minimum: 0, default: 0 }),
      },
    },
    schedule: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        name: { enum: ['constant', 'cosine', 'step', 'multistep', 'exponential'], default: 'cosine' },
        warmupEpochs: num({ minimum: 0, default: 0 }),
        warmupInit: num({ minimum: 0, default: 0 }),
        warmupMode: { enum: ['linear', 'constant'], default: 'linear' },
        minLr: num({ minimum: 0, default: 0 }),
        stepEpochs: num({ exclusiveMinimum: 0, default: 30 }),
        milestones: { type: 'array', items: num({ exclusiveMinimum: 0 }), default: [] },
        gamma: num({ exclusiveMinimum: 0, maximum: 1, default: 0.1 }),
      },
    },
    loss: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { labelSmoothing: num({ minimum: 0, exclusiveMaximum: 1, default: 0 }) },
    },
    mixing: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        name: { enum: ['none', 'mixup', 'cutmix', 'ricap'], default: 'none' },
        alpha: num({ exclusiveMinimum: 0, default: 1 }),
        beta: num({ exclusiveMinimum: 0, default: 0.3 }),
        prob: num({ minimum: 0, maximum: 1, default: 1 }),
      },
    },
    augment: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: { name: { type: 'string', minLength: 1 }, options: { type: 'object' } },
      },
    },
    distillation: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        teacher: { type: ['string', 'null'], default: null },
        temperature: num({ exclusiveMinimum: 0, default: 1 }),
        alpha: num({ minimum: 0, maximum: 1, default: 0.5 }),
      },
    },
    regularization: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        ema: {
          default: null,
          oneOf: [
            { type: 'null' },
            {
              type: 'object',
              additionalProperties: false,
              properties: { decay: num({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.999 }) },
            },
          ],
        },
        earlyStopping: {
          default: null,
          oneOf: [
            { type: 'null' },
            {
              type: 'object',
              additionalProperties: false,
              properties: {
                patience: int({ minimum: 1, default: 5 }),
                minDelta: num({ minimum: 0, default: 0 }),
                metric: { enum: ['valAccuracy', 'valLoss'], default: 'valAccuracy' },
              },
            },
          ],
        },
      },
    },
    evaluation: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { flipTta: { type: 'boolean', default: false } },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
const validate = ajv.compile(recipeSchema);

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
function schemaAt(path: string): any {
  // a `oneOf` (null | object, 'dataset' | object) is entered through its object branch
  const objectBranch = (n: any): any => n?.oneOf?.find((b: any) => b.type === 'object') ?? n;
  let s: any = recipeSchema;
  for (const k of path.split('/').filter(Boolean)) {
    s = objectBranch(s);
    if (s?.properties?.[k]) s = s.properties[k];
    else if (s?.items) s = s.items;
    else return undefined;
  }
  return objectBranch(s);
}

/** One readable sentence for the most specific ajv error. */
function describe(errors: ErrorObject[], data: unknown): string {
  // The deepest error is the most specific (a oneOf of null | object reports both branches); skip umbrella errors.
  const real = errors.filter((x) => x.keyword !== 'oneOf' && x.keyword !== 'if');
  const depth = (x: ErrorObject): number => x.instancePath.split('/').length;
  const deepest = Math.max(...real.map(depth));
  const atDeepest = real.filter((x) => depth(x) === deepest);
  const e = atDeepest.find((x) => x.keyword !== 'type' && x.keyword !== 'const') ?? atDeepest[0] ?? errors[0];
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
      const accepted = Object.keys(schemaAt(e.instancePath)?.properties ?? {}).join(', ');
      const where = e.instancePath ? `${field}.${p.additionalProperty}` : p.additionalProperty;
      return `unknown field '${where}'; accepted fields${e.instancePath ? ` of ${field}` : ''}: ${accepted}`;
    }
    case 'required':
      return `missing field '${e.instancePath ? `${field}.` : ''}${p.missingProperty}'`;
    case 'enum':
      return `${field} is ${shown(value)}; accepted: ${(p.allowedValues as unknown[]).map(shown).join(', ')}`;
    case 'const':
      return `${field} is ${shown(value)}; accepted: ${shown(p.allowedValue)}`;
    case 'type': {
      // a oneOf of null/object etc.: say the alternatives
      const alts = errors
        .filter((x) => x.instancePath === e.instancePath && x.keyword === 'type')
        .map((x) => (x.params as any).type);
      return `${field} is ${shown(value)}; accepted: ${[...new Set(alts)].join(' or ')}`;
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const s = schemaAt(e.instancePath) ?? {};
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

/** Checks the combinations the schema cannot express. */
function checkConsistency(r: Recipe): void {
  const err = (field: string, value: unknown, accepted: string): never => {
    throw new RecipeError(`recipe: ${field} is ${shown(value)}; accepted: ${accepted}`);
  };
  if (r.schedule.warmupEpochs >= r.training.epochs && r.schedule.warmupEpochs > 0)
    err('schedule.warmupEpochs', r.schedule.warmupEpochs, `less than training.epochs (${r.training.epochs})`);
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
  if (r.regularization.earlyStopping && r.data.valSplit === 0 && r.data.dataset === 'image-folder' && !r.data.testDir)
    err('regularization.earlyStopping', r.regularization.earlyStopping, 'a validation set: set data.valSplit > 0');
  if (r.optimizer.nesterov && (r.optimizer.name !== 'sgd' || r.optimizer.momentum === 0))
    err('optimizer.nesterov', true, "true only with optimizer.name 'sgd' and momentum > 0 (torch.optim.SGD rule)");
  if (r.distillation.teacher === '') err('distillation.teacher', '', 'a run directory or model.json path, or null');
}

/** Validates a parsed recipe (filling defaults in a copy); throws RecipeError naming the field. */
export function resolveRecipe(raw: unknown, source = 'recipe'): Recipe {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new RecipeError(`${source}: a recipe must be a JSON object, got ${shown(raw)}`);
  const data = structuredClone(raw);
  if (!validate(data)) throw new RecipeError(`${source}: ${describe(validate.errors ?? [], data)}`);
  const r = data as unknown as Recipe;
  try {
    checkConsistency(r);
  } catch (e) {
    if (e instanceof RecipeError) throw new RecipeError(e.message.replace(/^recipe:/, `${source}:`));
    throw e;
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

/** Applies overrides (`a.b.c=value`) to a copy of a raw recipe. */
export function applyOverrides(raw: unknown, overrides: readonly string[]): unknown {
  const out = structuredClone(raw) as Record<string, any>;
  for (const o of overrides) {
    const { path, value } = parseOverride(o);
    let node: any = out;
    path.forEach((k, depth) => {
      // a list is entered by index (augment.1.options.n), never extended
      if (Array.isArray(node) && !(/^\d+$/.test(k) && Number(k) < node.length))
        throw new RecipeError(
          `--set ${o}: ${path.slice(0, depth).join('.')} is a list of ${node.length}; expected an index 0..${node.length - 1}, got '${k}'`,
        );
      if (depth === path.length - 1) {
        node[k] = value;
        return;
      }
      if (node[k] === undefined || node[k] === null) node[k] = {};
      if (typeof node[k] !== 'object') throw new RecipeError(`--set ${o}: ${k} is not an object in the recipe`);
      node = node[k];
    });
  }
  return out;
}

/** Reads, overrides and validates a recipe file. */
export function loadRecipe(file: string, overrides: readonly string[] = []): Recipe {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RecipeError(`${file}: cannot read recipe (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new RecipeError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return resolveRecipe(applyOverrides(raw, overrides), file);
}
