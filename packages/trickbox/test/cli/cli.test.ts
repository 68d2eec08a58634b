import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { packageRoot } from '../helpers/paths.js';
import { fashionMnist } from '../../src/data/index.js';
import { loadModel, resolveRecipe, train } from '../../src/train/index.js';
import { writeIdxSet } from '../data/files.js';
import { main } from '../../src/cli/main.js';
import { tinyCnn } from '../train/helpers.js';

const mainPath = join(packageRoot, 'src', 'cli', 'main.ts');
const recipes = join(packageRoot, '..', '..', 'recipes');

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', mainPath, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TRICKBOX_BACKEND: 'cpu', ...env },
    timeout: 120_000,
  });
  return {
    code: r.status,
    stdout: r.stdout,
    stderr: r.stderr.replace(/^.*(=====|Hi, looks like|tfjs-node|^\s*$).*\n?/gm, ''),
  };
}

test('--help lists the commands with examples; exit 0', () => {
  const r = cli(['--help']);
  assert.equal(r.code, 0);
  for (const c of ['train', 'eval', 'predict', 'ablate', 'augment', 'schedule', 'export', 'demo', 'bench'])
    assert.match(r.stdout, new RegExp(`\\n  ${c} `));
  assert.match(r.stdout, /Examples:\n {2}\$ trickbox train recipes\/fashion-quick\.json/);
  assert.equal(cli(['train', '--help']).code, 0);
});

