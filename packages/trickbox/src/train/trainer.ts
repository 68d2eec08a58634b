// The training loop (docs/architecture.md): data → plug-ins' batch transforms → model → loss (plug-ins amend it) →
// optimizer ← per-iteration schedule, then the plug-ins' after-step, evaluation and after-epoch hooks. Checkpoints
// (every epoch, every `training.checkpointMinutes`, on a stop request) make `--resume` exact.
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { derivedSeed, type Dataset } from '../data/index.js';
import { reseedDropout, seedSource } from '../models/index.js';
import type { TrainPlugin } from '../plugin/index.js';
import type { ModelFactory } from './build.js';
import { readLatestCheckpoint } from './checkpoint.js';
import { evaluateRun, evaluationWeights, type EpochRecord } from './epoch_record.js';
import { TrainingError } from './errors.js';
import { appendJsonl, fileSize, readJsonl, truncateTo, writeFileAtomic } from './io.js';
import { lockRunDir } from './lock.js';
import { saveModel } from './modelio.js';
import { provenance } from './provenance.js';
import { RecipeError, type Recipe } from './recipe.js';
import { runRecipeJson } from './run_recipe.js';
import { setupRun, type RunSetup } from './setup.js';
import {
  NonFiniteStateError,
  emptyAcc,
  restoreCheckpoint,
  saveCheckpoint,
  type LoopPosition,
  type RunParts,
} from './state.js';
import { trainStep } from './step.js';

export { TrainingError } from './errors.js';
export type { EpochRecord } from './epoch_record.js';

export interface StepInfo {
  step: number;
  epoch: number;
  batch: number;
  batchesPerEpoch: number;
  totalSteps: number;
  loss: number;
  lr: number;
  imagesPerSecond: number;
}

/** Observers of a run (progress bars, logging); a callback may also implement plug-in hooks (it then needs a name). */
export interface Callbacks {
  onTrainBegin?(info: { totalSteps: number; stepsPerEpoch: number; startStep: number; runDir: string }): void;
  onStepEnd?(info: StepInfo): void;
  onEpochEnd?(record: EpochRecord): void;
  onTrainEnd?(result: TrainResult): void;
}
export type Callback = Callbacks & Partial<TrainPlugin>;

export interface TrainOptions {
  recipe: Recipe;
  /** Run directory (created). */
  runDir: string;
  /** Continue the run in `runDir` from its newest checkpoint (a finished run is returned as it is). */
  resume?: boolean;
  /** Builds the model instead of `models.<recipe.model.name>` (library use, tests). */
  model?: ModelFactory;
  /** Uses these datasets instead of loading `recipe.data` (library use, tests). */
  datasets?: { train: Dataset; test: Dataset };
  /** Observers and user plug-ins, called after the recipe's plug-ins; their state is checkpointed too. */
  callbacks?: Callback[];
  /** Set `stop = true` (e.g. from a signal handler): the current step finishes, a checkpoint is written, train returns. */
  stopSignal?: { stop: boolean };
  /** Stop (with a checkpoint) once this many steps are done — to simulate an interruption in tests. */
  stopAtStep?: number;
  /**
   * A relative `distillation.teacher` is resolved against this directory instead of the working directory (a study's
   * student names its teacher trial relative to the study directory, so the directory can move).
   */
  teacherBase?: string;
  log?: (message: string) => void;
}

/** The saved model: the epoch it comes from, why, and that epoch's metrics. */
export interface SelectedModel {
  epoch: number;
  reason: string;
  metrics?: EpochRecord;
}

export interface TrainResult {
  runDir: string;
  status: 'completed' | 'early-stopped' | 'interrupted';
  step: number;
  epochs: number;
  /** The last epoch's record. */
  final?: EpochRecord;
  /** The saved model's epoch and metrics (equal to `final` unless a plug-in such as early stopping chose another). */
  selected?: SelectedModel;
  wallSeconds: number;
  checkpoint?: string;
  confusion?: number[][];
}

