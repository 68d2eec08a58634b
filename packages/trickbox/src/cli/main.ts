#!/usr/bin/env node
// The `trickbox` command line (docs/cli.md). Exit codes: 0 success, 1 runtime failure, 2 usage or recipe error,
// 130 / 143 stopped by SIGINT (Ctrl-C) / SIGTERM after a checkpoint was written.
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DataFileError } from '../data/index.js';
import { RecipeError } from '../train/recipe.js';
import { TrainingError } from '../train/trainer.js';
import { examplesHelp } from './examples.js';
import { VERSION } from '../version.js';

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
  $ trickbox study recipes/studies/fashion-tricks.json --out runs/study --workers 2 --threads 1
  $ trickbox worker --queue redis://127.0.0.1:6379
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

/**
 * Runs `fn`; a recipe error found after the recipe was loaded (by the trainer or a builder, which say "recipe: …")
 * names the recipe file instead.
 */
async function blamingRecipeFile<T>(file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof RecipeError && e.message.startsWith('recipe: '))
      throw new RecipeError(`${file}: ${e.message.slice('recipe: '.length)}`);
    throw e;
  }
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** The recipe of a run to resume: its own recipe.json, unchanged (a resumed run never takes another recipe). */
async function resumedRecipe(resumeDir: string) {
  const { loadRunRecipe } = await import('../train/run_recipe.js');
  const file = join(resumeDir, 'recipe.json');
  if (!existsSync(file)) throw new UsageError(`--resume ${resumeDir}: not a run directory (no recipe.json)`);
  return loadRunRecipe(file);
}

async function loadRecipeFrom(recipePath: string | undefined, sets: string[]) {
  const { loadRecipe } = await import('../train/recipe.js');
  if (!recipePath) throw new UsageError('train: a recipe file is required (or --resume DIR)');
  return loadRecipe(recipePath, sets);
}

/** "completed, 10 epochs, test top-1 91.21 %" for a finished run directory, else undefined (nothing is written). */
async function finishedSummary(runDir: string): Promise<string | undefined> {
  const { finishedRun } = await import('../train/trainer.js');
  const s = finishedRun(runDir);
  if (!s) return undefined;
  const top1 = s.selected?.metrics?.testTop1 ?? s.final?.testTop1;
  return `${s.status}, ${s.epochs} epochs${top1 === undefined ? '' : `, test top-1 ${(100 * top1).toFixed(2)} %`}`;
}

/** `--resume` continues a run as it was recorded: options that would change its recipe are refused, naming them. */
function refuseRecipeChanges(resumeDir: string, recipePath: string | undefined, changes: string[]): void {
  const keep = `a resumed run keeps ${join(resumeDir, 'recipe.json')}`;
  if (recipePath)
    throw new UsageError(
      `train --resume ${resumeDir}: a recipe argument (${recipePath}) cannot go with --resume; ${keep}`,
    );
  if (changes.length > 0)
    throw new UsageError(`train --resume ${resumeDir}: ${changes[0]} would change the run's recipe; ${keep}`);
}

interface TrainCliOptions {
  epochs?: number;
  set: string[];
  out?: string;
  resume?: string;
  quiet?: boolean;
  skipBadImages?: boolean;
  workers?: number;
  report: boolean;
  json?: boolean;
}

function cmdTrain(recipePath: string | undefined, o: TrainCliOptions): Promise<void> {
  const file = o.resume ? join(o.resume, 'recipe.json') : (recipePath ?? 'recipe');
  return blamingRecipeFile(file, () => trainCommand(recipePath, o));
}

