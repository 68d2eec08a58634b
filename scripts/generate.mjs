#!/usr/bin/env node
// Writes the files generated from the code: recipes/recipe.schema.json (the recipe schema the trainer validates
// with). Run after `npm run build`: `node scripts/generate.mjs`; a test fails when a committed copy is stale.
import { writeFileSync } from 'node:fs';
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
console.log('wrote recipes/recipe.schema.json');