/** Stream id of the per-step dropout seeds, distinct from the loader's per-sample streams. */
const DROPOUT_STREAM = 0x44524f50;

interface Run extends RunSetup, Omit<RunParts, 'optimizer'> {
  recipe: Recipe;
  opts: TrainOptions;
  metricsFile: string;
  log: (m: string) => void;
  observers: Callbacks[];
  startedAt: number;
  lastCheckpoint?: string;
}

/** The summary of a finished run, or undefined (a resume of a finished run changes nothing). */
export function finishedRun(runDir: string): TrainResult | undefined {
  const file = join(runDir, 'summary.json');
  if (!existsSync(file)) return undefined;
  const s = JSON.parse(readFileSync(file, 'utf8')) as TrainResult;
  if (s.status === 'interrupted') return undefined;
  return { ...s, runDir, checkpoint: s.checkpoint ? join(runDir, s.checkpoint) : undefined };
}

function checkRunDir(runDir: string, opts: TrainOptions): void {
  if (opts.resume && !existsSync(join(runDir, 'recipe.json')))
    throw new TrainingError(`${runDir}: not a run directory (no recipe.json) — nothing to resume`);
  const holdsRun = existsSync(runDir) && readdirSync(runDir).some((f) => f === 'metrics.jsonl' || f === 'checkpoints');
  if (!opts.resume && holdsRun)
    throw new RecipeError(
      `${runDir}: already holds a run; pass --resume ${opts.runDir} to continue it, or choose another --out`,
    );
}

/** Names callbacks that implement plug-in hooks without one (their state is keyed by name). */
function asPlugins(callbacks: Callback[]): TrainPlugin[] {
  return callbacks.map((c, i) =>
    c.name ? (c as TrainPlugin) : Object.assign(Object.create(c), { name: `callback-${i}` }),
  );
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const runDir = resolve(opts.runDir);
  const log = opts.log ?? ((m: string) => console.error(m));
  if (opts.resume) {
    const done = finishedRun(runDir);
    if (done) {
      log(`${runDir}: finished (${done.status}, ${done.epochs} epochs); nothing to resume`);
      return done;
    }
  }
  checkRunDir(runDir, opts);
  const setup = await setupRun(opts.recipe, {
    model: opts.model,
    datasets: opts.datasets,
    teacherBase: opts.teacherBase,
    log,
  });
  const callbacks = opts.callbacks ?? [];
  const run: Run = {
    ...setup,
    recipe: opts.recipe,
    opts,
    runDir,
    log,
    metricsFile: join(runDir, 'metrics.jsonl'),
    trainableNames: setup.trainable.map((v) => v.name),
    plugins: [...setup.plugins, ...asPlugins(callbacks)],
    observers: callbacks,
    startedAt: performance.now(),
  };
  mkdirSync(runDir, { recursive: true }); // only now: bad data or a bad model leave no empty run directory
  const release = lockRunDir(runDir, log);
  try {
    const pos = await startPosition(run);
    for (const p of run.plugins)
      await p.beforeFit?.({
        model: run.model,
        numClasses: run.numClasses,
        stepsPerEpoch: run.loader.batchesPerEpoch,
        totalSteps: run.steps.totalSteps,
        startStep: pos.step,
        runDir,
        seed: run.recipe.training.seed,
        trainingImages: {
          pixels: run.data.train.images,
          count: run.data.train.labels.length,
          height: run.data.train.height,
          width: run.data.train.width,
          channels: run.data.train.channels,
          mean: run.data.mean,
          std: run.data.std,
        },
      });
    if (opts.resume) await restoreFromCheckpoint(run, pos);
    for (const o of run.observers)
      o.onTrainBegin?.({
        totalSteps: run.steps.totalSteps,
        stepsPerEpoch: run.loader.batchesPerEpoch,
        startStep: pos.step,
        runDir,
      });
    const status = await trainEpochs(run, pos);
    const result = await finish(run, pos, status);
    for (const o of run.observers) o.onTrainEnd?.(result);
    return result;
  } finally {
    release();
    await run.loader.close();
    for (const p of run.plugins) p.dispose?.();
    run.model.dispose();
    run.optimizer.dispose();
  }
}

