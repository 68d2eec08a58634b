import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../helpers/paths.js';
import {
  RecipeError,
  applyOverrides,
  loadRecipe,
  recipeSchema,
  resolveRecipe,
  buildSchedule,
  scheduleSteps,
  baseLr,
} from '../../src/train/index.js';

const recipesDir = join(packageRoot, '..', '..', 'recipes');
const minimal = { data: { dataset: 'fashion-mnist' }, model: { name: 'simpleCnn' } };

test('every committed recipe validates, and recipe.schema.json is the schema the code uses', () => {
  const files = readdirSync(recipesDir).filter((f) => f.endsWith('.json') && f !== 'recipe.schema.json');
  assert.ok(files.length >= 60, `${files.length} recipes`);
  for (const f of files) {
    const r = loadRecipe(join(recipesDir, f));
    assert.equal(r.name, f.replace(/\.json$/, ''), f);
  }
  const onDisk = JSON.parse(readFileSync(join(recipesDir, 'recipe.schema.json'), 'utf8'));
  const { $schema: _a, title: _b, ...rest } = onDisk;
  assert.deepEqual(rest, JSON.parse(JSON.stringify(recipeSchema)));
});

test('defaults are filled in', () => {
  const r = resolveRecipe(minimal);
  assert.equal(r.training.epochs, 10);
  assert.equal(r.training.batchSize, 128);
  assert.equal(r.optimizer.name, 'sgd');
  assert.equal(r.schedule.name, 'cosine');
  assert.equal(r.loss.labelSmoothing, 0);
  assert.equal(r.mixing.name, 'none');
  assert.equal(r.regularization.ema, null);
  assert.deepEqual(r.augment, []);
});

/** Every path of the schema that declares a default, and the nullable objects on the way (entered as `{}`). */
function defaultsOf(node: any, path: string[] = []): Array<{ path: string[]; value: unknown }> {
  const out: Array<{ path: string[]; value: unknown }> = [];
  for (const [key, child] of Object.entries<any>(node.properties ?? {})) {
    const here = [...path, key];
    const leaf = child.default !== undefined && child.default !== null && !(child.type === 'object');
    if (leaf) out.push({ path: here, value: child.default });
    if (child.properties) out.push(...defaultsOf(child, here));
  }
  return out;
}

test('every default the schema declares reaches the resolved recipe, inside optional objects too', () => {
  // Optional objects are given as {} (present, nothing set): `"ema": {}` must mean EMA with its default decay.
  const nullable = Object.entries<any>(recipeSchema.properties.regularization.properties)
    .filter(([, s]) => Array.isArray(s.type) && s.type.includes('null'))
    .map(([k]) => k);
  assert.deepEqual(nullable.sort(), ['earlyStopping', 'ema', 'lookahead']);
  // (early stopping needs a validation split: the one field set explicitly)
  const r: any = resolveRecipe({
    ...minimal,
    data: { ...minimal.data, valSplit: 0.1 },
    regularization: Object.fromEntries(nullable.map((k) => [k, {}])),
  });
  const checked = defaultsOf(recipeSchema).filter(({ path }) => path.join('.') !== 'data.valSplit');
  assert.ok(checked.length >= 40, `${checked.length} defaults`);
  for (const { path, value } of checked) {
    const got = path.reduce((v, k) => v?.[k], r);
    assert.deepEqual(
      got,
      value,
      `${path.join('.')}: resolved ${JSON.stringify(got)}, schema default ${JSON.stringify(value)}`,
    );
  }
  assert.equal(r.regularization.ema.decay, 0.999);
  assert.equal(r.regularization.earlyStopping.minDelta, 0);
});

test('--set overrides coerce types and create sections', () => {
  const raw = applyOverrides(minimal, [
    'optimizer.lr=0.05',
    'training.epochs=3',
    'optimizer.nesterov=true',
    'mixing.name=mixup',
    'schedule.milestones=[2,4]',
    'model.name=123',
    'regularization.ema={"decay":0.99}',
  ]);
  const r = resolveRecipe(raw);
  assert.equal(r.optimizer.lr, 0.05);
  assert.equal(r.training.epochs, 3);
  assert.equal(r.optimizer.nesterov, true);
  assert.equal(r.mixing.name, 'mixup');
  assert.deepEqual(r.schedule.milestones, [2, 4]);
  assert.equal(r.model.name, '123'); // a string field keeps the text
  assert.deepEqual(r.regularization.ema, { decay: 0.99 });
});

