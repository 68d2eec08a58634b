// A study's trials: every (config, seed), each with its resolved recipe (the study's recipe, the study's `set`,
// the config's overrides, then training.seed), resolved by the recipe functions every run uses. A student config's
// recipe names its teacher trial's run directory in distillation.teacher, relative to the study directory.
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { loadRecipe, RecipeError, type Recipe } from '../train/recipe.js';
import type { ConfigTeacher, PlannedConfig, StudyFile } from './study_file.js';

export interface Trial {
  config: string;
  seed: number;
  /** Run directory relative to the study directory: trials/<config>/seed-<s>. */
  runDir: string;
  recipe: Recipe;
  /** A student's teacher trial: its run directory relative to the study directory (= recipe.distillation.teacher). */
  teacher?: string;
  /** A trial of a teacher config (never pruned; on a queue its model travels back with its results). */
  teaches?: true;
}

export interface StudyPlan {
  study: StudyFile;
  baseline: string;
  /** Config name → its recipe file (absolute), overrides and seeds, in order (named configs first, then the grid). */
  configs: Map<string, PlannedConfig>;
  /** Student config → its teacher config (and the teacher's seed, when one seed teaches every student). */
  teachers: Map<string, ConfigTeacher>;
  trials: Trial[];
}

const trialDir = (config: string, seed: number): string => join('trials', config, `seed-${seed}`);

const shownValue = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** The grid's combinations, first key slowest, each named `key=value,key=value`. */
export function expandGrid(grid: Record<string, unknown[]>): [string, string[]][] {
  let combos: string[][] = [[]];
  for (const [key, values] of Object.entries(grid))
    combos = combos.flatMap((c) => values.map((v) => [...c, `${key}=${shownValue(v)}`]));
  return combos.map((sets) => [sets.join(','), sets]);
}

/** A recipe path of a study file: relative to the study file. */
const fromStudyFile = (studyFile: string, p: string): string => (isAbsolute(p) ? p : resolve(dirname(studyFile), p));

export function planStudy(study: StudyFile, studyFile: string): StudyPlan {
  // parseStudy has checked that the study names a recipe wherever a config has none of its own
  const shared = study.recipe === undefined ? '' : fromStudyFile(studyFile, study.recipe);
  const configs = new Map<string, PlannedConfig>(
    Object.entries(study.configs ?? {}).map(([name, c]) => [
      name,
      Array.isArray(c)
        ? { recipe: shared, set: c, seeds: study.seeds }
        : {
            recipe: c.recipe === undefined ? shared : fromStudyFile(studyFile, c.recipe),
            set: c.set,
            seeds: c.seeds ?? study.seeds,
          },
    ]),
  );
  for (const [name, sets] of expandGrid(study.grid ?? {})) {
    if (configs.has(name)) throw new RecipeError(`${studyFile}: grid config '${name}' is also a named config`);
    if (name) configs.set(name, { recipe: shared, set: sets, seeds: study.seeds });
  }
  if (configs.size === 0) throw new RecipeError(`${studyFile}: configs and grid are empty; nothing to run`);
  const baseline = study.baseline ?? [...configs.keys()][0];
  if (!configs.has(baseline))
    throw new RecipeError(
      `${studyFile}: baseline '${baseline}' is not a config; accepted: ${[...configs.keys()].join(', ')}`,
    );
  const claimed = study.configs?.[baseline];
  if (claimed && !Array.isArray(claimed) && claimed.paper)
    throw new RecipeError(
      `${studyFile}: configs.${baseline}.paper: '${baseline}' is the baseline, which is not compared with anything; give the paper's direction on the configs compared with it`,
    );
  const teachers = checkTeachers(study, configs, studyFile);
  const teaching = new Set([...teachers.values()].map((t) => t.teacher));
  const trials: Trial[] = [];
  for (const [config, { recipe: recipeFile, set, seeds }] of configs) {
    const teacher = teachers.get(config);
    for (const seed of seeds) {
      let recipe: Recipe;
      try {
        recipe = loadRecipe(recipeFile, [...study.set, ...set, `training.seed=${seed}`]);
      } catch (e) {
        if (!(e instanceof RecipeError)) throw e;
        throw new RecipeError(`${studyFile}: config '${config}': ${e.message}`);
      }
      const teacherDir = teacher && trialDir(teacher.teacher, teacher.teacherSeed ?? seed);
      if (teacherDir) {
        if (recipe.distillation.teacher !== null)
          throw new RecipeError(
            `${studyFile}: config '${config}': its recipe already names distillation.teacher ${JSON.stringify(recipe.distillation.teacher)}; drop it or drop configs.${config}.teacher`,
          );
        recipe = { ...recipe, distillation: { ...recipe.distillation, teacher: teacherDir } };
      }
      if (study.prune && study.selectBy.startsWith('val') && recipe.data.valSplit === 0)
        throw new RecipeError(
          `${studyFile}: config '${config}': prune looks at selectBy '${study.selectBy}', which needs a validation split: add "data.valSplit=0.1" to set`,
        );
      trials.push({
        config,
        seed,
        runDir: trialDir(config, seed),
        recipe,
        ...(teacherDir && { teacher: teacherDir }),
        ...(teaching.has(config) && { teaches: true as const }),
      });
    }
  }
  return { study, baseline, configs, teachers, trials };
}