/** A fresh position (writing recipe.json), or the one a resume will restore (recipe.json is never rewritten). */
async function startPosition(run: Run): Promise<LoopPosition> {
  const pos: LoopPosition = { step: 0, epoch: 0, batch: 0, wallBeforeMs: 0, acc: emptyAcc(), stoppedBy: null };
  if (!run.opts.resume) {
    writeFileAtomic(join(run.runDir, 'recipe.json'), runRecipeJson(run.recipe, run.steps));
  }
  return pos;
}

async function restoreFromCheckpoint(run: Run, pos: LoopPosition): Promise<void> {
  const latest = readLatestCheckpoint(run.runDir);
  if (!latest) {
    run.log(`${run.runDir}: no checkpoint yet, starting from the beginning`);
    truncateTo(run.metricsFile, 0);
    return;
  }
  const restored = await restoreCheckpoint(run, latest.file, latest.checkpoint).catch((e: Error) => {
    throw new TrainingError(e.message);
  });
  Object.assign(pos, restored);
  run.lastCheckpoint = latest.file;
  truncateTo(run.metricsFile, latest.checkpoint.state.metricsBytes);
  run.log(`resuming ${run.runDir} from ${latest.file} (step ${pos.step}, epoch ${pos.epoch + 1}, batch ${pos.batch})`);
}

const stopRequested = (run: Run, step: number): boolean =>
  Boolean(run.opts.stopSignal?.stop) || (run.opts.stopAtStep !== undefined && step >= run.opts.stopAtStep);

async function checkpoint(run: Run, pos: LoopPosition): Promise<void> {
  try {
    run.lastCheckpoint = await saveCheckpoint(
      run,
      { ...pos, wallBeforeMs: wallMs(run, pos) },
      fileSize(run.metricsFile),
    );
  } catch (e) {
    if (!(e instanceof NonFiniteStateError)) throw e;
    throw new TrainingError(
      `${e.message} after step ${pos.step} (epoch ${pos.epoch + 1}, lr ${run.schedule(Math.max(0, pos.step - 1))}); not checkpointed. ` +
        `Last good checkpoint: ${run.lastCheckpoint ?? '(none yet)'}; lower optimizer.lr`,
    );
  }
}

/** Milliseconds of training so far, across resumes. */
function wallMs(run: Run, pos: LoopPosition): number {
  return pos.wallBeforeMs + (performance.now() - run.startedAt);
}

async function trainEpochs(run: Run, pos: LoopPosition): Promise<TrainResult['status']> {
  while (pos.epoch < run.recipe.training.epochs && !pos.stoppedBy) {
    if (await trainOneEpoch(run, pos)) return 'interrupted';
    await endEpoch(run, pos);
    if (pos.stoppedBy) break;
    if (stopRequested(run, pos.step)) return pos.epoch < run.recipe.training.epochs ? 'interrupted' : 'completed';
  }
  return pos.stoppedBy ? 'early-stopped' : 'completed';
}

