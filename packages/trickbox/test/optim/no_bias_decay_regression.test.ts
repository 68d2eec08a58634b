// `optimizer.noBiasDecay` gives the same weights, bit for bit, as before it became a parameter group.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fixturePath } from '../helpers/paths.js';
import { recipeWeightDigests, regressionCases } from './recipe_weights.js';

const recorded = JSON.parse(readFileSync(fixturePath('param_groups', 'recipe_weights.json'), 'utf8'));

for (const [name, extra] of Object.entries(regressionCases)) {
  test(`${name}: the saved weights equal those recorded before parameter groups`, async () => {
    assert.deepEqual(await recipeWeightDigests(extra), recorded[name]);
  });
}
