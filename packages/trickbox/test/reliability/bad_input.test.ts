// Malformed recipe files and CLI invocations, end to end through `main`: each exits with code 2 and one line that
// names the field (or file / option), the value and what is accepted, without a stack trace.
// This table complements, and does not repeat, the 50 `--set` cases of test/train/recipe.test.ts (which call
// resolveRecipe directly) and the usage table of test/cli/cli.test.ts: here the faults are whole recipe files,
// contradictions only visible once the data is loaded, options the builders reject, and per-command flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeImageFolder } from '../data/files.js';
import { cliInProcess, tempDir, tinyIdx } from './helpers.js';

const dir = tempDir();
const data = tinyIdx(32, 16);
const good = {
  name: 'bad-input',
  data: { dataset: 'fashion-mnist', dir: data, workers: 0 },
  model: { name: 'simpleCnn', options: { filters: [4, 8], denseUnits: 16 } },
  training: { epochs: 2, batchSize: 16 },
  schedule: { name: 'cosine', warmupEpochs: 0 },
};
let n = 0;
/** Writes a recipe file (a JSON value, or raw text) and returns its path. */
const file = (content: unknown, raw = false): string => {
  const f = join(dir, `r${n++}.json`);
  writeFileSync(f, raw ? String(content) : JSON.stringify(content));
  return f;
};
/** The good recipe with one section replaced / merged. */
const withSection = (key: string, value: unknown): string =>
  file({
    ...good,
    [key]:
      value && typeof value === 'object' && !Array.isArray(value)
        ? { ...((good as Record<string, unknown>)[key] ?? {}), ...value }
        : value,
  });
const goodFile = file(good);
const notADir = file('plain file', true);
const emptyDir = join(dir, 'empty');
mkdirSync(emptyDir);
const imgDir = join(dir, 'images');
const otherImgDir = join(dir, 'other');
await writeImageFolder(imgDir, ['cat', 'dog'], 3);
await writeImageFolder(otherImgDir, ['x', 'y'], 1);
const corruptRun = join(dir, 'corrupt-run');
mkdirSync(corruptRun);
writeFileSync(join(corruptRun, 'recipe.json'), '{"name": "cut');
const existingRun = join(dir, 'existing-run');
mkdirSync(existingRun);
writeFileSync(join(existingRun, 'metrics.jsonl'), '');
const out = (k: number): string[] => ['--out', join(dir, `run${k}`), '-q', '--no-report'];

