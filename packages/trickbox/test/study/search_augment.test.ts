import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRecipe } from '../../src/train/recipe.js';
import { cli, recipesDir, tempDir, TINY } from './helpers.js';

test('search-augment: RandAugment grid + TrivialAugment on a proxy, the winner chosen on valTop1 written as best.json', () => {
  const out = join(tempDir(), 'search');
  const r = cli([
    'search-augment',
    join(recipesDir, 'fashion-quick.json'),
    '--out',
    out,
    ...TINY.flatMap((s) => ['--set', s]),
    '--proxy-subset',
    '800',
    '--proxy-epochs',
    '1',
    '--n',
    '1',
    '--m',
    '5,9',
    '--threads',
    '1',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const sj = JSON.parse(readFileSync(join(out, 'study.json'), 'utf8'));
  assert.deepEqual(Object.keys(sj.configs), ['none', 'randAugment-n1-m5', 'randAugment-n1-m9', 'trivialAugment']);
  // the choice is on the validation split, recomputed here from the trials' summaries
  const val = Object.fromEntries(
    Object.entries<any>(sj.configs).map(([c, cfg]) => [
      c,
      JSON.parse(readFileSync(join(out, cfg.trials[0].runDir, 'summary.json'), 'utf8')).final.valTop1,
    ]),
  );
  const best = Object.keys(val).reduce((a, b) => (val[b] > val[a] ? b : a));
  assert.match(r.stdout, new RegExp(`best: ${best} \\(mean valTop1 ${val[best].toFixed(4)}\\)`));
  const trial = JSON.parse(readFileSync(join(out, sj.configs.none.trials[0].runDir, 'recipe.json'), 'utf8'));
  assert.equal(trial.data.subset, 800); // the proxy task
  assert.equal(trial.data.valSplit, 0.1);
  assert.equal(trial.training.epochs, 1);
  const won = loadRecipe(join(out, 'best.json'));
  assert.equal(won.training.epochs, 2); // the recipe's own schedule, not the proxy's
  assert.equal(won.data.subset, 1000); // with the user's --set
  assert.equal(won.augment[0].name, 'randomHorizontalFlip');
  if (best !== 'none') assert.equal(won.augment[1].name, best.startsWith('rand') ? 'randAugment' : 'trivialAugment');
  else assert.equal(won.augment.length, 1);
});
