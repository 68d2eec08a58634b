// Recipe files: extends chains, YAML, syntax errors with line and column, --set with list indices, and errors that
// name the --set that caused them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { packageRoot } from '../helpers/paths.js';
import { applyOverrides, loadRecipe, mergeRecipes } from '../../src/train/index.js';

const dir = mkdtempSync(join(tmpdir(), 'trickbox-recipe-'));
const write = (name: string, body: unknown): string => {
  const file = join(dir, name);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body, null, 2));
  return file;
};
const base = { name: 'base', data: { dataset: 'fashion-mnist', subset: 100 }, model: { name: 'simpleCnn' } };

test('extends: objects merged, arrays replaced, chains relative to each file, the key removed', () => {
  write('base.json', { ...base, augment: [{ name: 'randomHorizontalFlip' }], optimizer: { lr: 0.2, momentum: 0.8 } });
  write('sub/mid.json', { extends: '../base.json', optimizer: { lr: 0.05 }, training: { epochs: 3 } });
  const leaf = write('sub/leaf.json', { extends: './mid.json', name: 'leaf', augment: [{ name: 'cutout' }] });
  const r = loadRecipe(leaf);
  assert.equal(r.name, 'leaf');
  assert.equal(r.optimizer.lr, 0.05);
  assert.equal(r.optimizer.momentum, 0.8); // merged from the base
  assert.equal(r.training.epochs, 3);
  assert.equal(r.data.subset, 100);
  assert.deepEqual(r.augment, [{ name: 'cutout' }]); // replaced, not concatenated
  assert.ok(!('extends' in r));
  assert.deepEqual(mergeRecipes({ a: { b: 1, c: [1, 2] } }, { a: { c: [3] } }), { a: { b: 1, c: [3] } });
});

test('extends: a cycle is refused with the chain; a missing parent names both files', () => {
  write('a.json', { extends: 'b.json', ...base });
  write('b.json', { extends: 'a.json' });
  assert.throws(() => loadRecipe(join(dir, 'a.json')), /extends forms a cycle: .*a\.json -> .*b\.json -> .*a\.json/);
  const orphan = write('orphan.json', { extends: 'nope.json' });
  assert.throws(() => loadRecipe(orphan), /nope\.json: cannot read recipe \(ENOENT\) \(extended by .*orphan\.json\)/);
  assert.throws(
    () => loadRecipe(write('bad-ext.json', { extends: 3 })),
    /extends is 3; accepted: the path of a recipe/,
  );
});

test('YAML recipes; syntax errors give line and column', () => {
  const y = write(
    'r.yaml',
    'name: y\ndata:\n  dataset: fashion-mnist\nmodel:\n  name: simpleCnn\ntraining:\n  epochs: 4\n',
  );
  assert.equal(loadRecipe(y).training.epochs, 4);
  const badYaml = write('bad.yml', 'name: y\ndata: [unclosed\n');
  assert.throws(() => loadRecipe(badYaml), /bad\.yml: not valid YAML \(.*line/);
  const badJson = write('bad.json', '{\n  "name": "x",\n  "data": { "dataset": "fashion-mnist" }\n  "model": {}\n}');
  assert.throws(() => loadRecipe(badJson), /bad\.json: not valid JSON at line 4, column 3 \(/);
});

test('--set: list indices address entries; errors name the --set, not the file', () => {
  const file = write('list.json', {
    ...base,
    augment: [{ name: 'randomHorizontalFlip' }, { name: 'randAugment', options: { n: 2 } }],
  });
  const r = loadRecipe(file, ['augment.1.options.n=3', 'augment.0.name=randomCrop']);
  assert.deepEqual(r.augment[1], { name: 'randAugment', options: { n: 3 } });
  assert.equal(r.augment[0].name, 'randomCrop');
  assert.throws(() => applyOverrides(base, ['model.name.x=1']), /--set model\.name\.x=1: model\.name is not an object/);
  assert.throws(
    () => loadRecipe(file, ['augment.5.name=cutout']),
    /--set augment\.5\.name=cutout: augment is a list of 2; accepted: an index 0 to 1 after it, not '5'/,
  );
  assert.throws(
    () => loadRecipe(file, ['optimizer.lrr=0.1']),
    /^RecipeError: --set optimizer\.lrr=0\.1: unknown field 'optimizer\.lrr'/,
  );
  assert.throws(
    () => loadRecipe(file, ['optimizer.lr=-1']),
    /^RecipeError: --set optimizer\.lr=-1: optimizer\.lr is -1/,
  );
  // a fault of the file itself still names the file
  const broken = write('broken.json', { ...base, optimizer: { lr: -1 } });
  assert.throws(
    () => loadRecipe(broken, ['training.epochs=2']),
    new RegExp(`${broken.replace(/[.]/g, '\\.')}: optimizer\\.lr is -1`),
  );
});

test('the per-trick recipes are small files that extend their baseline', () => {
  const recipes = join(packageRoot, '..', '..', 'recipes');
  const tricks = readdirSync(recipes).filter((f) => /^(fashion|cifar10)-resnet20-(?!baseline)/.test(f));
  assert.ok(tricks.length >= 50, `${tricks.length}`);
  for (const f of tricks) {
    const raw = JSON.parse(readFileSync(join(recipes, f), 'utf8'));
    assert.match(raw.extends ?? '', /-resnet20-baseline\.json$/, f);
    const r = loadRecipe(join(recipes, f));
    assert.equal(r.name, f.replace(/\.json$/, ''));
  }
});

test("a run's recipe.json reads back through one reader: resolvedSchedule dropped, overrides applied, errors name the file", async () => {
  const { loadRunRecipe, readRunRecipe } = await import('../../src/train/index.js');
  const { runRecipeJson } = await import('../../src/train/run_recipe.js');
  const { storedRecipe } = await import('../../src/study/run_dir.js');
  const recipe = loadRecipe(write('stored-src.json', base));
  const runDir = join(dir, 'run');
  mkdirSync(runDir, { recursive: true });
  const file = join(runDir, 'recipe.json');
  writeFileSync(file, runRecipeJson(recipe, { stepsPerEpoch: 3, totalSteps: 30 }));
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).resolvedSchedule.totalSteps, 30);
  assert.deepEqual(readRunRecipe(file), recipe);
  assert.deepEqual(storedRecipe(runDir), recipe);
  assert.equal(storedRecipe(join(dir, 'no-run')), undefined);
  assert.deepEqual(loadRunRecipe(file), recipe);
  assert.equal(loadRunRecipe(file, ['optimizer.lr=0.05']).optimizer.lr, 0.05);
  assert.throws(
    () => loadRunRecipe(file, ['optimizer.lr=-1']),
    /^RecipeError: --set optimizer\.lr=-1: optimizer\.lr is -1/,
  );
  const corrupt = write('corrupt/recipe.json', '{"name": ');
  assert.throws(() => readRunRecipe(corrupt), /corrupt\/recipe\.json: not valid JSON/);
  assert.throws(() => storedRecipe(dirname(corrupt)), /corrupt\/recipe\.json: not valid JSON/);
  assert.throws(
    () => readRunRecipe(join(dir, 'gone', 'recipe.json')),
    /gone\/recipe\.json: cannot read recipe \(ENOENT\)/,
  );
  assert.throws(
    () => readRunRecipe(write('list/recipe.json', '[1]')),
    /list\/recipe\.json: a recipe must be a JSON object, got \[1\]/,
  );
});
