#!/usr/bin/env node
// Writes the files generated from the registries' rows: recipes/recipe.schema.json (the recipe schema the trainer
// validates with) and the field tables of docs/recipes.md. Run after `npm run build`: `node scripts/generate.mjs`,
// then `npx prettier --write recipes`; a test fails when a committed copy is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { recipeSchema } = await import(join(root, 'packages/trickbox/dist/src/train/recipe.js'));
const schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'trickbox training recipe',
  ...recipeSchema,
};
writeFileSync(join(root, 'recipes/recipe.schema.json'), JSON.stringify(schema, null, 2) + '\n');
const { withFieldTables } = await import(join(root, 'packages/trickbox/dist/src/train/recipe_docs.js'));
const docs = join(root, 'docs/recipes.md');
writeFileSync(docs, withFieldTables(readFileSync(docs, 'utf8')));
console.log('wrote recipes/recipe.schema.json and the field tables of docs/recipes.md');
