// A study's trials: every (config, seed), each with its resolved recipe (the study's recipe, the study's `set`,
// the config's overrides, then training.seed), resolved by the recipe functions every run uses.
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { loadRecipe, RecipeError, type Recipe } from '../train/recipe.js';
import type { StudyFile } from './study_file.js';

/** A config as it runs: its recipe file (absolute) and overrides. */
export interface ResolvedConfig {
  recipe: string;
  set: string[];
}

export interface Trial {
  config: string;
  seed: number;
  /** Run directory relative to the study directory: trials/<config>/seed-<s>. */
  runDir: string;
  recipe: Recipe;
}

export interface StudyPlan {
  study: StudyFile;
  baseline: string;
  /** Config name → its recipe file (absolute) and overrides, in order (named configs first, then the grid). */
  configs: Map<string, ResolvedConfig>;
  trials: Trial[];
}

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
  const configs = new Map<string, ResolvedConfig>(
    Object.entries(study.configs ?? {}).map(([name, c]) => [
      name,
      Array.isArray(c)
        ? { recipe: shared, set: c }
        : { recipe: c.recipe === undefined ? shared : fromStudyFile(studyFile, c.recipe), set: c.set },
    ]),
  );
  for (const [name, sets] of expandGrid(study.grid ?? {})) {
    if (configs.has(name)) throw new RecipeError(`${studyFile}: grid config '${name}' is also a named config`);
    if (name) configs.set(name, { recipe: shared, set: sets });
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
  const trials: Trial[] = [];
  for (const [config, { recipe: recipeFile, set }] of configs) {
    for (const seed of study.seeds) {
      let recipe: Recipe;
      try {
        recipe = loadRecipe(recipeFile, [...study.set, ...set, `training.seed=${seed}`]);
      } catch (e) {
        if (!(e instanceof RecipeError)) throw e;
        throw new RecipeError(`${studyFile}: config '${config}': ${e.message}`);
      }
      if (study.prune && study.selectBy.startsWith('val') && recipe.data.valSplit === 0)
        throw new RecipeError(
          `${studyFile}: config '${config}': prune looks at selectBy '${study.selectBy}', which needs a validation split: add "data.valSplit=0.1" to set`,
        );
      trials.push({ config, seed, runDir: join('trials', config, `seed-${seed}`), recipe });
    }
  }
  return { study, baseline, configs, trials };
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