test('schedule epochs are converted to iterations once; linear scaling rule', () => {
  const r = resolveRecipe({
    ...minimal,
    training: { epochs: 4, batchSize: 512 },
    optimizer: { lr: 0.1, linearScalingReference: 256 },
    schedule: { name: 'multistep', warmupEpochs: 0.5, milestones: [2, 3] },
  });
  assert.deepEqual(scheduleSteps(r, 100), {
    stepsPerEpoch: 100,
    totalSteps: 400,
    warmupSteps: 50,
    stepSize: 3000,
    milestones: [200, 300],
  });
  assert.equal(baseLr(r), 0.2);
  const { schedule } = buildSchedule(r, 100);
  assert.equal(schedule(0), 0); // linear warmup from warmupInit 0
  assert.ok(Math.abs(schedule(100) - 0.2) < 1e-12);
  assert.ok(Math.abs(schedule(250) - 0.02) < 1e-12);
});

// [overrides on a valid recipe, expected message]
const BAD: [string[], RegExp][] = [
  [['color=red'], /unknown field 'color'; accepted fields: \$schema, extends, name, description, data, model/],
  [
    ['data.dataset=mnist'],
    /data\.dataset is "mnist"; accepted: "fashion-mnist", "cifar10", "cifar100", "image-folder"/,
  ],
  [['data.valSplit=1'], /data\.valSplit is 1; accepted: a number >= 0 and < 1/],
  [['data.valSplit=-0.1'], /data\.valSplit is -0\.1; accepted: a number >= 0 and < 1/],
  [['data.subset=2.5'], /data\.subset is 2\.5; accepted: integer/],
  [['data.channels=2'], /data\.channels is 2; accepted: 1, 3/],
  [['data.workers=-1'], /data\.workers is -1; accepted: an integer >= 0 and <= 64/],
  [['data.extra=1'], /unknown field 'data\.extra'; accepted fields of data: dataset, dir/],
  [['data.skipBadImages="yes"'], /data\.skipBadImages is "yes"; accepted: boolean/],
  [['data.normalize="imagenet"'], /data\.normalize is "imagenet"; accepted: "dataset" or an object/],
  [['training.epochs=0'], /training\.epochs is 0; accepted: an integer >= 1/],
  [['training.epochs=ten'], /training\.epochs is "ten"; accepted: integer/],
  [['training.batchSize=0'], /training\.batchSize is 0; accepted/],
  [['training.batchSize=1.5'], /training\.batchSize is 1\.5; accepted: integer/],
  [['training.seed=-1'], /training\.seed is -1; accepted/],
  [['training.onNaN=ignore'], /training\.onNaN is "ignore"; accepted: "stop", "skip"/],
  [
    ['optimizer.name=rmsprop'],
    /optimizer\.name is "rmsprop"; accepted: "sgd", "adam", "adamw", "adabound", "amsbound"/,
  ],
  [['optimizer.lr=0'], /optimizer\.lr is 0; accepted: a number > 0 and <= 100/],
  [['optimizer.lr=-0.1'], /optimizer\.lr is -0\.1/],
  [['optimizer.lr="fast"'], /optimizer\.lr is "fast"; accepted: number/],
  [['optimizer.momentum=1'], /optimizer\.momentum is 1; accepted: a number >= 0 and < 1/],
  [['optimizer.weightDecay=2'], /optimizer\.weightDecay is 2/],
  [['optimizer.betas=[0.9]'], /optimizer\.betas is \[0\.9\]; accepted: an array of at least 2 items/],
  [['optimizer.betas=[0.9,1.5]'], /optimizer\.betas\.1 is 1\.5/],
  [
    ['optimizer.nesterov=true', 'optimizer.momentum=0'],
    /optimizer\.nesterov is true; accepted: true only with optimizer\.name 'sgd' and momentum > 0/,
  ],
  [['optimizer.gamma=0'], /optimizer\.gamma is 0/],
  [
    ['schedule.name=onecycle'],
    /schedule\.name is "onecycle"; accepted: "constant", "cosine", "step", "multistep", "exponential"/,
  ],
  [['schedule.warmupEpochs=20'], /schedule\.warmupEpochs is 20; accepted: less than training\.epochs \(10\)/],
  [['schedule.warmupEpochs=-1'], /schedule\.warmupEpochs is -1/],
  [['schedule.warmupMode=exp'], /schedule\.warmupMode is "exp"; accepted: "linear", "constant"/],
  [['schedule.minLr=1'], /schedule\.minLr is 1; accepted: at most optimizer\.lr \(0\.1\)/],
  [['schedule.milestones=[5,3]'], /schedule\.milestones is \[5,3\]; accepted: strictly increasing epochs/],
  [['schedule.name=multistep'], /schedule\.milestones is \[\]; accepted: at least one epoch for multistep/],
  [['schedule.gamma=0'], /schedule\.gamma is 0/],
  [['loss.labelSmoothing=1'], /loss\.labelSmoothing is 1; accepted: a number >= 0 and < 1/],
  [['loss.smoothing=0.1'], /unknown field 'loss\.smoothing'; accepted fields of loss: labelSmoothing/],
  [['mixing.name=mosaic'], /mixing\.name is "mosaic"; accepted: "none", "mixup", "cutmix", "ricap"/],
  [['mixing.alpha=0'], /mixing\.alpha is 0; accepted: a number > 0/],
  [['mixing.prob=2'], /mixing\.prob is 2/],
  [['augment={"name":"x"}'], /augment is \{"name":"x"\}; accepted: array/],
  [['augment=[{"options":{}}]'], /missing field 'augment\.0\.name'/],
  [['augment=[{"name":"cutout","opts":{}}]'], /unknown field 'augment\.0\.opts'/],
  [['distillation.temperature=0'], /distillation\.temperature is 0/],
  [['distillation.alpha=1.5'], /distillation\.alpha is 1\.5; accepted: a number >= 0 and <= 1/],
  [['regularization.ema={"decay":1}'], /regularization\.ema\.decay is 1/],
  [['regularization.earlyStopping={"patience":0}'], /regularization\.earlyStopping\.patience is 0/],
  [['evaluation.flipTta=1'], /evaluation\.flipTta is 1; accepted: boolean/],
  [['data.dataset=cifar10'], /data\.dir is undefined; accepted: a directory for dataset 'cifar10'/],
  [['data.testDir=/x'], /data\.testDir is "\/x"; accepted: only with dataset 'image-folder'/],
  [['model.name='], /model\.name is ""; accepted: a non-empty string/],
];

