// Study files (docs/studies.md): a recipe, overrides for every trial, named configs and/or a grid, seeds, the
// baseline and the reported metric. Validated by ajv; every error names the study file and the field. A named config
// may bring a recipe of its own (`trickbox ablate` compares recipe files this way) and a distillation teacher: another
// config of the same study (docs/studies.md, "Distillation in a study").
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { RecipeError } from '../train/recipe.js';

/** Metrics of an epoch line / summary.json a study can report. */
export const METRICS = ['testTop1', 'testTop5', 'testLoss', 'valTop1', 'valTop5', 'valLoss'] as const;
export type Metric = (typeof METRICS)[number];

/** The direction a paper reports for a trick: `gain` moves the metric its better way (up for top-1, down for a loss). */
export interface PaperClaim {
  direction: 'gain' | 'loss';
  /** Where the paper says so, e.g. "Zhang et al. 2018, Table 1". */
  source: string;
}

/** A config as it runs: its recipe file and overrides. */
export interface ConfigRecipe {
  recipe: string;
  set: string[];
}

/** A config as it runs, with the seeds of its trials. */
export interface PlannedConfig extends ConfigRecipe {
  seeds: number[];
}

/** A config's teacher: another config of the study, the trial of `seed` (default: the student's own seed). */
export interface ConfigTeacher {
  teacher: string;
  teacherSeed?: number;
}

/**
 * The object form of a config: its own recipe (default: the study's), overrides, its own seeds (default: the study's;
 * e.g. five for the full recipe of a leave-one-out ablation and three for each row), a teacher, the paper's claim.
 */
export interface ConfigObject extends Partial<ConfigRecipe>, Partial<ConfigTeacher> {
  set: string[];
  seeds?: number[];
  paper?: PaperClaim;
}

const PAPER_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['direction', 'source'],
  properties: { direction: { enum: ['gain', 'loss'] }, source: { type: 'string', minLength: 1 } },
} as const;

const SEEDS_SCHEMA = { type: 'array', items: { type: 'integer', minimum: 0 }, minItems: 1, uniqueItems: true } as const;

const CONFIG_OBJECT_FIELDS = {
  recipe: { type: 'string', minLength: 1 },
  set: { type: 'array', items: { type: 'string' } },
  seeds: SEEDS_SCHEMA,
  teacher: { type: 'string', minLength: 1 },
  teacherSeed: { type: 'integer', minimum: 0 },
  paper: PAPER_SCHEMA,
} as const;

export interface StudyFile {
  name: string;
  /** Path of the recipe, relative to the study file; optional when every config names its own. */
  recipe?: string;
  /** `--set` overrides applied to every trial. */
  set: string[];
  seeds: number[];
  /** Name of the config the others are compared with; default: the first config. */
  baseline?: string;
  configs?: Record<string, string[] | ConfigObject>;
  /** `--set` path → values; expands to one config per combination. */
  grid?: Record<string, (number | string | boolean | null)[]>;
  metric: Metric;
  /** What anything that chooses (pruning, a search's winner) looks at; never a test metric. */
  selectBy: Metric;
  /** Median pruning (Optuna's MedianPruner) from epoch `afterEpochs` (default 3) on. */
  prune: { rule: 'median'; afterEpochs?: number } | null;
}