test('every command ends its --help with examples of itself', async () => {
  for (const c of ['train', 'eval', 'predict', 'ablate', 'augment', 'schedule', 'export', 'bench']) {
    const r = await cliInProcess([c, '--help']);
    assert.equal(r.code, 0, `${c}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`\\nExamples:\\n {2}\\$ trickbox ${c}\\b[^\\n]*\\n {2}\\$ trickbox ${c}\\b`), c);
  }
});

const dir = mkdtempSync(join(tmpdir(), 'trickbox-cli-'));
const badRecipe = join(dir, 'bad.json');
writeFileSync(
  badRecipe,
  '{"data": {"dataset": "fashion-mnist"}, "model": {"name": "x"}, "training": {"epochs": "many"}}',
);
const notJson = join(dir, 'not.json');
writeFileSync(notJson, '{ data: ');

const USAGE: [string[], RegExp][] = [
  [['train', '--bogus'], /unknown option '--bogus'/],
  [['frobnicate'], /unknown command 'frobnicate'/],
  [['train'], /train: a recipe file is required \(or --resume DIR\)/],
  [['train', join(dir, 'missing.json')], /missing\.json: cannot read recipe \(ENOENT\)/],
  [['train', notJson], /not\.json: not valid JSON/],
  [['train', badRecipe], /bad\.json: training\.epochs is "many"; accepted: integer/],
  [['train', join(recipes, 'fashion-quick.json'), '--epochs', '0'], /--epochs must be an integer >= 1, got '0'/],
  [
    ['train', join(recipes, 'fashion-quick.json'), '--set', 'optimizer.lr=-1'],
    /optimizer\.lr is -1; accepted: a number > 0 and <= 100/,
  ],
  [['train', join(recipes, 'fashion-quick.json'), '--set', 'nokey'], /--set "nokey": expected key=value/],
  [
    ['train', join(recipes, 'fashion-quick.json'), '--set', 'data.dir=/nonexistent/fm'],
    /\/nonexistent\/fm\/train-images-idx3-ubyte\.gz: not found/,
  ],
  [
    ['train', join(recipes, 'fashion-quick.json'), '--set', 'model.name=noSuchModel', '--set', `data.dir=${dir}`],
    /fashion-quick\.json: model\.name is "noSuchModel"; accepted:/,
  ],
  [['train', '--resume', dir], /--resume .*: not a run directory \(no recipe\.json\)/],
  [
    ['schedule', join(recipes, 'fashion-quick.json'), '--set', 'schedule.warmupEpochs=9'],
    /schedule\.warmupEpochs is 9; accepted: less than training\.epochs/,
  ],
  [['eval', dir], /eval: .* is not a run directory; pass --recipe FILE/],
  [['export', dir], /required option '--out <dir>' not specified/],
  [['bench', 'nope'], /bench: unknown benchmark 'nope'; accepted:/],
  [['demo', dir, '--port', '70000'], /--port must be an integer in \[0, 65535\], got '70000'/],
  [['demo', dir], /: neither a run directory \(model\/model\.json\) nor an exported model \(model\.json\)/],
];

/** Runs the CLI in this process (much faster than a child per case), capturing stderr. */
async function cliInProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stderr = '';
  let stdout = '';
  process.env.TRICKBOX_BACKEND = 'cpu';
  const code = await main(args, { out: (t) => void (stdout += t), err: (t) => void (stderr += t) });
  process.exitCode = undefined;
  return { code, stdout, stderr: stderr.replace(/^.*(=====|Hi, looks like|tfjs-node).*\n?/gm, '') };
}

test('the installed entry point exits 2 with one line for a usage error', () => {
  const r = cli(['train', join(recipes, 'fashion-quick.json'), '--set', 'optimizer.lr=-1']);
  assert.equal(r.code, 2);
  // the value came from --set, so the message names the --set, not the recipe file
  assert.equal(r.stderr, `trickbox: --set optimizer.lr=-1: optimizer.lr is -1; accepted: a number > 0 and <= 100\n`);
});

test(`${USAGE.length} usage and recipe errors exit with code 2 and one line, no stack trace`, async () => {
  process.env.TRICKBOX_BACKEND = 'cpu';
  writeIdxSet(dir, { n: 12, m: 6, h: 6, w: 5 });
  for (const [args, re] of USAGE) {
    const r = await cliInProcess(args);
    assert.equal(r.code, 2, `${args.join(' ')} → ${r.code}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(lines[0], re, args.join(' '));
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test('schedule prints the per-iteration LR and plots it as SVG', async () => {
  const plot = join(dir, 'lr.svg');
  const r = await cliInProcess([
    'schedule',
    join(recipes, 'fashion-resnet20-baseline.json'),
    '--every',
    '469',
    '--plot',
    plot,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /# cosine: 4690 iterations \(469\/epoch\), warmup 469 iterations/);
  assert.match(r.stdout, /\n0\t0\.00\t0\.00000\n469\t1\.00\t0\.100000\n/);
  assert.match(readFileSync(plot, 'utf8'), /^<svg/);
});

test('eval, predict, export and ablate work on a finished run', async () => {
  await tf.setBackend('cpu');
  const data = join(dir, 'idx');
  spawnSync('mkdir', ['-p', data]);
  writeIdxSet(data, { n: 30, m: 12, h: 6, w: 5 });
  const recipe = resolveRecipe({
    name: 'cli-run',
    data: { dataset: 'fashion-mnist', dir: data, workers: 0 },
    model: { name: 'tinyCnn' },
    training: { epochs: 2, batchSize: 8 },
    schedule: { name: 'constant' },
    optimizer: { lr: 0.05 },
  });
  const runDir = join(dir, 'run');
  await train({ recipe, runDir, model: tinyCnn, datasets: fashionMnist({ dir: data }), log: () => undefined });

  const ev = await cliInProcess(['eval', runDir]);
  assert.equal(ev.code, 0, ev.stderr);
  assert.match(ev.stdout, /^test images 12: top-1 \d+\.\d\d% {2}top-5 \d+\.\d\d% {2}loss \d/);
  const evj = await cliInProcess(['eval', runDir, '--json']);
  assert.equal(evj.code, 0, evj.stderr);
  const e = JSON.parse(evj.stdout);
  assert.deepEqual(Object.keys(e), ['model', 'recipe', 'images', 'top1', 'top5', 'loss']);
  assert.equal(e.images, 12);
  assert.equal(
    ev.stdout,
    `test images 12: top-1 ${(100 * e.top1).toFixed(2)}%  top-5 ${(100 * e.top5).toFixed(2)}%  loss ${e.loss.toFixed(4)}\n`,
  );

  const img = join(dir, 'x.png');
  await sharp({ create: { width: 10, height: 12, channels: 3, background: '#888' } })
    .png()
    .toFile(img);
  const pr = await cliInProcess(['predict', join(runDir, 'model'), img, '--top', '2']);
  assert.equal(pr.code, 0, pr.stderr);
  assert.match(pr.stdout, new RegExp(`^${img.replace(/[.]/g, '\\.')}: [^,]+ \\d+\\.\\d%, [^,]+ \\d+\\.\\d%\\n$`));
  // good images are classified; each bad one (text, 0 bytes, a directory) gets one error line; exit 1
  const empty = join(dir, 'empty.png');
  writeFileSync(empty, '');
  const mixed = await cliInProcess(['predict', join(runDir, 'model'), img, join(dir, 'bad.json'), empty, dir, img]);
  assert.equal(mixed.code, 1, mixed.stderr);
  assert.equal(mixed.stdout.split('\n').filter((l) => l.startsWith(`${img}: `)).length, 2, mixed.stdout);
  const errors = mixed.stderr.trim().split('\n');
  assert.equal(errors.length, 3, mixed.stderr);
  assert.match(errors[0], /^trickbox: .*bad\.json: cannot decode image \(.*unsupported image format/);
  assert.match(errors[1], /^trickbox: .*empty\.png: cannot decode image \(empty file\)$/);
  assert.equal(errors[2], `trickbox: ${dir}: cannot decode image (is a directory, not an image file)`);
  const pj = await cliInProcess(['predict', join(runDir, 'model'), img, empty, '--top', '2', '--json']);
  assert.equal(pj.code, 1, pj.stderr);
  const lines = pj.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  assert.equal(lines[0].file, img);
  assert.equal(lines[0].top.length, 2);
  assert.ok(lines[0].top[0].probability >= lines[0].top[1].probability && typeof lines[0].top[0].class === 'string');
  assert.deepEqual(lines[1], { file: empty, error: 'cannot decode image (empty file)' });

  const out = join(dir, 'exported');
  const ex = await cliInProcess(['export', runDir, '--out', out]);
  assert.equal(ex.code, 0, ex.stderr);
  assert.match(ex.stdout, /outputs logits \(tf\.softmax gives probabilities\)/);
  const loaded = await loadModel(out);
  assert.deepEqual(loaded.preprocessing?.classNames.length, 10);
  assert.deepEqual(
    [loaded.preprocessing?.height, loaded.preprocessing?.width, loaded.preprocessing?.channels],
    [6, 5, 1],
  );
  const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
  assert.equal(json.format, 'layers-model');
  assert.equal(json.weightsManifest[0].paths[0], 'weights.bin');
  loaded.model.dispose();

  const ab = await cliInProcess(['ablate', runDir, runDir, '--out', join(dir, 'abl')]);
  assert.equal(ab.code, 0, ab.stderr);
  assert.match(ab.stdout, /\| cli-run \| [\d.]+ \| baseline \|/);
  assert.ok(existsSync(join(dir, 'abl', 'ablation.html')));
});

test("augment writes a PNG grid of a recipe's augmentations", async () => {
  const data = join(dir, 'idx2');
  spawnSync('mkdir', ['-p', data]);
  writeIdxSet(data, { n: 12, m: 6, h: 8, w: 8 });
  const out = join(dir, 'grid.png');
  const r = await cliInProcess([
    'augment',
    join(recipes, 'fashion-resnet20-baseline.json'),
    '--set',
    `data.dir=${data}`,
    '--set',
    'augment=[{"name":"randomCrop","options":{"size":8,"padding":2}}]',
    '--rows',
    '3',
    '--cols',
    '4',
    '--out',
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const meta = await sharp(out).metadata();
  assert.equal(meta.format, 'png');
  // 3 rows × (original + 4 augmentations) of 8×8 cells
  assert.ok(meta.width! > meta.height! && meta.height! >= 3 * 8, `${meta.width}×${meta.height}`);
});

test('export turns a models.resnet run into built-in tfjs layers with the same predictions', async () => {
  await tf.setBackend('cpu');
  const data = join(dir, 'idx3');
  spawnSync('mkdir', ['-p', data]);
  writeIdxSet(data, { n: 16, m: 8, h: 8, w: 8 });
  const recipe = resolveRecipe({
    name: 'resnet8',
    data: { dataset: 'fashion-mnist', dir: data, workers: 0 },
    model: { name: 'resnet', options: { depth: 8 } },
    training: { epochs: 1, batchSize: 8 },
    schedule: { name: 'constant' },
  });
  const runDir = join(dir, 'run-resnet');
  await train({ recipe, runDir, datasets: fashionMnist({ dir: data }), log: () => undefined });
  const out = join(dir, 'exported-resnet');
  const ex = await cliInProcess(['export', runDir, '--out', out]);
  assert.equal(ex.code, 0, ex.stderr);
  const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
  const classes = new Set<string>(json.modelTopology.config.layers.map((l: { class_name: string }) => l.class_name));
  assert.ok(![...classes].some((c) => c.startsWith('Trickbox')), [...classes].join(','));
  assert.ok(classes.has('BatchNormalization'));
  const a = await loadModel(runDir);
  const b = await loadModel(out);
  const x = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 3);
  const pa = (a.model.predict(x) as tf.Tensor).arraySync() as number[][];
  const pb = (b.model.predict(x) as tf.Tensor).arraySync() as number[][];
  pa.flat().forEach((v, i) => assert.ok(Math.abs(v - pb.flat()[i]) < 1e-4, `${v} vs ${pb.flat()[i]}`));
  tf.dispose([x, a.model, b.model] as tf.TensorContainer);
});

test('trickbox recipe prints the resolved recipe (extends, --set with a list index, defaults) and exits 0', async () => {
  const r = await cliInProcess([
    'recipe',
    join(recipes, 'fashion-resnet20-mixup.json'),
    '--set',
    'augment.1.options.p=0.25',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const resolved = JSON.parse(r.stdout);
  assert.equal(resolved.mixing.name, 'mixup');
  assert.equal(resolved.optimizer.nesterov, true); // from the baseline it extends
  assert.equal(resolved.augment[1].options.p, 0.25);
  assert.equal(resolved.training.checkpointMinutes, 10); // a default
  const bad = await cliInProcess(['recipe', join(recipes, 'fashion-quick.json'), '--set', 'optimizer.lrr=1']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^trickbox: --set optimizer\.lrr=1: unknown field 'optimizer\.lrr'/);
  assert.equal(bad.stdout, '');
});