test(`${BAD.length} malformed recipes are rejected with one line naming the field, the value and what is accepted`, () => {
  for (const [sets, re] of BAD) {
    let err: unknown;
    try {
      resolveRecipe(applyOverrides(minimal, sets), 'r.json');
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof RecipeError, `${sets.join(' ')}: no RecipeError (${err})`);
    assert.match(err.message, /^r\.json: /, sets.join(' '));
    assert.match(err.message, re, sets.join(' '));
    assert.ok(!err.message.includes('\n'), sets.join(' '));
  }
  assert.throws(() => resolveRecipe([]), /a recipe must be a JSON object/);
  assert.throws(() => resolveRecipe({ model: { name: 'x' } }), /missing field 'data'/);
  assert.throws(() => applyOverrides(minimal, ['novalue']), /--set "novalue": expected key=value/);
  assert.throws(() => applyOverrides(minimal, ['__proto__.x=1']), /bad key/);
  assert.throws(() => loadRecipe('/nonexistent/r.json'), /\/nonexistent\/r\.json: cannot read recipe \(ENOENT\)/);
});

test('every committed recipe builds: model options, optimizer, mixer, augmentations and schedule are accepted', async () => {
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const { buildTransform } = await import('../../src/data/index.js');
  const { modelFactory, buildOptimizer, recipePlugins } = await import('../../src/train/index.js');
  const built = new Set<string>();
  for (const f of readdirSync(recipesDir).filter((n) => n.endsWith('.json') && n !== 'recipe.schema.json')) {
    const r = loadRecipe(join(recipesDir, f));
    const key = JSON.stringify(r.model);
    if (!built.has(key)) {
      built.add(key);
      const shape: [number, number, number] = r.data.dataset === 'fashion-mnist' ? [28, 28, 1] : [32, 32, 3];
      const model = modelFactory(r)({ inputShape: shape, numClasses: 10, seed: 0 });
      assert.deepEqual(model.outputs[0].shape, [null, 10], f);
      model.dispose();
    }
    buildOptimizer(r, 0.1).dispose();
    const noTeacher = () => Promise.reject(new Error('no teacher in this test'));
    if (!r.distillation.teacher) for (const p of await recipePlugins(r, { loadTeacher: noTeacher })) p.dispose?.();
    buildTransform(r.augment);
    buildSchedule(r, 100);
  }
  assert.ok(built.size >= 6, `${built.size} model configurations`);
});

test('the field tables of docs/recipes.md are the ones the registries make (node scripts/generate.mjs)', async () => {
  const { withFieldTables } = await import('../../src/train/recipe_docs.js');
  const file = join(recipesDir, '..', 'docs', 'recipes.md');
  const committed = readFileSync(file, 'utf8');
  assert.equal(committed, withFieldTables(committed), 'docs/recipes.md is stale: run node scripts/generate.mjs');
});

test('--set enters lists by index (augment.1.options.n) and names the list when the index is not one of it', () => {
  const raw = {
    ...minimal,
    augment: [{ name: 'randomHorizontalFlip' }, { name: 'randAugment', options: { n: 2, m: 9 } }],
  };
  const out = applyOverrides(raw, ['augment.1.options.n=3']) as any;
  assert.deepEqual(out.augment[1].options, { n: 3, m: 9 });
  assert.equal((raw.augment[1] as any).options.n, 2); // a copy
  assert.throws(
    () => applyOverrides(raw, ['augment.2.options.n=3']),
    /augment is a list of 2; accepted: an index 0 to 1 after it, not '2'/,
  );
  assert.throws(
    () => applyOverrides(raw, ['augment.name=x']),
    /augment is a list of 2; accepted: an index 0 to 1 after it, not 'name'/,
  );
});
