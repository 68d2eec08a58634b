// A run directory's recipe.json: the resolved recipe the trainer ran, with the iteration counts it derived from it
// (`resolvedSchedule`, read by the reports) beside it. One writer and one reader for everything that stores or
// reads a run's recipe back (resume, eval, ablate, studies).
import { readRecipeFile } from './recipe_file.js';
import { applyOverrides, resolveRecipe, RecipeError, type Recipe } from './recipe.js';

/** The text of recipe.json for a run of `recipe` whose schedule has the iteration counts `resolvedSchedule`. */
export function runRecipeJson(recipe: Recipe, resolvedSchedule: object): string {
  return JSON.stringify({ ...recipe, resolvedSchedule }, null, 2) + '\n';
}

/**
 * The recipe part of a stored recipe.json, `resolvedSchedule` dropped (a recipe file that is not a run's reads the
 * same way). Errors are RecipeErrors naming the file: `cannot read recipe (ENOENT)`, `not valid JSON at line …`.
 */
export function readRunRecipe(file: string): Record<string, unknown> {
  const raw = readRecipeFile(file);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new RecipeError(`${file}: a recipe must be a JSON object, got ${JSON.stringify(raw)}`);
  const { resolvedSchedule: _derived, ...recipe } = raw as Record<string, unknown>;
  return recipe;
}

/** A stored recipe.json validated again (defaults filled in), with `--set` overrides applied first. */
export function loadRunRecipe(file: string, overrides: readonly string[] = []): Recipe {
  return resolveRecipe(applyOverrides(readRunRecipe(file), overrides), file, overrides);
}