async function trainCommand(recipePath: string | undefined, o: TrainCliOptions) {
  // each option as a --set path, and as the user typed it (for the message when it comes with --resume)
  const options: Array<[string, string]> = o.set.map((v) => [v, `--set ${v}`]);
  if (o.epochs !== undefined) options.push([`training.epochs=${o.epochs}`, `--epochs ${o.epochs}`]);
  if (o.skipBadImages) options.push(['data.skipBadImages=true', '--skip-bad-images']);
  if (o.workers !== undefined) options.push([`data.workers=${o.workers}`, `--workers ${o.workers}`]);
  const sets = options.map(([set]) => set);
  const changes = options.map(([, typed]) => typed);
  if (o.resume) {
    refuseRecipeChanges(o.resume, recipePath, changes);
    const done = await finishedSummary(o.resume);
    if (done) {
      io.out(`${o.resume}: finished (${done}); nothing to resume\n`);
      return;
    }
  }
  const recipe = o.resume ? await resumedRecipe(o.resume) : await loadRecipeFrom(recipePath, sets);
  const runDir = o.resume ?? o.out ?? join('runs', `${recipe.name}-${timestamp()}`);
  const { removeStaleTempFiles } = await import('../fs/atomic.js');
  if (o.resume) removeStaleTempFiles(runDir, { recursive: true });
  const { initBackend } = await import('./backend.js');
  const backend = await initBackend();
  const { train } = await import('../train/trainer.js');
  const { progressCallbacks } = await import('./progress.js');
  const { interruptHandler } = await import('./interrupt.js');
  const stopSignal = { stop: false };
  const progress = progressCallbacks(process.stderr, o.quiet);
  // SIGINT (Ctrl-C) and SIGTERM (container stop, scheduler, preemption): finish the step, checkpoint, exit 130 / 143
  const { onSignal, stoppedBy } = interruptHandler({
    stopSignal,
    say: (m) => io.err(m),
    abort: (code) => {
      progress.close();
      process.exit(code);
    },
    resumeCommand: `trickbox train --resume ${runDir}`,
  });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const log = (m: string): void => void io.err(m + '\n');
  const { writeFileAtomic } = await import('../train/io.js');
  const announce = {
    onTrainBegin: () => {
      if (!o.resume)
        writeFileAtomic(join(runDir, 'overrides.json'), JSON.stringify({ recipe: recipePath, set: sets }) + '\n');
      if (!o.quiet) log(`trickbox: training '${recipe.name}' on backend '${backend}' → ${runDir}`);
    },
  };
  try {
    const result = await train({
      recipe,
      runDir,
      resume: Boolean(o.resume),
      stopSignal,
      callbacks: [announce, progress],
      log,
    });
    if (result.status === 'interrupted') {
      log(
        `trickbox: interrupted at step ${result.step}; checkpoint ${result.checkpoint}. Resume with: trickbox train --resume ${runDir}`,
      );
      if (o.json)
        io.out(
          JSON.stringify({ status: result.status, step: result.step, checkpoint: result.checkpoint, runDir }) + '\n',
        );
      process.exitCode = stoppedBy() === 'SIGTERM' ? 143 : 130;
      return;
    }
    let report: string | undefined;
    if (o.report) {
      const { writeReport } = await import('../report/index.js');
      const { recipeAugmentationGrid } = await import('../train/augment_grid.js');
      // the report's grid: 6 of 64 training images (a missing grid never fails a finished run)
      const grid = await recipeAugmentationGrid(recipe, { sample: 64 }).catch(() => undefined);
      if (grid) writeFileAtomic(join(runDir, 'augment-grid.png'), grid);
      report = await writeReport(runDir);
    }
    const f = result.final;
    io.out(
      o.json
        ? JSON.stringify({
            status: result.status,
            epochs: result.epochs,
            step: result.step,
            testTop1: f?.testTop1 ?? null,
            testTop5: f?.testTop5 ?? null,
            testLoss: f?.testLoss ?? null,
            selectedEpoch: result.selected?.epoch ?? null,
            selectedTestTop1: result.selected?.metrics?.testTop1 ?? null,
            wallSeconds: result.wallSeconds,
            runDir,
            report: report ?? null,
          }) + '\n'
        : `${result.status === 'early-stopped' ? 'stopped early' : 'done'}: ${result.epochs} epochs, test top-1 ${f ? (100 * f.testTop1).toFixed(2) : '–'}%, ` +
            `${result.wallSeconds.toFixed(0)} s\n${report ? `report: ${report}\n` : ''}`,
    );
  } catch (e) {
    const { DiskFullError, diskFullAware } = await import('../fs/atomic.js');
    // a write outside the atomic layer names no file (fd-based): the run directory then
    const err = diskFullAware(e, (e as NodeJS.ErrnoException).path ?? runDir);
    if (err instanceof DiskFullError) throw await diskFullFailure(err, runDir);
    throw e;
  } finally {
    progress.close(); // a failed run leaves no hidden cursor behind
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** What a user needs after a full disk: the file, the last checkpoint that is intact, and how to go on. */
async function diskFullFailure(e: import('../fs/atomic.js').DiskFullError, runDir: string): Promise<TrainingError> {
  if (!existsSync(join(runDir, 'recipe.json')))
    return new TrainingError(
      `disk full: cannot write ${e.file} (${e.code}); the run had not started. Free some space and run the command again`,
    );
  const { readLatestCheckpoint } = await import('../train/checkpoint.js');
  let last: string;
  try {
    const latest = readLatestCheckpoint(runDir);
    last = latest ? `${latest.file} (step ${latest.checkpoint.state.step})` : 'none yet (the resume starts at step 0)';
  } catch (err) {
    last = `none readable (${(err as Error).message})`;
  }
  return new TrainingError(
    `disk full: cannot write ${e.file} (${e.code}). Last good checkpoint: ${last}. ` +
      `Free some space, then resume with: trickbox train --resume ${runDir}`,
  );
}

async function cmdEval(
  model: string,
  o: { recipe?: string; set: string[]; flipTta?: boolean; batchSize: number; json?: boolean },
) {
  const { initBackend } = await import('./backend.js');
  await initBackend();
  let recipeFile = o.recipe;
  if (!recipeFile && existsSync(join(model, 'recipe.json'))) recipeFile = join(model, 'recipe.json');
  if (!recipeFile)
    throw new UsageError(`eval: ${model} is not a run directory; pass --recipe FILE to say which data to evaluate on`);
  const { loadRunRecipe } = await import('../train/run_recipe.js');
  const recipe = loadRunRecipe(recipeFile, o.set);
  const { evaluateSavedModel } = await import('../train/evaluate_saved.js');
  const { result: r, modelFile } = await blamingRecipeFile(recipeFile, () =>
    evaluateSavedModel(model, recipe, recipeFile, {
      batchSize: o.batchSize,
      flipTta: o.flipTta ?? recipe.evaluation.flipTta,
    }),
  );
  io.out(
    o.json
      ? JSON.stringify({
          model: modelFile,
          recipe: recipeFile,
          images: r.count,
          top1: r.top1,
          top5: r.top5,
          loss: r.loss,
        }) + '\n'
      : `test images ${r.count}: top-1 ${(100 * r.top1).toFixed(2)}%  top-5 ${(100 * r.top5).toFixed(2)}%  loss ${r.loss.toFixed(4)}\n`,
  );
}

async function cmdPredict(model: string, images: string[], o: { top: number; json?: boolean }) {
  const { initBackend } = await import('./backend.js');
  await initBackend();
  const { loadModel } = await import('../train/modelio.js');
  const { decodeImageFile } = await import('../data/decodeImage.js');
  const { classifyPixels } = await import('../train/predict.js');
  const { model: m, preprocessing: p } = await loadModel(model);
  if (!p) throw new UsageError(`predict: ${model} has no preprocessing metadata (export it with trickbox export)`);
  let failed = 0;
  for (const file of images) {
    let raw: Uint8Array;
    try {
      raw = await decodeImageFile(file, p);
    } catch (e) {
      // one line per bad file; the other images are still classified
      failed++;
      const reason = (e as Error).message.split('\n')[0];
      if (o.json) io.out(JSON.stringify({ file, error: `cannot decode image (${reason})` }) + '\n');
      io.err(`trickbox: ${file}: cannot decode image (${reason})\n`);
      continue;
    }
    const top = await classifyPixels(m, raw, p, o.top);
    io.out(
      o.json
        ? JSON.stringify({ file, top }) + '\n'
        : `${file}: ${top.map((t) => `${t.class} ${(100 * t.probability).toFixed(1)}%`).join(', ')}\n`,
    );
  }
  if (failed > 0) process.exitCode = 1;
}

async function cmdAugment(recipePath: string, o: { out: string; set: string[]; rows: number; cols: number }) {
  const { rasterFormatOf, encodeRaster, RASTER_EXTENSIONS } = await import('./imageFile.js');
  const format = rasterFormatOf(o.out);
  if (!format)
    throw new UsageError(`augment --out ${o.out}: unsupported image type; accepted: ${RASTER_EXTENSIONS.join(', ')}`);
  const { loadRecipe } = await import('../train/recipe.js');
  const recipe = loadRecipe(recipePath, o.set);
  const { recipeAugmentationGrid } = await import('../train/augment_grid.js');
  let png: Buffer;
  try {
    png = await recipeAugmentationGrid(recipe, { rows: o.rows, cols: o.cols });
  } catch (e) {
    // the transform builders reject bad recipe entries with a RangeError naming augment[i]
    if (e instanceof RangeError) throw new RecipeError(`recipe: ${e.message.split('\n')[0]}`);
    throw e;
  }
  const { writeFileAtomic } = await import('../train/io.js');
  writeFileAtomic(o.out, format === 'png' ? png : await encodeRaster(png, format));
  io.out(`${o.out}: ${o.rows} samples × (original + ${o.cols} augmentations)\n`);
}

async function cmdSchedule(
  recipePath: string,
  o: { set: string[]; stepsPerEpoch?: number; every?: number; plot?: string },
) {
  const { rasterFormatOf, encodeRaster, RASTER_EXTENSIONS } = await import('./imageFile.js');
  const plotFormat = o.plot && (/\.(svg|html)$/i.test(o.plot) ? undefined : rasterFormatOf(o.plot));
  if (o.plot && !/\.(svg|html)$/i.test(o.plot) && !plotFormat)
    throw new UsageError(
      `schedule --plot ${o.plot}: unsupported file type; accepted: .svg, .html, ${RASTER_EXTENSIONS.join(', ')}`,
    );
  const { loadRecipe } = await import('../train/recipe.js');
  const { buildSchedule } = await import('../train/build.js');
  const recipe = loadRecipe(recipePath, o.set);
  let spe = o.stepsPerEpoch;
  if (!spe) {
    const { countTrainingImages } = await import('../train/data.js');
    spe = Math.ceil(countTrainingImages(recipe) / recipe.training.batchSize);
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
      plotFormat
        ? await encodeRaster(svg, plotFormat)
        : /\.html$/i.test(o.plot)
          ? `<!doctype html><meta charset="utf-8"><title>LR</title>${svg}\n`
          : svg,
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
    `${join(o.out, 'model.json')}: tfjs layers model (${parameters} parameters), input ${p.height}×${p.width}×${p.channels}, ${p.classNames.length} classes; outputs logits (tf.softmax gives probabilities); load with tf.loadLayersModel\n` +
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
    .version(VERSION)
    .addHelpText('after', EXAMPLES)
    .exitOverride();
  program
    .command('train')
    .addHelpText('after', examplesHelp('train'))
    .description('train a recipe; writes a run directory with metrics.jsonl, checkpoints, model/ and report.html')
    .argument('[recipe]', 'recipe JSON file (see docs/recipes.md)')
    .option('--epochs <n>', 'override training.epochs', int('--epochs'))
    .option('--set <key=value>', 'override a recipe field (repeatable), e.g. --set optimizer.lr=0.05', collect, [])
    .option('--out <dir>', 'run directory (default runs/<name>-<time>)')
    .option('--resume <dir>', 'continue an interrupted run from its last checkpoint')
    .option('--skip-bad-images', 'image folders: skip undecodable files (each logged) instead of stopping')
    .option('--workers <n>', 'augmentation worker threads (data.workers)', int('--workers', 0))
    .option('--no-report', 'do not write report.html')
    .option('--json', 'print the final line as one JSON object (status, epochs, test metrics, run directory)')
    .option('-q, --quiet', 'no progress output')
    .action((recipe, o) => cmdTrain(recipe, o));
  program
    .command('eval')
    .addHelpText('after', examplesHelp('eval'))
    .description("evaluate a run or exported model on its recipe's test set")
    .argument('<model>', 'run directory, model directory or model.json')
    .option('--recipe <file>', "recipe whose data to use (default: the run directory's recipe.json)")
    .option('--set <key=value>', 'override a recipe field (repeatable)', collect, [])
    .option('--flip-tta', 'average the predictions of the image and its mirror')
    .option('--batch-size <n>', 'evaluation batch size', int('--batch-size'), 500)
    .option('--json', 'print the result as one JSON object (images, top1, top5, loss as fractions)')
    .action((model, o) => cmdEval(model, o));
  program
    .command('predict')
    .addHelpText('after', examplesHelp('predict'))
    .description('print the top-k classes of images')
    .argument('<model>', 'run directory, model directory or model.json')
    .argument('<images...>', 'image files (JPEG, PNG, WebP, …)')
    .option('--top <k>', 'how many classes to print', int('--top'), 5)
    .option('--json', 'one JSON object per image: {"file","top":[{"class","probability"}]} or {"file","error"}')
    .action((model, images, o) => cmdPredict(model, images, o));
  program
    .command('ablate')
    .addHelpText('after', examplesHelp('ablate'))
    .description(
      'compare recipes as a study (one config per recipe, the first the baseline; seeds × recipes trials, statistics), or finished run directories as they are',
    )
    .argument('<items...>', 'recipe files, or finished run directories')
    .option('--out <dir>', 'study directory (trials, study.json/md/html)')
    .option('--seeds <list>', 'seeds per recipe, comma-separated (default: 0)')
    .option('--epochs <n>', 'override training.epochs of every recipe', int('--epochs'))
    .option('--set <key=value>', 'override a field of every recipe (repeatable)', collect, [])
    .option('--workers <n>', 'local trial processes at a time (default: 1)', int('--workers'))
    .option('--threads <n>', 'native threads per trial process (default: all cores / workers)', int('--threads'))
    .option('--queue <url>', 'put the trials on a BullMQ queue at this Redis URL (redis://HOST:PORT) and wait')
    .action(async (items, o) => {
      const { cmdAblate } = await import('./ablate.js');
      process.exitCode = await cmdAblate(items, { ...o, out: o.out ?? join('runs', `ablation-${timestamp()}`) }, io);
    });
  program
    .command('study')
    .description(
      'run a study (configs × seeds, each trial a run directory) and write study.json/md/html; run again to resume',
    )
    .argument('[study]', 'study JSON file (see docs/studies.md)')
    .option('--out <dir>', 'study directory')
    .option('--workers <n>', 'local trial processes at a time', int('--workers'), 1)
    .option('--threads <n>', 'native threads per trial process (default: all cores / workers)', int('--threads'))
    .option('--queue <url>', 'put the trials on a BullMQ queue at this Redis URL (redis://HOST:PORT) and wait')
    .option(
      '--only <configs>',
      "train only these configs' trials this time (comma-separated; their teachers too); the report covers all",
    )
    .option('--report [dir]', 'write the report of a study directory from its finished trials; trains nothing')
    .action(async (study, o) => {
      const { cmdStudy } = await import('./study.js');
      process.exitCode = await cmdStudy(study, o, io);
    });
  program
    .command('worker')
    .description('take trials from a study queue (BullMQ on Redis) and train them, one child process per trial')
    .requiredOption('--queue <url>', 'Redis URL, redis://HOST:PORT')
    .option('--threads <n>', 'native threads per trial', int('--threads'), 1)
    .option('--concurrency <n>', 'trials at a time', int('--concurrency'), 1)
    .option('--dir <dir>', "train under this directory (separate storage) instead of the study's trials/ folder")
    .option('--stall-seconds <n>', 'job lock and stalled-check interval', int('--stall-seconds'), 30)
    .action(async (o) => {
      const { cmdWorker } = await import('./study.js');
      process.exitCode = await cmdWorker(o, io);
    });
  program
    .command('lr-find')
    .description('learning-rate range test (Smith 2017): a fresh model, lr rising exponentially; prints a suggested lr')
    .argument('<recipe>', 'recipe JSON file')
    .option('--set <key=value>', 'override a recipe field (repeatable)', collect, [])
    .option('--steps <n>', 'iterations of the test', int('--steps', 5), 100)
    .option('--start-lr <lr>', 'first learning rate', Number, 1e-7)
    .option('--end-lr <lr>', 'last learning rate', Number, 10)
    .option('--plot <file>', 'SVG of the smoothed loss per log10(lr)', 'lr-find.svg')
    .option('--out <dir>', 'write lr-find.svg and lr-find.json (every point) there instead')
    .action(async (recipe, o) => {
      const { cmdLrFind } = await import('./study.js');
      process.exitCode = await cmdLrFind(recipe, o, io);
    });
  program
    .command('search-augment')
    .description(
      'search an augmentation policy: a RandAugment (N, M) grid and TrivialAugment on a proxy task; writes best.json',
    )
    .argument('<recipe>', 'recipe JSON file')
    .requiredOption('--out <dir>', 'study directory (trials, study.md/html/json, best.json)')
    .option('--set <key=value>', 'override a recipe field (repeatable)', collect, [])
    .option('--proxy-subset <n>', 'training images of the proxy task', int('--proxy-subset'), 10000)
    .option('--proxy-epochs <n>', 'epochs of the proxy task', int('--proxy-epochs'), 5)
    .option('--seeds <list>', 'seeds per config', '0')
    .option('--n <list>', 'RandAugment N values', '1,2')
    .option('--m <list>', 'RandAugment M values', '5,9,13')
    .option('--workers <n>', 'trial processes at a time', int('--workers'), 1)
    .option('--threads <n>', 'native threads per trial process', int('--threads'))
    .action(async (recipe, o) => {
      const { cmdSearchAugment } = await import('./study.js');
      process.exitCode = await cmdSearchAugment(recipe, o, io);
    });
  program
    .command('augment')
    .addHelpText('after', examplesHelp('augment'))
    .description("write a PNG grid of a recipe's augmentations (original, then augmented copies)")
    .argument('<recipe>', 'recipe JSON file')
    .option(
      '--out <file>',
      'image file: .png, .jpg/.jpeg or .webp (the extension names the format)',
      'augment-grid.png',
    )
    .option('--rows <n>', 'samples', int('--rows'), 6)
    .option('--cols <n>', 'augmented copies per sample', int('--cols'), 8)
    .option('--set <key=value>', 'override a recipe field (repeatable)', collect, [])
    .action((recipe, o) => blamingRecipeFile(recipe, () => cmdAugment(recipe, o)));
  program
    .command('recipe')
    .description('print the fully resolved recipe (extends applied, overrides and defaults filled in) as JSON')
    .argument('<recipe>', 'recipe file (JSON or YAML)')
    .option('--set <key=value>', 'override a recipe field (repeatable)', collect, [])
    .addHelpText(
      'after',
      '\nExamples:\n  $ trickbox recipe recipes/fashion-resnet20-mixup.json\n  $ trickbox recipe recipes/fashion-quick.json --set optimizer.lr=0.05 --set augment.0.options.p=0.3',
    )
    .action(async (recipe, o) => {
      const { loadRecipe } = await import('../train/recipe.js');
      io.out(JSON.stringify(loadRecipe(recipe, o.set), null, 2) + '\n');
    });
  program
    .command('schedule')
    .addHelpText('after', examplesHelp('schedule'))
    .description("print (and optionally plot) a recipe's learning rate per iteration")
    .argument('<recipe>', 'recipe JSON file')
    .option('--steps-per-epoch <n>', 'iterations per epoch (default: from the dataset size)', int('--steps-per-epoch'))
    .option('--every <n>', 'print every n-th iteration', int('--every'))
    .option('--plot <file>', 'draw the curve: .svg, .html, or an image (.png, .jpg/.jpeg, .webp)')
    .option('--set <key=value>', 'override a recipe field (repeatable)', collect, [])
    .action((recipe, o) => blamingRecipeFile(recipe, () => cmdSchedule(recipe, o)));
  program
    .command('export')
    .addHelpText('after', examplesHelp('export'))
    .description(
      'write a TensorFlow.js layers model (model.json + weights.bin) with its preprocessing metadata and the demo pages; the model outputs logits (apply softmax for probabilities)',
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
    .addHelpText('after', examplesHelp('bench'))
    .description('list or run the benchmarks of the bench/ folder (source checkout)')
    .argument('[name]', 'benchmark name')
    .action((name) => cmdBench(name));
  return program;
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[], output: CliIo = stdio): Promise<number> {
  io = output;
  const program = buildProgram();
  const commanderOutput = {
    writeOut: (t: string) => io.out(t),
    writeErr: (t: string) => io.err(t),
    // commander's errors come on two lines ("error: unknown command 'trian'" + "(Did you mean train?)"): one line
    outputError: (t: string, write: (s: string) => void) =>
      write(
        `trickbox: ${t
          .trim()
          .replace(/^error: /, '')
          .replace(/\s*\n\s*/g, ' ')}\n`,
      ),
  };
  program.configureOutput(commanderOutput);
  for (const c of program.commands) c.configureOutput(commanderOutput);
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
/** Runs the command line and exits with its code: from `node main.js …` and from the package's bin script. */
export function runCli(argv: string[]): void {
  main(argv).then((code) => {
    process.exitCode = code;
    // worker threads / native pools must not keep a finished command alive
    setTimeout(() => process.exit(code), 100).unref();
  });
}
if (isEntryPoint()) runCli(process.argv.slice(2));