/** Trains the rest of the epoch in progress; true when stopped in the middle (after writing a checkpoint). */
async function trainOneEpoch(run: Run, pos: LoopPosition): Promise<boolean> {
  const { recipe, loader, model } = run;
  const stepsPerEpoch = loader.batchesPerEpoch;
  const epochStart = performance.now();
  const checkpointEveryMs = recipe.training.checkpointMinutes * 60_000;
  let lastCheckpointAt = epochStart;
  let stepStart = epochStart;
  loader.resetWait();
  const partialAcc = () => ({
    ...pos.acc,
    waitMs: pos.acc.waitMs + loader.waitMs,
    timeMs: pos.acc.timeMs + (performance.now() - epochStart),
  });
  for await (const b of loader.epoch(pos.epoch, pos.batch)) {
    const lr = run.schedule(pos.step); // the first batch trains at schedule(0)
    run.optimizer.setLearningRate(lr);
    reseedDropout(model, seedSource(derivedSeed(recipe.training.seed, DROPOUT_STREAM, pos.step))!);
    const ctx = { step: pos.step, epoch: pos.epoch, rng: run.rng };
    const out = await trainStep(
      {
        model,
        trainable: run.trainable,
        optimizer: run.optimizer,
        plugins: run.plugins,
        labelSmoothing: recipe.loss.labelSmoothing,
        onNaN: recipe.training.onNaN,
      },
      b,
      ctx,
    );
    if (!out.applied) {
      if (recipe.training.onNaN !== 'skip')
        throw new TrainingError(
          `loss is ${out.loss} at step ${pos.step} (epoch ${pos.epoch + 1}, lr ${lr}); stopped. Last good checkpoint: ` +
            `${run.lastCheckpoint ?? '(none yet)'}${run.lastCheckpoint ? ` — resume with --resume ${run.opts.runDir}` : ''}; ` +
            `lower optimizer.lr or set training.onNaN to 'skip'`,
        );
      pos.acc.skipped++;
      run.log(`step ${pos.step}: loss is ${out.loss} at lr ${lr}; batch skipped (training.onNaN = 'skip')`);
    }
    pos.step++;
    pos.batch = b.index + 1;
    if (out.applied) {
      pos.acc.loss += out.loss * b.y.length;
      pos.acc.correct += out.correct;
      pos.acc.count += b.y.length;
    }
    const now = performance.now();
    const info: StepInfo = {
      step: pos.step,
      epoch: pos.epoch + 1,
      batch: pos.batch,
      batchesPerEpoch: stepsPerEpoch,
      totalSteps: run.steps.totalSteps,
      loss: out.loss,
      lr,
      imagesPerSecond: b.y.length / ((now - stepStart) / 1000),
    };
    stepStart = now;
    if (out.applied && pos.step % recipe.training.logEvery === 0)
      appendJsonl(run.metricsFile, {
        type: 'step',
        step: pos.step,
        epoch: pos.epoch + 1,
        loss: out.loss,
        lr,
        imagesPerSecond: info.imagesPerSecond,
      });
    if (out.applied) for (const o of run.observers) o.onStepEnd?.(info);
    // yield to the event loop once per step, so a signal handler can set stopSignal (and the lock is refreshed)
    await new Promise<void>((r) => setImmediate(r));
    const midEpoch = pos.batch < stepsPerEpoch;
    if (midEpoch && stopRequested(run, pos.step)) {
      await checkpoint(run, { ...pos, acc: partialAcc() });
      return true;
    }
    if (midEpoch && performance.now() - lastCheckpointAt >= checkpointEveryMs) {
      await checkpoint(run, { ...pos, acc: partialAcc() });
      lastCheckpointAt = performance.now();
    }
  }
  pos.acc = partialAcc();
  return false;
}

