// A study's trials: every (config, seed), each with its resolved recipe (the study's recipe, the study's `set`,
// the config's overrides, then training.seed), resolved by the recipe functions every run uses.
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { loadRecipe, RecipeError, type Recipe } from '../train/recipe.js';
import type { StudyFile } from './study_file.js';

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
  /** Config name → its overrides, in order (named configs first, then the grid). */
  configs: Map<string, string[]>;
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

export function planStudy(study: StudyFile, studyFile: string): StudyPlan {
  const configs = new Map<string, string[]>(Object.entries(study.configs ?? {}));
  for (const [name, sets] of expandGrid(study.grid ?? {})) {
    if (configs.has(name)) throw new RecipeError(`${studyFile}: grid config '${name}' is also a named config`);
    if (name) configs.set(name, sets);
  }
  if (configs.size === 0) throw new RecipeError(`${studyFile}: configs and grid are empty; nothing to run`);
  const baseline = study.baseline ?? [...configs.keys()][0];
  if (!configs.has(baseline))
    throw new RecipeError(
      `${studyFile}: baseline '${baseline}' is not a config; accepted: ${[...configs.keys()].join(', ')}`,
    );
  const recipeFile = isAbsolute(study.recipe) ? study.recipe : resolve(dirname(studyFile), study.recipe);
  const trials: Trial[] = [];
  for (const [config, sets] of configs) {
    for (const seed of study.seeds) {
      let recipe: Recipe;
      try {
        recipe = loadRecipe(recipeFile, [...study.set, ...sets, `training.seed=${seed}`]);
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
