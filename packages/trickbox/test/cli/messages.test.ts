// Messages and output formats of the CLI (issue 12 item 8): errors name the recipe file, list each model once and
// read well; output files are in the format their extension names; schedule counts an image folder; interrupts,
// unknown commands and a failing run with a progress bar.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeImageFolder } from '../data/files.js';
import { DIVERGING_OVERRIDES, cliInProcess, tempDir, tinyIdx, tinyRecipeFile } from '../reliability/helpers.js';
import { interruptHandler } from '../../src/cli/interrupt.js';

const dir = tempDir();
const idx = tinyIdx(32, 16);
const greyRecipe = tinyRecipeFile(join(dir, 'grey.json'), idx, {
  training: { epochs: 1, batchSize: 16 },
  schedule: { name: 'cosine', warmupEpochs: 0 },
});
const images = join(dir, 'images');
await writeImageFolder(images, ['cat', 'dog'], 10);
const colourRecipe = tinyRecipeFile(join(dir, 'colour.json'), images, {
  data: { dataset: 'image-folder', dir: images, height: 8, width: 8, channels: 3, workers: 0 },
  training: { epochs: 2, batchSize: 4 },
});
let runs = 0;
const out = (): string[] => ['--out', join(dir, `run${runs++}`), '-q', '--no-report'];

/** Exit code 2 and exactly the one line `expected` (a RegExp matched against it). */
function usageError(r: { code: number; stderr: string }, expected: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], expected);
}

test('errors found while building the run name the recipe file, not "recipe:"', async () => {
  const f = greyRecipe.replace(/[.]/g, '\\.');
  // an option the transform's schema accepts but its constructor refuses (m must be below bins)
  const m31 = 'augment=[{"name":"randAugment","options":{"m":31}}]';
  usageError(
    await cliInProcess(['train', greyRecipe, '--set', m31, ...out()]),
    new RegExp(`^trickbox: ${f}: augment\\.randAugment: m must be an integer in \\[0, 30\\], got 31`),
  );
  usageError(
    await cliInProcess(['augment', greyRecipe, '--set', m31, '--out', join(dir, 'g.png')]),
    new RegExp(`^trickbox: ${f}: augment\\.randAugment: m must be an integer in \\[0, 30\\], got 31`),
  );
  // an unknown transform is refused with the recipe, naming the --set that brought it
  usageError(
    await cliInProcess(['train', greyRecipe, '--set', 'augment=[{"name":"mosaic"}]', ...out()]),
    /^trickbox: --set augment=\[\{"name":"mosaic"\}\]: augment\[0\]\.name: unknown transform 'mosaic'; accepted: randomCrop, /,
  );
  const model = await cliInProcess(['train', greyRecipe, '--set', 'model.name=noSuchModel', ...out()]);
  usageError(model, new RegExp(`^trickbox: ${f}: model\\.name is "noSuchModel"; accepted: `));
  const names = model.stderr.trim().split('accepted: ')[1].split(', ');
  assert.deepEqual(names, [...new Set(names)], 'a model is listed twice');
  assert.ok(names.includes('resnet') && names.includes('resnet20'), names.join(', '));
  usageError(
    await cliInProcess([
      'train',
      greyRecipe,
      '--set',
      'data.normalize={"mean":[0.5,0.5,0.5],"std":[0.2,0.2,0.2]}',
      ...out(),
    ]),
    new RegExp(
      `^trickbox: ${f}: data\\.normalize is .*; accepted: 1 value in mean and std \\(the dataset has 1 channel\\)$`,
    ),
  );
});

test('eval --recipe of data the model does not fit (channels, classes): exit 2, one line naming both', async () => {
  const run = join(dir, 'grey-run');
  const r = await cliInProcess(['train', greyRecipe, '--out', run, '-q', '--no-report']);
  assert.equal(r.code, 0, r.stderr);
  usageError(
    await cliInProcess(['eval', run, '--recipe', colourRecipe]),
    new RegExp(
      `^trickbox: eval: ${join(run, 'model', 'model.json')} expects 8×8×1 images; the test set of ${colourRecipe} has 8×8×3`,
    ),
  );
  const greyFolder = tinyRecipeFile(join(dir, 'grey-folder.json'), images, {
    data: { dataset: 'image-folder', dir: images, height: 8, width: 8, channels: 1, workers: 0 },
  });
  usageError(
    await cliInProcess(['eval', run, '--recipe', greyFolder]),
    new RegExp(`^trickbox: eval: .*model\\.json predicts 10 classes; the test set of ${greyFolder} has 2 \\(`),
  );
});

