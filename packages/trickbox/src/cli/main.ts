#!/usr/bin/env node
// The `trickbox` command line (SPEC §4). Exit codes: 0 success, 1 runtime failure, 2 usage or recipe error,
// 130 interrupted by Ctrl-C (after a checkpoint was written).
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, join, resolve, dirname } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DataFileError } from '../data/index.js';
import { RecipeError } from '../train/recipe.js';
import { TrainingError } from '../train/trainer.js';

class UsageError extends Error {}

/** Where the commands write (replaceable for in-process use and tests). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}
const stdio: CliIo = { out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t) };
let io: CliIo = stdio;

const EXAMPLES = `
Examples:
  $ trickbox train recipes/fashion-quick.json
  $ trickbox train recipes/fashion-resnet20-baseline.json --epochs 3 --set optimizer.lr=0.05 --out runs/try
  $ trickbox train --resume runs/try
  $ trickbox eval runs/try
  $ trickbox predict runs/try/model shirt.png shoe.jpg --top 3
  $ trickbox ablate recipes/fashion-resnet20-baseline.json recipes/fashion-resnet20-mixup.json --out runs/ablation
  $ trickbox augment recipes/fashion-resnet20-autoaugment.json --out grid.png
  $ trickbox schedule recipes/fashion-resnet20-baseline.json --plot lr.svg
  $ trickbox export runs/try --out web/model
  $ trickbox demo runs/try --port 8080`;

const int =
  (name: string, min = 1) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got '${v}'`);
    return n;
  };
const collect = (v: string, prev: string[]): string[] => [...prev, v];

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

async function loadRecipeFrom(recipePath: string | undefined, resumeDir: string | undefined, sets: string[]) {
  const { loadRecipe, resolveRecipe, applyOverrides } = await import('../train/recipe.js');
  if (resumeDir) {
    const file = join(resumeDir, 'recipe.json');
    if (!existsSync(file)) throw new UsageError(`--resume ${resumeDir}: not a run directory (no recipe.json)`);
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new RecipeError(`${file}: not valid JSON (${(e as Error).message})`);
    }
    const { resolvedSchedule: _s, ...raw } = parsed;
    return resolveRecipe(applyOverrides(raw, sets), file);
  }
  if (!recipePath) throw new UsageError('train: a recipe file is required (or --resume DIR)');
  return loadRecipe(recipePath, sets);
}

async function cmdTrain(
  recipePath: string | undefined,
  o: {
    epochs?: number;
    set: string[];
    out?: string;
    resume?: string;
    quiet?: boolean;
    skipBadImages?: boolean;
    workers?: number;
    report: boolean;
  },
) {
  const sets = [...o.set];
  if (o.epochs !== undefined) sets.push(`training.epochs=${o.epochs}`);
  if (o.skipBadImages) sets.push('data.skipBadImages=true');
  if (o.workers !== undefined) sets.push(`data.workers=${o.workers}`);
  const recipe = await loadRecipeFrom(recipePath, o.resume, sets);
  const runDir = o.resume ?? o.out ?? join('runs', `${recipe.name}-${timestamp()}`);
  const { initBackend } = await import('./backend.js');
  const backend = await initBackend();
  const { train } = await import('../train/trainer.js');
  const { progressCallbacks } = await import('./progress.js');
  const stopSignal = { stop: false };
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    stopSignal.stop = true;
    io.err('\ntrickbox: interrupt — finishing the current step and writing a checkpoint (Ctrl-C again to abort)\n');
  };
  process.on('SIGINT', onSigint);
  const log = (m: string): void => void io.err(m + '\n');
  const announce = {
    onTrainBegin: () =>
      void (o.quiet || log(`trickbox: training '${recipe.name}' on backend '${backend}' → ${runDir}`)),
  };
  try {
    const result = await train({
      recipe,
      runDir,
      resume: Boolean(o.resume),
      stopSignal,
      callbacks: [announce, progressCallbacks(process.stderr, o.quiet)],
      log,
    });
    if (result.status === 'interrupted') {
      log(
        `trickbox: interrupted at step ${result.step}; checkpoint ${result.checkpoint}. Resume with: trickbox train --resume ${runDir}`,
      );
      process.exitCode = 130;
      return;
    }
    if (o.report) {
      const { writeReport } = await import('../report/index.js');
      const grid = await gridFor(recipe).catch(() => undefined);
      if (grid) {
        const { writeFileAtomic } = await import('../train/io.js');
        writeFileAtomic(join(runDir, 'augment-grid.png'), grid);
      }
      const report = await writeReport(runDir);
      const f = result.final;
      io.out(
        `${result.status === 'early-stopped' ? 'stopped early' : 'done'}: ${result.epochs} epochs, test top-1 ${f ? (100 * f.testTop1).toFixed(2) : '–'}%, ` +
          `${result.wallSeconds.toFixed(0)} s\nreport: ${report}\n`,
      );
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}

async function gridFor(recipe: import('../train/recipe.js').Recipe): Promise<Buffer> {
  const { loadDatasets, prepareData } = await import('../train/data.js');
  const { subset } = await import('../data/index.js');
  const sets = await loadDatasets({ ...recipe, data: { ...recipe.data, subset: 0 } }, () => undefined);
  const rd = prepareData(
    { ...recipe, data: { ...recipe.data, subset: 0, valSplit: 0 } },
    { train: subset(sets.train, 64, recipe.training.seed), test: sets.test },
  );
  const { augmentationGridPng } = await import('./grid.js');
  return augmentationGridPng(rd.train, recipe.augment, { seed: recipe.training.seed });
}

async function cmdEval(model: string, o: { recipe?: string; set: string[]; flipTta?: boolean; batchSize: number }) {
  const { initBackend } = await import('./backend.js');
  await initBackend();
  const { loadModel } = await import('../train/modelio.js');
  const { loadDatasets, prepareData } = await import('../train/data.js');
  const { evaluate } = await import('../train/evaluate.js');
  let recipeFile = o.recipe;
  if (!recipeFile && existsSync(join(model, 'recipe.json'))) recipeFile = join(model, 'recipe.json');
  if (!recipeFile)
    throw new UsageError(`eval: ${model} is not a run directory; pass --recipe FILE to say which data to evaluate on`);
  const recipe = await recipeFromFile(recipeFile, o.set);
  const { model: m, preprocessing } = await loadModel(model);
  const sets = await loadDatasets(recipe);
  const rd = prepareData(recipe, sets);
  const mean = preprocessing?.mean ?? rd.mean;
  const std = preprocessing?.std ?? rd.std;
  const r = await evaluate(m, rd.test, {
    mean,
    std,
    batchSize: o.batchSize,
    flipTta: o.flipTta ?? recipe.evaluation.flipTta,
  });
  io.out(
    `test images ${r.count}: top-1 ${(100 * r.top1).toFixed(2)}%  top-5 ${(100 * r.top5).toFixed(2)}%  loss ${r.loss.toFixed(4)}\n`,
  );
}

async function recipeFromFile(file: string, sets: string[]) {
  const { resolveRecipe, applyOverrides } = await import('../train/recipe.js');
  let raw: any;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new RecipeError(`${file}: cannot read recipe (${(e as Error).message})`);
  }
  delete raw.resolvedSchedule;
  return resolveRecipe(applyOverrides(raw, sets), file);
}

async function cmdPredict(model: string, images: string[], o: { top: number }) {
  const { initBackend } = await import('./backend.js');
  await initBackend();
  const tf = await import('@tensorflow/tfjs');
  const sharp = (await import('sharp')).default;
  const { loadModel } = await import('../train/modelio.js');
  const { model: m, preprocessing: p } = await loadModel(model);
  if (!p) throw new UsageError(`predict: ${model} has no preprocessing metadata (export it with trickbox export)`);
  for (const file of images) {
    let img = sharp(file, { limitInputPixels: 268402689 }).rotate();
    img = p.channels === 1 ? img.grayscale() : img.removeAlpha().toColourspace('srgb');
    let raw: Buffer;
    try {
      raw = await img.resize(p.width, p.height, { fit: 'fill' }).raw().toBuffer();
    } catch (e) {
      throw new DataFileError(file, `cannot decode image (${(e as Error).message.split('\n')[0]})`);
    }
    const x = new Float32Array(raw.length);
    for (let i = 0; i < raw.length; i++) x[i] = (raw[i] / 255 - p.mean[i % p.channels]) / p.std[i % p.channels];
    const probs = tf.tidy(() =>
      tf.softmax(m.predict(tf.tensor4d(x, [1, p.height, p.width, p.channels])) as import('@tensorflow/tfjs').Tensor2D),
    );
    const pr = Array.from(await probs.data());
    probs.dispose();
    const top = pr
      .map((v, k) => [v, k] as const)
      .sort((a, b) => b[0] - a[0])
      .slice(0, o.top);
    io.out(`${file}: ${top.map(([v, k]) => `${p.classNames[k] ?? k} ${(100 * v).toFixed(1)}%`).join(', ')}\n`);
  }
}

async function cmdAblate(items: string[], o: { out?: string; set: string[]; epochs?: number }) {
  const outDir = o.out ?? join('runs', `ablation-${timestamp()}`);
  const dirs: string[] = [];
  for (const item of items) {
    if (existsSync(item) && statSync(item).isDirectory()) {
      dirs.push(item);
      continue;
    }
    const name = basename(item).replace(/\.json$/, '');
    const runDir = join(outDir, name);
    if (existsSync(join(runDir, 'summary.json'))) {
      io.err(`ablate: ${runDir} is finished, reusing it\n`);
    } else {
      await cmdTrain(item, {
        set: o.set,
        epochs: o.epochs,
        out: existsSync(join(runDir, 'recipe.json')) ? undefined : runDir,
        resume: existsSync(join(runDir, 'recipe.json')) ? runDir : undefined,
        report: true,
      });
      if (process.exitCode === 130) return;
    }
    dirs.push(runDir);
  }
  const { writeAblation } = await import('../report/index.js');
  const { markdown, html } = writeAblation(dirs, outDir);
  io.out(readFileSync(markdown, 'utf8') + `\nwritten: ${markdown}, ${html}\n`);
}

async function cmdAugment(recipePath: string, o: { out: string; set: string[]; rows: number; cols: number }) {
  const { loadRecipe } = await import('../train/recipe.js');
  const recipe = loadRecipe(recipePath, o.set);
  const { loadDatasets } = await import('../train/data.js');
  const { subset } = await import('../data/index.js');
  const { augmentationGridPng } = await import('./grid.js');
  const sets = await loadDatasets(recipe);
  const png = await augmentationGridPng(subset(sets.train, Math.max(o.rows, 1), recipe.training.seed), recipe.augment, {
    rows: o.rows,
    cols: o.cols,
    seed: recipe.training.seed,
  });
  const { writeFileAtomic } = await import('../train/io.js');
  writeFileAtomic(o.out, png);
  io.out(`${o.out}: ${o.rows} samples × (original + ${o.cols} augmentations)\n`);
}

const DATASET_SIZES: Record<string, number> = { 'fashion-mnist': 60000, cifar10: 50000, cifar100: 50000 };

async function cmdSchedule(
  recipePath: string,
  o: { set: string[]; stepsPerEpoch?: number; every?: number; plot?: string },
) {
  const { loadRecipe } = await import('../train/recipe.js');
  const { buildSchedule } = await import('../train/build.js');
  const recipe = loadRecipe(recipePath, o.set);
  let spe = o.stepsPerEpoch;
  if (!spe) {
    const n0 = recipe.data.subset || DATASET_SIZES[recipe.data.dataset];
    if (!n0) throw new UsageError(`schedule: pass --steps-per-epoch for dataset '${recipe.data.dataset}'`);
    const n = n0 - Math.round(n0 * recipe.data.valSplit);
    spe = Math.ceil(n / recipe.training.batchSize);
  }
  const { schedule, steps } = buildSchedule(recipe, spe);
  const every = o.every ?? Math.max(1, Math.floor(steps.totalSteps / 40));
  const rows: { step: number; epoch: number; lr: number }[] = [];
  for (let s = 0; s < steps.totalSteps; s += every) rows.push({ step: s, epoch: s / spe, lr: schedule(s) });
  rows.push({ step: steps.totalSteps - 1, epoch: (steps.totalSteps - 1) / spe, lr: schedule(steps.totalSteps - 1) });
  io.out(
    `# ${recipe.schedule.name}: ${steps.totalSteps} iterations (${spe}/epoch), warmup ${steps.warmupSteps} iterations\n`,
  );
  io.out(
    'step\tepoch\tlr\n' + rows.map((r) => `${r.step}\t${r.epoch.toFixed(2)}\t${r.lr.toPrecision(6)}`).join('\n') + '\n',
  );
  if (o.plot) {
    const { renderSvg, lineChart } = await import('../report/index.js');
    const { writeFileAtomic } = await import('../train/io.js');
    const dense: { step: number; lr: number }[] = [];
    const d = Math.max(1, Math.floor(steps.totalSteps / 400));
    for (let s = 0; s < steps.totalSteps; s += d) dense.push({ step: s, lr: schedule(s) });
    const svg = await renderSvg(
      lineChart(dense, { x: 'step', y: 'lr', title: `${recipe.name}: learning rate per iteration`, width: 600 }),
    );
    writeFileAtomic(
      o.plot,
      o.plot.endsWith('.html') ? `<!doctype html><meta charset="utf-8"><title>LR</title>${svg}\n` : svg,
    );
    io.out(`plot: ${o.plot}\n`);
  }
}

async function cmdExport(run: string, o: { out: string; foldBn?: boolean }) {
  const { initBackend } = await import('./backend.js');
  await initBackend();
  const { exportForWeb } = await import('../demo/export.js');
  const { parameters, preprocessing: p } = await exportForWeb(run, o.out, { foldBn: o.foldBn });
  io.out(
    `${join(o.out, 'model.json')}: tfjs layers model (${parameters} parameters), input ${p.height}×${p.width}×${p.channels}, ${p.classNames.length} classes; load with tf.loadLayersModel\n` +
      `${join(o.out, 'index.html')}: classify page (and train.html); serve the folder, e.g. trickbox demo ${o.out}\n`,
  );
}

async function cmdDemo(target: string, o: { port: number; data?: string }) {
  if (o.port > 65535) throw new UsageError(`--port must be an integer in [0, 65535], got '${o.port}'`);
  const { initBackend } = await import('./backend.js');
  await initBackend();
  const { prepareDemoSite } = await import('../demo/command.js');
  const { serveStatic } = await import('../demo/server.js');
  const site = await prepareDemoSite(target, { dataDir: o.data, log: (line) => io.err(line + '\n') });
  const server = await serveStatic(site.dir, o.port);
  io.out(
    `trickbox demo: serving ${site.dir}\n  classify: ${server.url}\n  train in the browser: ${server.url}train.html` +
      `${site.trainImages ? '' : ' (no data)'}\nCtrl-C to stop\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
}

function cmdBench(name: string | undefined) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
  const benchDir = [join(root, 'bench'), join(root, '..', 'bench')].find((d) => existsSync(d));
  if (!benchDir) throw new UsageError('bench: the bench/ folder of the source checkout was not found');
  const scripts = readdirSync(benchDir)
    .filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => f.replace(/\.ts$/, ''));
  if (!name) {
    io.out(`benchmarks in ${benchDir}: ${scripts.join(', ')}\nrun one with: trickbox bench <name>\n`);
    return;
  }
  if (!scripts.includes(name))
    throw new UsageError(`bench: unknown benchmark '${name}'; accepted: ${scripts.join(', ')}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(benchDir, `${name}.ts`)], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
}

export function buildProgram(): Command {
  const program = new Command('trickbox')
    .description('Train image classifiers with the bag of tricks on TensorFlow.js')
    .version('0.1.0')
    .addHelpText('after', EXAMPLES)
    .exitOverride();
  program
    .command('train')
    .description('train a recipe; writes a run directory with metrics.jsonl, checkpoints, model/ and report.html')
    .argument('[recipe]', 'recipe JSON file (see docs/recipes.md)')
    .option('--epochs <n>', 'override training.epochs', int('--epochs'))
    .option('--set <key=value>', 'override a recipe field (repeatable), e.g. --set optimizer.lr=0.05', collect, [])
    .option('--out <dir>', 'run directory (default runs/<name>-<time>)')
    .option('--resume <dir>', 'continue an interrupted run from its last checkpoint')
    .option('--skip-bad-images', 'image folders: skip undecodable files (each logged) instead of stopping')
    .option('--workers <n>', 'augmentation worker threads (data.workers)', int('--workers', 0))
    .option('--no-report', 'do not write report.html')
    .option('-q, --quiet', 'no progress output')
    .addHelpText(
      'after',
      '\nExamples:\n  $ trickbox train recipes/fashion-quick.json\n  $ trickbox train recipes/fashion-resnet20-baseline.json --set mixing.name=mixup --set mixing.alpha=0.2\n  $ trickbox train --resume runs/fashion-quick-20260101-120000',
    )
    .action((recipe, o) => cmdTrain(recipe, o));
  program
    .command('eval')
    .description("evaluate a run or exported model on its recipe's test set")
    .argument('<model>', 'run directory, model directory or model.json')
    .option('--recipe <file>', "recipe whose data to use (default: the run directory's recipe.json)")
    .option('--set <key=value>', 'override a recipe field (repeatable)', collect, [])
    .option('--flip-tta', 'average the predictions of the image and its mirror')
    .option('--batch-size <n>', 'evaluation batch size', int('--batch-size'), 500)
    .action((model, o) => cmdEval(model, o));
  program
    .command('predict')
    .description('print the top-k classes of images')
    .argument('<model>', 'run directory, model directory or model.json')
    .argument('<images...>', 'image files (JPEG, PNG, WebP, …)')
    .option('--top <k>', 'how many classes to print', int('--top'), 5)
    .action((model, images, o) => cmdPredict(model, images, o));
  program
    .command('ablate')
    .description(
      'run recipes (or read finished runs) and write a comparison table (Markdown + HTML); the first is the baseline',
    )
    .argument('<items...>', 'recipe files or run directories')
    .option('--out <dir>', 'output directory (runs and tables)')
    .option('--epochs <n>', 'override training.epochs of every recipe', int('--epochs'))
    .option('--set <key=value>', 'override a field of every recipe (repeatable)', collect, [])
    .action((items, o) => cmdAblate(items, o));
  program
    .command('augment')
    .description("write a PNG grid of a recipe's augmentations (original, then augmented copies)")
    .argument('<recipe>', 'recipe JSON file')
    .option('--out <file>', 'PNG file', 'augment-grid.png')
    .option('--rows <n>', 'samples', int('--rows'), 6)
    .option('--cols <n>', 'augmented copies per sample', int('--cols'), 8)
    .option('--set <key=value>', 'override a recipe field (repeatable)', collect, [])
    .action((recipe, o) => cmdAugment(recipe, o));
  program
    .command('schedule')
    .description("print (and optionally plot) a recipe's learning rate per iteration")
    .argument('<recipe>', 'recipe JSON file')
    .option('--steps-per-epoch <n>', 'iterations per epoch (default: from the dataset size)', int('--steps-per-epoch'))
    .option('--every <n>', 'print every n-th iteration', int('--every'))
    .option('--plot <file>', 'write the curve as SVG (or .html)')
    .option('--set <key=value>', 'override a recipe field (repeatable)', collect, [])
    .action((recipe, o) => cmdSchedule(recipe, o));
  program
    .command('export')
    .description(
      'write a TensorFlow.js layers model (model.json + weights.bin) with its preprocessing metadata and the demo pages',
    )
    .argument('<run>', 'run directory or model')
    .requiredOption('--out <dir>', 'output directory')
    .option('--fold-bn', 'fold batch norms into the convolutions (inference-only model, faster)')
    .action((run, o) => cmdExport(run, o));
  program
    .command('demo')
    .description('serve the classify page and the in-browser training page of a run or an exported model on 127.0.0.1')
    .argument('<dir>', 'run directory (exported into <dir>/web first) or a folder written by trickbox export')
    .option('--port <n>', 'port on 127.0.0.1 (0: any free port)', int('--port', 0), 8080)
    .option(
      '--data <dir>',
      'Fashion-MNIST IDX folder for the training page (default /usr/share/datasets/fashion-mnist)',
    )
    .action((dir, o) => cmdDemo(dir, o));
  program
    .command('bench')
    .description('list or run the benchmarks of the bench/ folder (source checkout)')
    .argument('[name]', 'benchmark name')
    .action((name) => cmdBench(name));
  return program;
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[], output: CliIo = stdio): Promise<number> {
  io = output;
  const program = buildProgram();
  program.configureOutput({ writeOut: (t) => io.out(t), writeErr: (t) => io.err(t) });
  for (const c of program.commands) c.configureOutput({ writeOut: (t) => io.out(t), writeErr: (t) => io.err(t) });
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError)
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help'
        ? 0
        : 2;
    const err = e as Error;
    const oneLine = err.message.split('\n')[0];
    if (err instanceof RecipeError || err instanceof UsageError || err instanceof DataFileError) {
      io.err(`trickbox: ${oneLine}\n`);
      return 2;
    }
    io.err(`trickbox: ${err instanceof TrainingError ? '' : 'error: '}${err.message}\n`);
    if (process.env.TRICKBOX_DEBUG) io.err(`${err.stack}\n`);
    return 1;
  }
}

/** True when this file is the program (also through npm's `node_modules/.bin/trickbox` symlink), not an import. */
function isEntryPoint(): boolean {
  const arg = process.argv[1];
  if (!arg) return false;
  const strip = (p: string): string => p.replace(/\.(ts|js)$/, '');
  let real = resolve(arg);
  try {
    real = realpathSync(real);
  } catch {
    /* keep the resolved path */
  }
  return strip(real) === strip(realpathSync(fileURLToPath(import.meta.url)));
}
const invoked = isEntryPoint();
if (invoked) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // worker threads / native pools must not keep a finished command alive
    setTimeout(() => process.exit(code), 100).unref();
  });
}