// [what, argv, expected message]
const CASES: [string, string[], RegExp][] = [
  // whole-file faults
  ['empty file', ['train', file('', true)], /r\d+\.json: not valid JSON/],
  ['truncated JSON', ['train', file('{"data": {"dataset": "fashion-mnist"', true)], /not valid JSON/],
  ['array', ['train', file([])], /a recipe must be a JSON object, got \[\]/],
  ['string', ['train', file('fashion')], /a recipe must be a JSON object, got "fashion"/],
  ['null', ['train', file(null)], /a recipe must be a JSON object, got null/],
  ['no data', ['train', file({ model: { name: 'simpleCnn' } })], /missing field 'data'/],
  ['no model', ['train', file({ data: { dataset: 'fashion-mnist' } })], /missing field 'model'/],
  ['data as string', ['train', withSection('data', 'fashion-mnist')], /data is "fashion-mnist"; accepted: an object/],
  // unknown keys (typos)
  ['top-level epochs', ['train', file({ ...good, epochs: 3 })], /unknown field 'epochs'; accepted fields: .*training/],
  [
    'training.lr',
    ['train', withSection('training', { lr: 0.1 })],
    /unknown field 'training\.lr'; accepted fields of training: epochs, batchSize/,
  ],
  [
    'optimizer.learningRate',
    ['train', withSection('optimizer', { learningRate: 0.1 })],
    /unknown field 'optimizer\.learningRate'; accepted fields of optimizer: name, lr/,
  ],
  [
    'schedule.warmup',
    ['train', withSection('schedule', { warmup: 5 })],
    /unknown field 'schedule\.warmup'; accepted fields of schedule: .*warmupEpochs/,
  ],
  [
    'earlyStopping.patients',
    ['train', withSection('regularization', { earlyStopping: { patients: 3 } })],
    /unknown field 'regularization\.earlyStopping\.patients'; accepted fields of regularization\.earlyStopping: patience/,
  ],
  // wrong types
  [
    'batchSize as text',
    ['train', withSection('training', { batchSize: '128' })],
    /training\.batchSize is "128"; accepted: integer/,
  ],
  [
    'nesterov as text',
    ['train', withSection('optimizer', { nesterov: 'true' })],
    /optimizer\.nesterov is "true"; accepted: boolean/,
  ],
  [
    'milestones as text',
    ['train', withSection('schedule', { milestones: '5,8' })],
    /schedule\.milestones is "5,8"; accepted: array/,
  ],
  [
    'augment item as text',
    ['train', withSection('augment', ['randomCrop'])],
    /augment\.0 is "randomCrop"; accepted: an object/,
  ],
  [
    'ema as number',
    ['train', withSection('regularization', { ema: 0.999 })],
    /regularization\.ema is 0\.999; accepted: null or an object/,
  ],
  [
    'teacher as number',
    ['train', withSection('distillation', { teacher: 5 })],
    /distillation\.teacher is 5; accepted: string or null/,
  ],
  [
    'labelSmoothing as text',
    ['train', withSection('loss', { labelSmoothing: '0.1' })],
    /loss\.labelSmoothing is "0\.1"; accepted: number/,
  ],
  [
    'model.options as array',
    ['train', withSection('model', { options: [] })],
    /model\.options is \[\]; accepted: an object/,
  ],
  ['name as number', ['train', file({ ...good, name: 5 })], /name is 5; accepted: string/],
  // out-of-range values not in the --set table
  [
    'normalize std 0',
    ['train', withSection('data', { normalize: { mean: [0.5], std: [0] } })],
    /data\.normalize\.std\.0 is 0; accepted: a number > 0/,
  ],
  [
    'normalize without std',
    ['train', withSection('data', { normalize: { mean: [0.5] } })],
    /missing field 'data\.normalize\.std'/,
  ],
  [
    'height 0',
    ['train', withSection('data', { height: 0 })],
    /data\.height is 0; accepted: an integer >= 1 and <= 4096/,
  ],
  [
    'width 5000',
    ['train', withSection('data', { width: 5000 })],
    /data\.width is 5000; accepted: an integer >= 1 and <= 4096/,
  ],
  [
    'evalBatchSize 0',
    ['train', withSection('training', { evalBatchSize: 0 })],
    /training\.evalBatchSize is 0; accepted: an integer >= 1/,
  ],
  [
    'logEvery 0',
    ['train', withSection('training', { logEvery: 0 })],
    /training\.logEvery is 0; accepted: an integer >= 1/,
  ],
  ['eps 0', ['train', withSection('optimizer', { eps: 0 })], /optimizer\.eps is 0; accepted: a number > 0 and <= 1/],
  ['finalLr 0', ['train', withSection('optimizer', { finalLr: 0 })], /optimizer\.finalLr is 0; accepted: a number > 0/],
  [
    'linearScalingReference -256',
    ['train', withSection('optimizer', { linearScalingReference: -256 })],
    /optimizer\.linearScalingReference is -256; accepted: an integer >= 0/,
  ],
  [
    'warmupInit -0.1',
    ['train', withSection('schedule', { warmupInit: -0.1 })],
    /schedule\.warmupInit is -0\.1; accepted: a number >= 0/,
  ],
  [
    'stepEpochs 0',
    ['train', withSection('schedule', { stepEpochs: 0 })],
    /schedule\.stepEpochs is 0; accepted: a number > 0/,
  ],
  ['mixing.beta 0', ['train', withSection('mixing', { beta: 0 })], /mixing\.beta is 0; accepted: a number > 0/],
  [
    'earlyStopping.metric',
    ['train', withSection('regularization', { earlyStopping: { metric: 'accuracy' } })],
    /regularization\.earlyStopping\.metric is "accuracy"; accepted: "valAccuracy", "valLoss"/,
  ],
  [
    'earlyStopping.minDelta',
    ['train', withSection('regularization', { earlyStopping: { minDelta: -1 } })],
    /regularization\.earlyStopping\.minDelta is -1; accepted: a number >= 0/,
  ],
  // contradictory options
  [
    'warmup as long as training (via --epochs)',
    ['train', withSection('schedule', { warmupEpochs: 3 }), '--epochs', '3'],
    /schedule\.warmupEpochs is 3; accepted: less than training\.epochs \(3\)/,
  ],
  [
    'minLr above a lowered lr',
    ['train', withSection('schedule', { minLr: 0.01 }), '--set', 'optimizer.lr=0.001'],
    /schedule\.minLr is 0\.01; accepted: at most optimizer\.lr \(0\.001\)/,
  ],
  [
    'nesterov with adam',
    ['train', withSection('optimizer', { name: 'adam', nesterov: true })],
    /optimizer\.nesterov is true; accepted: true only with optimizer\.name 'sgd'/,
  ],
  [
    'normalize mean/std lengths differ',
    ['train', withSection('data', { normalize: { mean: [0.5, 0.5, 0.5], std: [0.2, 0.2] } })],
    /data\.normalize\.std is \[0\.2,0\.2\]; accepted: as many values as data\.normalize\.mean \(3\)/,
  ],
  [
    'early stopping without a validation set',
    ['train', file({ ...good, data: { dataset: 'image-folder', dir: data }, regularization: { earlyStopping: {} } })],
    /regularization\.earlyStopping is .*; accepted: only with a validation split: set data\.valSplit > 0/,
  ],
  [
    'early stopping on Fashion-MNIST without a validation split (selection would see the test set)',
    ['train', file({ ...good, regularization: { earlyStopping: { patience: 2 } } })],
    /regularization\.earlyStopping is .*; accepted: only with a validation split: set data\.valSplit > 0/,
  ],
  [
    'warmup rounding to every iteration (found once the data is loaded)',
    ['train', withSection('schedule', { warmupEpochs: 1.9 }), ...out(1)],
    /r\d+\.json: schedule\.warmupEpochs is 1\.9 \(4 iterations\); accepted: fewer than the 4 training iterations/,
  ],
  [
    'normalize with 3 channels on grey images',
    ['train', withSection('data', { normalize: { mean: [0.5, 0.5, 0.5], std: [0.2, 0.2, 0.2] } }), ...out(2)],
    /r\d+\.json: data\.normalize is .*; accepted: 1 value in mean and std \(the dataset has 1 channel\)/,
  ],
  // options the builders reject (were exit 1 before this suite)
  [
    'unknown transform',
    ['train', withSection('augment', [{ name: 'mosaic' }]), ...out(3)],
    /r\d+\.json: augment\[0\]\.name: unknown transform 'mosaic'; accepted: randomCrop, /,
  ],
  [
    'bad transform option',
    ['train', withSection('augment', [{ name: 'randomCrop', options: { size: -3 } }]), ...out(4)],
    /r\d+\.json: augment\.0\.options\.size is -3; accepted: an integer >= 1/,
  ],
  [
    'bad model option',
    ['train', withSection('model', { options: { filters: [0, 8] } }), ...out(5)],
    /r\d+\.json: model\.options\.filters\.0 is 0; accepted: an integer >= 1/,
  ],
  [
    'bad ResNet depth',
    ['train', goodFile, '--set', 'model.name=resnet', '--set', 'model.options={"depth":7}', ...out(6)],
    /r\d+\.json: model\.options: models\.resnet: depth .* must be 6n\+2 \(20, 32, 44, 56, 110\), got 7/,
  ],
  [
    'unknown model option',
    ['train', goodFile, '--set', 'model.name=resnet', '--set', 'model.options={"depht":20}', ...out(16)],
    /--set model\.options=\{"depht":20\}: unknown field 'model\.options\.depht'; accepted fields of model\.options: depth, variant, /,
  ],
  [
    'teacher not found',
    ['train', goodFile, '--set', `distillation.teacher=${join(dir, 'no-teacher')}`, ...out(7)],
    /r\d+\.json: distillation\.teacher: .*no-teacher: model not found/,
  ],
  // missing or wrong dataset folders
  [
    'fashion-mnist dir is a file',
    ['train', goodFile, '--set', `data.dir=${notADir}`, ...out(8)],
    /train-images-idx3-ubyte\.gz: not found .*expected the Fashion-MNIST IDX files in/,
  ],
  [
    'cifar10 dir empty',
    ['train', goodFile, '--set', 'data.dataset=cifar10', '--set', `data.dir=${emptyDir}`, ...out(9)],
    /test_batch\.bin: not found \(nor in .*cifar-10-batches-bin\); download the binary version/,
  ],
  [
    'cifar100 dir missing',
    ['train', goodFile, '--set', 'data.dataset=cifar100', '--set', `data.dir=${join(dir, 'nope')}`, ...out(10)],
    /nope\/test\.bin: not found \(nor in .*cifar-100-binary\)/,
  ],
  [
    'image-folder dir missing',
    ['train', goodFile, '--set', 'data.dataset=image-folder', '--set', `data.dir=${join(dir, 'nope')}`, ...out(11)],
    /nope: cannot open image folder \(ENOENT\)/,
  ],
  [
    'image-folder dir is a file',
    ['train', goodFile, '--set', 'data.dataset=image-folder', '--set', `data.dir=${notADir}`, ...out(12)],
    /cannot open image folder \(not a directory\)/,
  ],
  [
    'image-folder without class folders',
    ['train', goodFile, '--set', 'data.dataset=image-folder', '--set', `data.dir=${emptyDir}`, ...out(13)],
    /empty: no class sub-folders found \(expected dir\/<class>\/<image>\)/,
  ],
  [
    'image-folder testDir missing',
    [
      'train',
      file({
        ...good,
        data: { dataset: 'image-folder', dir: imgDir, testDir: join(dir, 'no-test'), height: 8, width: 8 },
      }),
      ...out(14),
    ],
    /no-test: cannot open image folder \(ENOENT\)/,
  ],
  [
    'image-folder testDir with other classes',
    [
      'train',
      file({ ...good, data: { dataset: 'image-folder', dir: imgDir, testDir: otherImgDir, height: 8, width: 8 } }),
      ...out(15),
    ],
    /other: classes \[x,y\] differ from the training folder's \[cat,dog\]/,
  ],
  // CLI invocations
  [
    '--resume with a corrupt recipe.json',
    ['train', '--resume', corruptRun],
    /corrupt-run\/recipe\.json: not valid JSON/,
  ],
  [
    '--out of an existing run',
    ['train', goodFile, '--out', existingRun],
    /existing-run: already holds a run; pass --resume .*existing-run to continue it, or choose another --out/,
  ],
  ['--set with empty key', ['train', goodFile, '--set', '=3'], /--set "=3": expected key=value/],
  [
    '--set through a number',
    ['train', goodFile, '--set', 'training.epochs.max=3'],
    /--set training\.epochs\.max=3: training\.epochs is not an object/,
  ],
  ['--workers text', ['train', goodFile, '--workers', 'two'], /--workers must be an integer >= 0, got 'two'/],
  ['--epochs missing value', ['train', goodFile, '--epochs'], /option '--epochs <n>' argument missing/],
  ['extra argument', ['train', goodFile, goodFile], /too many arguments/],
  ['eval --batch-size', ['eval', dir, '--batch-size', 'x'], /--batch-size must be an integer >= 1, got 'x'/],
  ['predict without images', ['predict', dir], /missing required argument 'images'/],
  ['predict --top 0', ['predict', dir, 'a.png', '--top', '0'], /--top must be an integer >= 1, got '0'/],
  ['augment --rows 0', ['augment', goodFile, '--rows', '0'], /--rows must be an integer >= 1, got '0'/],
  [
    'schedule --steps-per-epoch 1.5',
    ['schedule', goodFile, '--steps-per-epoch', '1.5'],
    /--steps-per-epoch must be an integer >= 1, got '1\.5'/,
  ],
  [
    'ablate a missing recipe',
    ['ablate', join(dir, 'missing.json'), '--out', join(dir, 'abl')],
    /missing\.json: cannot read recipe \(ENOENT\)/,
  ],
];

test(`${CASES.length} malformed recipe files and invocations exit with code 2 and one line naming field, value and what is accepted`, async () => {
  const failures: string[] = [];
  for (const [what, argv, re] of CASES) {
    const r = await cliInProcess(argv);
    const lines = r.stderr.trim().split('\n');
    if (r.code !== 2) failures.push(`${what}: exit ${r.code}: ${r.stderr.trim()}`);
    else if (lines.length !== 1) failures.push(`${what}: ${lines.length} lines: ${r.stderr}`);
    else if (!re.test(lines[0])) failures.push(`${what}: ${lines[0]} !~ ${re}`);
    else if (/\n\s+at /.test(r.stderr)) failures.push(`${what}: stack trace`);
  }
  assert.deepEqual(failures, []);
  assert.ok(CASES.length >= 40);
  console.log(`bad input: ${CASES.length} cases, each exit 2 with one line`);
});