const NAME = '^[A-Za-z0-9][A-Za-z0-9._=,+-]*$';

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  anyOf: [{ required: ['configs'] }, { required: ['grid'] }],
  properties: {
    $schema: { type: 'string' },
    name: { type: 'string', pattern: NAME },
    description: { type: 'string' },
    recipe: { type: 'string', minLength: 1 },
    set: { type: 'array', items: { type: 'string' }, default: [] },
    seeds: { ...SEEDS_SCHEMA, default: [0] },
    baseline: { type: 'string' },
    configs: {
      type: 'object',
      propertyNames: { pattern: NAME },
      additionalProperties: {
        anyOf: [
          { type: 'array', items: { type: 'string' } },
          {
            type: 'object',
            additionalProperties: false,
            properties: CONFIG_OBJECT_FIELDS,
          },
        ],
      },
    },
    grid: {
      type: 'object',
      minProperties: 1,
      additionalProperties: {
        type: 'array',
        minItems: 1,
        items: { anyOf: [{ type: 'number' }, { type: 'string' }, { type: 'boolean' }, { type: 'null' }] },
      },
    },
    metric: { enum: METRICS, default: 'testTop1' },
    selectBy: { enum: METRICS, default: 'valTop1' },
    prune: {
      default: null,
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['rule'],
          properties: { rule: { const: 'median' }, afterEpochs: { type: 'integer', minimum: 1 } },
        },
      ],
    },
  },
} as const;

// verbose: errors carry the offending value (e.data) for the message
const validate = new Ajv({ useDefaults: true, verbose: true }).compile(schema);

const isPlainObject = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v);

const field = (e: ErrorObject): string => e.instancePath.slice(1).replace(/\//g, '.') || '(top level)';

function describe(e: ErrorObject): string {
  const p = e.params as Record<string, any>;
  switch (e.keyword) {
    case 'additionalProperties':
      return `unknown field '${e.instancePath ? `${field(e)}.` : ''}${p.additionalProperty}'; accepted: ${Object.keys((e.parentSchema as { properties: object }).properties).join(', ')}`;
    case 'required':
      return e.schemaPath.startsWith('#/anyOf')
        ? 'needs "configs" or "grid" (or both)'
        : `missing field '${e.instancePath ? `${field(e)}.` : ''}${p.missingProperty}'`;
    case 'propertyNames':
      return `config name '${p.propertyName}' is not accepted: letters, digits and . _ = , + - only`;
    case 'enum':
      return `${field(e)} is ${JSON.stringify(e.data)}; accepted: ${(p.allowedValues as string[]).join(', ')}`;
    default:
      return `${field(e)}${e.keyword === 'pattern' ? ` ${JSON.stringify(e.data)}` : ''} ${e.message}`;
  }
}

/** Validates a parsed study (defaults filled in a copy); throws RecipeError (exit code 2) naming the field. */
export function parseStudy(raw: unknown, source: string): StudyFile {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new RecipeError(`${source}: a study must be a JSON object`);
  const data = structuredClone(raw);
  if (!validate(data)) {
    const errors = validate.errors ?? [];
    // a config that is neither form: ajv's first error would name only one of them; an object is the object
    // form, so its own first error names the field inside it (configs.x.paper.direction)
    const config = errors.find((e) => e.keyword === 'anyOf' && e.instancePath.startsWith('/configs/'));
    const inObject =
      config && isPlainObject(config.data)
        ? errors.find((e) => e.schemaPath.includes('/anyOf/1/') && e.instancePath.startsWith(config.instancePath))
        : undefined;
    throw new RecipeError(
      `${source}: ${inObject ? describe(inObject) : config ? `${field(config)} must be a list of --set overrides or { "recipe": file, "set": [...], "seeds": [...], "teacher": config, "paper": {...} }` : describe(errors[0])}`,
    );
  }
  const s = data as unknown as StudyFile;
  for (const c of Object.values(s.configs ?? {})) if (!Array.isArray(c)) c.set ??= [];
  const shared = s.grid || Object.values(s.configs ?? {}).some((c) => Array.isArray(c) || c.recipe === undefined);
  if (s.recipe === undefined && shared)
    throw new RecipeError(
      `${source}: missing field 'recipe' (needed by the grid and by configs without a recipe of their own)`,
    );
  if (s.selectBy.startsWith('test'))
    throw new RecipeError(
      `${source}: selectBy is '${s.selectBy}'; choosing on the test set is refused — use valTop1, valTop5 or valLoss (with data.valSplit > 0)`,
    );
  return s;
}

export function loadStudyFile(file: string): StudyFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RecipeError(`${file}: cannot read study (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new RecipeError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return parseStudy(raw, file);
}