/** Evaluates, records the epoch, runs the plug-ins' after-epoch hooks, and writes the epoch's checkpoint. */
async function endEpoch(run: Run, pos: LoopPosition): Promise<void> {
  const o = { mean: run.data.mean, std: run.data.std, batchSize: run.recipe.training.evalBatchSize };
  const testRes = await evaluateRun(run.model, run.plugins, run.data.test, o);
  const valRes = run.data.val ? await evaluateRun(run.model, run.plugins, run.data.val, o) : undefined;
  const acc = pos.acc;
  const record: EpochRecord = {
    type: 'epoch',
    epoch: pos.epoch + 1,
    step: pos.step,
    lr: run.schedule(Math.max(0, pos.step - 1)),
    trainLoss: acc.loss / Math.max(1, acc.count),
    trainAccuracy: acc.correct / Math.max(1, acc.count),
    ...(valRes ? { valLoss: valRes.loss, valTop1: valRes.top1, valTop5: valRes.top5 } : {}),
    testLoss: testRes.loss,
    testTop1: testRes.top1,
    testTop5: testRes.top5,
    evaluatedWith: evaluationWeights(run.plugins) ? 'ema' : 'weights',
    epochSeconds: acc.timeMs / 1000,
    dataWaitFraction: acc.timeMs > 0 ? acc.waitMs / acc.timeMs : 0,
    skippedSteps: acc.skipped,
    wallSeconds: wallMs(run, pos) / 1000,
  };
  appendJsonl(run.metricsFile, record);
  const confusion = { epoch: record.epoch, classNames: run.data.train.classNames, matrix: testRes.confusion };
  writeFileAtomic(join(run.runDir, 'confusion.json'), JSON.stringify(confusion) + '\n');
  for (const ob of run.observers) ob.onEpochEnd?.(record);
  pos.epoch++;
  pos.batch = 0;
  pos.acc = emptyAcc();
  const control = {
    evaluatedWeights: () => evaluationWeights(run.plugins) ?? run.model.weights.map((w) => w.read()),
    stop: (reason: string) => void (pos.stoppedBy = reason),
  };
  for (const p of run.plugins) p.afterEpoch?.(record, control);
  await checkpoint(run, pos);
  if (pos.stoppedBy) run.log(pos.stoppedBy);
}

/** The weights to save: a plug-in's choice (early stopping's best epoch), else the evaluation weights, else the model's. */
function selectWeights(
  run: Run,
  final: EpochRecord | undefined,
): { weights?: tf.Tensor[]; epoch: number; reason: string } {
  for (const p of run.plugins) {
    const s = p.selectedWeights?.();
    if (s) return s;
  }
  const epoch = final?.epoch ?? 0;
  const ema = evaluationWeights(run.plugins);
  return ema ? { weights: ema, epoch, reason: 'last epoch (EMA weights)' } : { epoch, reason: 'last epoch' };
}

async function finish(run: Run, pos: LoopPosition, status: TrainResult['status']): Promise<TrainResult> {
  const epochs = readJsonl(run.metricsFile).filter((l) => l.type === 'epoch') as unknown as EpochRecord[];
  const final = epochs[epochs.length - 1];
  const confusionFile = join(run.runDir, 'confusion.json');
  const confusion = existsSync(confusionFile)
    ? (JSON.parse(readFileSync(confusionFile, 'utf8')).matrix as number[][])
    : undefined;
  const result: TrainResult = {
    runDir: run.runDir,
    status,
    step: pos.step,
    epochs: pos.epoch,
    final,
    wallSeconds: wallMs(run, pos) / 1000,
    checkpoint: run.lastCheckpoint,
    confusion,
  };
  if (status === 'interrupted') return result;
  const chosen = selectWeights(run, final);
  if (chosen.weights) run.model.setWeights(chosen.weights);
  const d = run.data;
  const preprocessing = {
    height: run.inputShape[0],
    width: run.inputShape[1],
    channels: d.train.channels,
    mean: d.mean,
    std: d.std,
    classNames: d.train.classNames,
  };
  await saveModel(run.model, join(run.runDir, 'model'), preprocessing);
  result.selected = {
    epoch: chosen.epoch,
    reason: chosen.reason,
    metrics: epochs.find((e) => e.epoch === chosen.epoch),
  };
  const summary = {
    ...result,
    runDir: '.',
    checkpoint: run.lastCheckpoint ? relative(run.runDir, run.lastCheckpoint) : undefined,
    recipe: run.recipe.name,
    provenance: await provenance(),
  };
  writeFileAtomic(join(run.runDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  return result;
}