/**
 * The configs' teachers, checked: each one a config, not the student itself nor in a cycle, and a trial of it for
 * every student trial (the teacher's seed, or each of the student's seeds, among the teacher config's seeds).
 */
function checkTeachers(
  study: StudyFile,
  configs: Map<string, PlannedConfig>,
  studyFile: string,
): Map<string, ConfigTeacher> {
  const teachers = new Map<string, ConfigTeacher>();
  for (const [name, c] of Object.entries(study.configs ?? {})) {
    if (Array.isArray(c)) continue;
    const field = `configs.${name}`;
    if (c.teacher === undefined) {
      if (c.teacherSeed !== undefined)
        throw new RecipeError(`${studyFile}: ${field}.teacherSeed needs ${field}.teacher (the config that teaches)`);
      continue;
    }
    if (c.teacher === name)
      throw new RecipeError(`${studyFile}: ${field}.teacher is '${name}': a config cannot be its own teacher`);
    if (!configs.has(c.teacher))
      throw new RecipeError(
        `${studyFile}: ${field}.teacher '${c.teacher}' is not a config; accepted: ${[...configs.keys()].filter((k) => k !== name).join(', ')}`,
      );
    const taught = configs.get(c.teacher)!.seeds;
    if (c.teacherSeed !== undefined && !taught.includes(c.teacherSeed))
      throw new RecipeError(
        `${studyFile}: ${field}.teacherSeed is ${c.teacherSeed}; accepted: one of the seeds of '${c.teacher}' (${taught.join(', ')})`,
      );
    const untaught = configs.get(name)!.seeds.filter((s) => !taught.includes(s));
    if (c.teacherSeed === undefined && untaught.length)
      throw new RecipeError(
        `${studyFile}: ${field}.teacher '${c.teacher}' has no trial of seed ${untaught.join(', ')} (its seeds: ${taught.join(', ')}); give ${field}.teacherSeed or the same seeds`,
      );
    teachers.set(name, { teacher: c.teacher, ...(c.teacherSeed !== undefined && { teacherSeed: c.teacherSeed }) });
  }
  for (const start of teachers.keys()) {
    const chain = [start];
    for (let t = teachers.get(start)?.teacher; t !== undefined; t = teachers.get(t)?.teacher) {
      if (t === start)
        throw new RecipeError(
          `${studyFile}: configs.${start}.teacher: a cycle of teachers (${[...chain, t].join(' → ')})`,
        );
      chain.push(t);
    }
  }
  return teachers;
}

/**
 * The order trials are started in: teachers (a teacher of a teacher first), then students, then the other trials, each
 * group in the study's order. A student is taken once its teacher has finished; the others keep the workers busy.
 */
export function startOrder(plan: StudyPlan, trials: readonly Trial[]): Trial[] {
  const depth = new Map<string, number>();
  const teaching = new Set([...plan.teachers.values()].map((t) => t.teacher));
  // how far a teacher is from the configs that teach nobody: its students wait for it, so it goes first
  const height = (config: string): number => {
    if (depth.has(config)) return depth.get(config)!;
    const students = [...plan.teachers].filter(([, t]) => t.teacher === config).map(([s]) => s);
    const h = teaching.has(config) ? 1 + Math.max(0, ...students.map(height)) : 0;
    depth.set(config, h);
    return h;
  };
  const rank = (t: Trial): number => 2 * height(t.config) + (t.teacher ? 1 : 0);
  return [...trials].sort((a, b) => rank(b) - rank(a));
}

/** The study with every recipe path made absolute (the copy a study directory keeps). */
export function withAbsolutePaths(study: StudyFile, studyFile: string): StudyFile {
  const abs = (p: string): string => fromStudyFile(studyFile, p);
  return {
    ...study,
    ...(study.recipe === undefined ? {} : { recipe: abs(study.recipe) }),
    ...(study.configs && {
      configs: Object.fromEntries(
        Object.entries(study.configs).map(([n, c]) => [
          n,
          Array.isArray(c) || c.recipe === undefined ? c : { ...c, recipe: abs(c.recipe) },
        ]),
      ),
    }),
  };
}