test('augment --out and schedule --plot write the format the extension names, or refuse it', async () => {
  for (const [ext, format] of [
    ['png', 'png'],
    ['jpg', 'jpeg'],
    ['webp', 'webp'],
  ]) {
    const grid = join(dir, `grid.${ext}`);
    const a = await cliInProcess(['augment', colourRecipe, '--rows', '2', '--cols', '2', '--out', grid]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal((await sharp(grid).metadata()).format, format, grid);
    const plot = join(dir, `lr.${ext}`);
    const s = await cliInProcess(['schedule', colourRecipe, '--plot', plot]);
    assert.equal(s.code, 0, s.stderr);
    const meta = await sharp(plot).metadata();
    assert.equal(meta.format, format, plot);
    assert.ok(meta.width! >= 600, `${plot}: ${meta.width} px wide`);
  }
  usageError(
    await cliInProcess(['augment', colourRecipe, '--out', join(dir, 'grid.gif')]),
    /^trickbox: augment --out .*grid\.gif: unsupported image type; accepted: \.png, \.jpg, \.jpeg, \.webp$/,
  );
  usageError(
    await cliInProcess(['schedule', colourRecipe, '--plot', join(dir, 'lr.pdf')]),
    /^trickbox: schedule --plot .*lr\.pdf: unsupported file type; accepted: \.svg, \.html, \.png/,
  );
  assert.ok(!existsSync(join(dir, 'grid.gif')) && !existsSync(join(dir, 'lr.pdf')));
});

test('schedule counts the files of an image folder instead of asking for --steps-per-epoch', async () => {
  // 20 files, 2 held out as the test set (10% per class), 18 in batches of 4 → 5 iterations per epoch
  const s = await cliInProcess(['schedule', colourRecipe]);
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stdout, /^# cosine: 10 iterations \(5\/epoch\), warmup 5 iterations\n/);
  // with a validation split of a quarter of the 18: 14 → 4 per epoch
  const v = await cliInProcess(['schedule', colourRecipe, '--set', 'data.valSplit=0.25']);
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stdout, /^# cosine: 8 iterations \(4\/epoch\)/);
  // the same count the trainer makes
  const run = join(dir, 'colour-run');
  const t = await cliInProcess(['train', colourRecipe, '--out', run, '-q', '--no-report']);
  assert.equal(t.code, 0, t.stderr);
  assert.equal(JSON.parse(readFileSync(join(run, 'recipe.json'), 'utf8')).resolvedSchedule.stepsPerEpoch, 5);
});

test('a second Ctrl-C says that it aborts, and how to resume', () => {
  const said: string[] = [];
  let aborted = 0;
  const stopSignal = { stop: false };
  const codes: number[] = [];
  const handler = interruptHandler({
    stopSignal,
    say: (m) => said.push(m),
    abort: (code) => void (aborted++, codes.push(code)),
    resumeCommand: 'trickbox train --resume runs/x',
  });
  handler.onSignal('SIGINT');
  assert.equal(stopSignal.stop, true);
  assert.equal(aborted, 0);
  assert.equal(handler.stoppedBy(), 'SIGINT');
  assert.match(said[0], /finishing the current step and writing a checkpoint \(Ctrl-C again to abort\)/);
  handler.onSignal('SIGINT');
  assert.equal(aborted, 1);
  assert.deepEqual(codes, [130]);
  assert.equal(
    said[1].trim(),
    'trickbox: second interrupt — aborting now without a checkpoint; trickbox train --resume runs/x continues from the last one',
  );
});

test('an unknown command or option prints one line, with the suggestion', async () => {
  usageError(await cliInProcess(['trian']), /^trickbox: unknown command 'trian' \(Did you mean train\?\)$/);
  usageError(
    await cliInProcess(['train', greyRecipe, '--ot', 'x']),
    /^trickbox: unknown option '--ot' \(Did you mean --out\?\)$/,
  );
});

test('the progress bar shows the cursor again when a run fails', async () => {
  const wasTty = process.stderr.isTTY;
  process.stderr.isTTY = true;
  try {
    const r = await cliInProcess([
      'train',
      greyRecipe,
      ...DIVERGING_OVERRIDES,
      '--epochs',
      '10',
      '--out',
      join(dir, 'nan-run'),
      '--no-report',
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /NaN/);
    const hidden = r.stderr.lastIndexOf('\x1b[?25l');
    assert.ok(hidden >= 0, 'the bar never hid the cursor');
    assert.ok(r.stderr.lastIndexOf('\x1b[?25h') > hidden, 'the cursor is still hidden');
  } finally {
    process.stderr.isTTY = wasTty;
  }
});

test('train stores the recipe file and its --set overrides in overrides.json (shown by the report)', async () => {
  const run = join(dir, 'overridden');
  const r = await cliInProcess([
    'train',
    greyRecipe,
    '--epochs',
    '1',
    '--set',
    'optimizer.lr=0.02',
    '--out',
    run,
    '-q',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(readFileSync(join(run, 'overrides.json'), 'utf8')), {
    recipe: greyRecipe,
    set: ['optimizer.lr=0.02', 'training.epochs=1'],
  });
  assert.match(readFileSync(join(run, 'report.html'), 'utf8'), /<code>--set optimizer\.lr=0\.02<\/code>/);
});

test('train --json prints its final line as one JSON object on stdout', async () => {
  const run = join(dir, 'json-run');
  const r = await cliInProcess(['train', greyRecipe, '--out', run, '-q', '--no-report', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, r.stdout);
  const j = JSON.parse(lines[0]);
  const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8'));
  assert.equal(j.status, 'completed');
  assert.equal(j.epochs, 1);
  assert.equal(j.testTop1, summary.final.testTop1);
  assert.equal(j.runDir, run);
  assert.equal(j.report, null);
});
