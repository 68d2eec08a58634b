// The training loop: data → (mixing) → model → loss → optimizer ← per-iteration schedule, with EMA, knowledge
// distillation, evaluation each epoch, early stopping, crash-safe checkpoints and exact resume.
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataLoader, derivedSeed, type Dataset } from '../data/index.js';
import * as losses from '../losses/index.js';
import { fastInference } from '../models/index.js';
import { Rng } from '../rng/index.js';
import { buildMixer, buildOptimizer, buildSchedule, modelFactory, seedMathRandom, type ModelFactory } from './build.js';
import {
  NonFiniteStateError,
  encodeCheckpoint,
  groupValues,
  readLatestCheckpoint,
  writeCheckpoint,
  type CheckpointState,
} from './checkpoint.js';
import { loadDatasets, prepareData, type RunData } from './data.js';
import { evaluate, predictBatch, type EvalResult } from './evaluate.js';
import { appendJsonl, fileSize, truncateTo, writeFileAtomic } from './io.js';
import { loadModel, saveModel, type Preprocessing } from './modelio.js';
import { RecipeError, type Recipe } from './recipe.js';

/** A failure during training (not a usage error): NaN loss, incompatible checkpoint, … */
export class TrainingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingError';
  }
}

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

export interface EpochRecord {
  type: 'epoch';
  epoch: number; // 1-based: epochs completed
  step: number;
  lr: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss?: number;
  valTop1?: number;
  valTop5?: number;
  testLoss: number;
  testTop1: number;
  testTop5: number;
  evaluatedWith: 'weights' | 'ema';
  epochSeconds: number;
  dataWaitFraction: number;
  skippedSteps: number;
  wallSeconds: number;
}

export interface Callbacks {
  onTrainBegin?(info: { totalSteps: number; stepsPerEpoch: number; startStep: number; runDir: string }): void;
  onStepEnd?(info: StepInfo): void;
  onEpochEnd?(record: EpochRecord): void;
  onTrainEnd?(result: TrainResult): void;
}

export interface TrainOptions {
  recipe: Recipe;
  /** Run directory (created). */
  runDir: string;
  /** Continue the run in `runDir` from its newest checkpoint. */
  resume?: boolean;
  /** Builds the model instead of `models.<recipe.model.name>` (library use, tests). */
  model?: ModelFactory;
  /** Uses these datasets instead of loading `recipe.data` (library use, tests). */
  datasets?: { train: Dataset; test: Dataset };
  callbacks?: Callbacks[];
  /** Set `stop = true` (e.g. from a SIGINT handler): the current step finishes, a checkpoint is written, train returns. */
  stopSignal?: { stop: boolean };
  /** Stop (with a checkpoint) once this many steps are done — to simulate an interruption in tests. */
  stopAtStep?: number;
  log?: (message: string) => void;
}

export interface TrainResult {
  runDir: string;
  status: 'completed' | 'early-stopped' | 'interrupted';
  step: number;
  epochs: number;
  final?: EpochRecord;
  best?: { epoch: number; testTop1: number };
  wallSeconds: number;
  checkpoint?: string;
  confusion?: number[][];
}

interface EarlyStopState {
  best: number | null;
  bestEpoch: number;
  wait: number;
}

/** Maps optimizer slot names to model-variable indices so state survives renamed variables (a fresh process). */
function renameOptimizerWeights(
  named: { name: string; tensor: tf.Tensor }[],
  from: string[],
  to: (i: number) => string,
): { name: string; tensor: tf.Tensor }[] {
  const index = new Map(from.map((n, i) => [n, i]));
  return named.map(({ name, tensor }) => {
    const cut = name.lastIndexOf('/');
    const i = cut > 0 ? index.get(name.slice(0, cut)) : undefined;
    return { name: i === undefined ? name : `${to(i)}${name.slice(cut)}`, tensor };
  });
}

/** Stream id of the per-step Math.random seed (dropout), distinct from the loader's per-sample streams. */
const DROPOUT_STREAM = 0x44524f50;

/** Runs a builder of a recipe section; its argument errors are recipe errors (exit code 2) naming the field. */
function recipeField<T>(field: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RecipeError || e instanceof TrainingError) throw e;
    const msg = (e as Error).message.split('\n')[0];
    throw new RecipeError(`recipe: ${msg.startsWith(field) ? '' : `${field}: `}${msg}`);
  }
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { recipe } = opts;
  const runDir = resolve(opts.runDir);
  const log = opts.log ?? ((m: string) => console.error(m));
  const callbacks = opts.callbacks ?? [];
  const metricsFile = join(runDir, 'metrics.jsonl');
  const seed = recipe.training.seed;

  // ---- run directory
  const latest = opts.resume ? readLatestCheckpoint(runDir) : undefined;
  if (opts.resume && !existsSync(join(runDir, 'recipe.json')))
    throw new TrainingError(`${runDir}: not a run directory (no recipe.json) — nothing to resume`);
  if (
    !opts.resume &&
    existsSync(runDir) &&
    readdirSync(runDir).some((f) => f === 'metrics.jsonl' || f === 'checkpoints')
  )
    // a usage error (exit code 2 in the CLI), not a training failure
    throw new RecipeError(
      `${runDir}: already holds a run; pass --resume ${opts.runDir} to continue it, or choose another --out`,
    );

  // ---- data, model, optimizer, schedule
  const sets = opts.datasets ?? (await loadDatasets(recipe, log));
  const rd: RunData = prepareData(recipe, sets);
  const { train: trainSet, mean, std } = rd;
  const K = trainSet.classNames.length;
  const inputShape: [number, number, number] = [trainSet.height, trainSet.width, trainSet.channels];
  const loader = recipeField(
    'augment',
    () =>
      new DataLoader(trainSet, {
        batchSize: recipe.training.batchSize,
        mean,
        std,
        seed,
        transforms: recipe.augment,
        workers: recipe.data.workers,
      }),
  );
  const stepsPerEpoch = loader.batchesPerEpoch;
  const { schedule, steps } = buildSchedule(recipe, stepsPerEpoch);
  const factory = opts.model ?? modelFactory(recipe);
  const model = opts.model
    ? factory({ inputShape, numClasses: K, seed })
    : recipeField('model.options', () => factory({ inputShape, numClasses: K, seed }));
  const outShape = model.outputs[0].shape;
  if (outShape[outShape.length - 1] !== K)
    throw new TrainingError(
      `model '${recipe.model.name}' outputs ${outShape[outShape.length - 1]} classes, the dataset has ${K}`,
    );
  const optimizer = buildOptimizer(recipe, schedule(0));
  const mixer = buildMixer(recipe);
  const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const trainableNames = trainable.map((v) => v.name);

  let teacher: tf.LayersModel | undefined;
  if (recipe.distillation.teacher) {
    const t = await loadModel(recipe.distillation.teacher).catch((e: Error) => {
      throw new RecipeError(`recipe: distillation.teacher: ${e.message.split('\n')[0]}`);
    });
    teacher = t.model;
    const tin = teacher.inputs[0].shape.slice(1).join('×');
    const tout = teacher.outputs[0].shape[teacher.outputs[0].shape.length - 1];
    if (tout !== K || tin !== inputShape.join('×'))
      throw new RecipeError(
        `recipe: distillation.teacher ${t.file}: expects input ${tin} and predicts ${tout} classes; this run has input ${inputShape.join('×')} and ${K} classes`,
      );
  }

  // EMA of all model weights, BN statistics included (as timm ModelEmaV2 averages the state dict).
  const emaDecay = recipe.regularization.ema?.decay;
  let ema: tf.Variable[] | undefined = emaDecay ? model.weights.map((w) => tf.variable(w.read(), false)) : undefined;

  const rng = new Rng(seed).split(); // mixing draws
  let step = 0;
  let epoch = 0;
  let batch = 0;
  let wallBefore = 0;
  let acc = { loss: 0, correct: 0, count: 0, waitMs: 0, timeMs: 0, skipped: 0 };
  const early: EarlyStopState = { best: null, bestEpoch: 0, wait: 0 };
  let best: { epoch: number; testTop1: number } | undefined;
  let lastCheckpoint: string | undefined;

  mkdirSync(runDir, { recursive: true }); // only now: bad data or a bad model leave no empty run directory
  if (latest) {
    const { file, checkpoint: ck } = latest;
    const s = ck.state;
    const mv = groupValues(
      ck,
      'model',
      model.weights.map((w) => ({ name: w.name, shape: w.shape as number[] })),
      file,
    );
    model.setWeights(mv);
    tf.dispose(mv);
    const optEntries = [...ck.tensors.values()].filter((t) => t.entry.group === 'optimizer');
    const named = optEntries.map((t) => ({
      name: t.entry.name,
      tensor: tf.tensor(t.data, t.entry.shape, t.entry.dtype),
    }));
    await optimizer.setWeights(
      renameOptimizerWeights(
        named,
        trainableNames.map((_, i) => `#${i}`),
        (i) => trainableNames[i],
      ),
    );
    tf.dispose(named.map((n) => n.tensor));
    if (ema) {
      const ev = groupValues(
        ck,
        'ema',
        model.weights.map((w) => ({ name: w.name, shape: w.shape as number[] })),
        file,
      );
      ema.forEach((v, i) => v.assign(ev[i]));
      tf.dispose(ev);
    }
    rng.setState(s.rng as ReturnType<Rng['getState']>);
    step = s.step;
    epoch = s.epoch;
    batch = s.batch;
    wallBefore = s.wallTimeMs;
    acc = { ...s.epochAcc };
    Object.assign(early, s.callbacks.earlyStopping as EarlyStopState);
    best = s.callbacks.best as typeof best;
    lastCheckpoint = file;
    truncateTo(metricsFile, s.metricsBytes);
    log(`resuming ${runDir} from ${file} (step ${step}, epoch ${epoch + 1}, batch ${batch})`);
  } else if (opts.resume) {
    log(`${runDir}: no checkpoint yet, starting from the beginning`);
    truncateTo(metricsFile, 0);
  }
  writeFileAtomic(join(runDir, 'recipe.json'), JSON.stringify({ ...recipe, resolvedSchedule: steps }, null, 2) + '\n');
  const preprocessing: Preprocessing = {
    height: inputShape[0],
    width: inputShape[1],
    channels: trainSet.channels,
    mean,
    std,
    classNames: trainSet.classNames,
  };

  const t0 = performance.now();
  const wallMs = (): number => wallBefore + (performance.now() - t0);

  const saveCheckpoint = async (): Promise<string> => {
    const state: CheckpointState = {
      version: 1,
      step,
      epoch,
      batch,
      metricsBytes: fileSize(metricsFile),
      wallTimeMs: wallMs(),
      rng: rng.getState(),
      epochAcc: acc,
      callbacks: { earlyStopping: { ...early }, best },
      recipeName: recipe.name,
    };
    const optWeights = await optimizer.getWeights();
    const groups: Record<string, { name: string; tensor: tf.Tensor }[]> = {
      model: model.weights.map((w) => ({ name: w.name, tensor: w.read() })),
      optimizer: renameOptimizerWeights(optWeights, trainableNames, (i) => `#${i}`),
    };
    if (ema) groups.ema = ema.map((v, i) => ({ name: model.weights[i].name, tensor: v }));
    let buf: Buffer;
    try {
      buf = await encodeCheckpoint(state, groups);
    } catch (e) {
      if (!(e instanceof NonFiniteStateError)) throw e;
      throw new TrainingError(
        `${e.message} after step ${step} (epoch ${epoch + 1}, lr ${schedule(Math.max(0, step - 1))}); not checkpointed. ` +
          `Last good checkpoint: ${lastCheckpoint ?? '(none yet)'}; lower optimizer.lr`,
      );
    }
    // getWeights returns new scalars for the iteration / step counters
    for (const w of optWeights) if (!(w.tensor instanceof tf.Variable)) w.tensor.dispose();
    lastCheckpoint = writeCheckpoint(runDir, step, buf);
    return lastCheckpoint;
  };

  /**
   * Evaluation with the EMA weights swapped in when EMA is on, on the model's fastest inference form (batch norm
   * folded into the convolutions, residual add and ReLU fused): the same function as eval mode, in fewer kernels.
   */
  const evalWith = async (ds: Dataset): Promise<EvalResult> => {
    const o = { mean, std, batchSize: recipe.training.evalBatchSize, flipTta: recipe.evaluation.flipTta };
    const onInferenceForm = async (): Promise<EvalResult> => {
      const inference = fastInference(model);
      try {
        return await evaluate(inference, ds, o);
      } finally {
        inference.dispose();
      }
    };
    if (!ema) return onInferenceForm();
    const saved = model.weights.map((w) => w.read().clone());
    model.setWeights(ema);
    try {
      return await onInferenceForm();
    } finally {
      model.setWeights(saved);
      tf.dispose(saved);
    }
  };

  for (const cb of callbacks)
    cb.onTrainBegin?.({ totalSteps: steps.totalSteps, stepsPerEpoch, startStep: step, runDir });
  let status: TrainResult['status'] = 'completed';
  let final: EpochRecord | undefined;
  let confusion: number[][] | undefined;
  const labelSmoothing = recipe.loss.labelSmoothing;
  const dist = recipe.distillation;

  try {
    outer: while (epoch < recipe.training.epochs) {
      const epochStart = performance.now();
      loader.resetWait();
      let stepStart = performance.now();
      for await (const b of loader.epoch(epoch, batch)) {
        const lr = schedule(step); // the first batch trains at schedule(0) (SPEC §6)
        optimizer.setLearningRate(lr);
        // unseeded tfjs randomness (dropout) drawn from (seed, step): the same masks after a resume
        const restoreRandom = seedMathRandom(derivedSeed(seed, DROPOUT_STREAM, step));
        // skip mode: the forward pass updates batch-norm moving statistics; a skipped batch must not leave its NaNs there
        const saved = recipe.training.onNaN === 'skip' ? model.nonTrainableWeights.map((w) => w.read().clone()) : [];
        const { stats, grads } = tf.tidy(() => {
          let x: tf.Tensor4D = tf.tensor4d(b.x, b.shape);
          const yInt = tf.tensor1d(b.y, 'int32');
          let target: tf.Tensor = yInt;
          if (mixer) {
            const mixed = mixer(x, tf.oneHot(yInt, K).toFloat() as tf.Tensor2D, rng);
            x = mixed.x;
            target = mixed.y;
          }
          const teacherLogits = teacher ? predictBatch(teacher, x) : undefined;
          let logitsKept: tf.Tensor2D | undefined;
          const { value, grads } = tf.variableGrads(() => {
            const logits = model.apply(x, { training: true }) as tf.Tensor2D;
            logitsKept = tf.keep(logits.clone());
            return teacherLogits
              ? losses.distillation(target, logits, teacherLogits, {
                  temperature: dist.temperature,
                  alpha: dist.alpha,
                  labelSmoothing,
                })
              : losses.crossEntropy(target, logits, { labelSmoothing });
          }, trainable);
          // accuracy against the (mixed) target's arg-max
          const ref = target.rank === 1 ? target : tf.argMax(target, 1);
          const correct = tf.sum(tf.equal(tf.argMax(logitsKept!, 1), ref).toFloat());
          logitsKept!.dispose();
          // loss and correct count in one tensor: one read (one sync) per step
          return { stats: tf.stack([value, correct]), grads };
        });
        restoreRandom();
        const statsData = await stats.data();
        stats.dispose();
        const lossVal = statsData[0];
        const nCorrect = statsData[1];
        if (!Number.isFinite(lossVal)) {
          tf.dispose(grads);
          if (recipe.training.onNaN === 'skip') {
            model.nonTrainableWeights.forEach((w, i) => w.write(saved[i]));
            tf.dispose(saved);
            acc.skipped++;
            log(`step ${step}: loss is ${lossVal} at lr ${lr}; batch skipped (training.onNaN = 'skip')`);
            step++;
            batch = b.index + 1;
            continue;
          }
          throw new TrainingError(
            `loss is ${lossVal} at step ${step} (epoch ${epoch + 1}, lr ${lr}); stopped. Last good checkpoint: ` +
              `${lastCheckpoint ?? '(none yet)'}${lastCheckpoint ? ` — resume with --resume ${opts.runDir}` : ''}; ` +
              `lower optimizer.lr or set training.onNaN to 'skip'`,
          );
        }
        tf.dispose(saved);
        optimizer.applyGradients(grads);
        tf.dispose(grads);
        if (ema && emaDecay) {
          // shadow ← d·shadow + (1 − d)·w (Polyak averaging; timm ModelEmaV2)
          tf.tidy(() =>
            ema!.forEach((v, i) =>
              v.assign(tf.add(tf.mul(v, emaDecay), tf.mul(model.weights[i].read(), 1 - emaDecay))),
            ),
          );
        }
        step++;
        batch = b.index + 1;
        acc.loss += lossVal * b.y.length;
        acc.correct += nCorrect;
        acc.count += b.y.length;
        const now = performance.now();
        const info: StepInfo = {
          step,
          epoch: epoch + 1,
          batch,
          batchesPerEpoch: stepsPerEpoch,
          totalSteps: steps.totalSteps,
          loss: lossVal,
          lr,
          imagesPerSecond: b.y.length / ((now - stepStart) / 1000),
        };
        stepStart = now;
        if (step % recipe.training.logEvery === 0)
          appendJsonl(metricsFile, {
            type: 'step',
            step,
            epoch: epoch + 1,
            loss: lossVal,
            lr,
            imagesPerSecond: info.imagesPerSecond,
          });
        for (const cb of callbacks) cb.onStepEnd?.(info);
        // yield to the event loop once per step: with in-thread data and a backend whose data() settles as a
        // microtask, nothing else ever ran, so a SIGINT handler could not set stopSignal until training ended
        await new Promise<void>((r) => setImmediate(r));
        if (opts.stopSignal?.stop || (opts.stopAtStep !== undefined && step >= opts.stopAtStep)) {
          acc.waitMs += loader.waitMs;
          acc.timeMs += performance.now() - epochStart;
          if (batch >= stepsPerEpoch) break; // the epoch is complete: finish it normally, then stop
          await saveCheckpoint();
          status = 'interrupted';
          break outer;
        }
      }
      // ---- end of epoch
      if (!(opts.stopSignal?.stop || (opts.stopAtStep !== undefined && step >= opts.stopAtStep))) {
        acc.waitMs += loader.waitMs;
        acc.timeMs += performance.now() - epochStart;
      }
      const testRes = await evalWith(rd.test);
      const valRes = rd.val ? await evalWith(rd.val) : undefined;
      const record: EpochRecord = {
        type: 'epoch',
        epoch: epoch + 1,
        step,
        lr: schedule(Math.max(0, step - 1)),
        trainLoss: acc.loss / Math.max(1, acc.count),
        trainAccuracy: acc.correct / Math.max(1, acc.count),
        ...(valRes ? { valLoss: valRes.loss, valTop1: valRes.top1, valTop5: valRes.top5 } : {}),
        testLoss: testRes.loss,
        testTop1: testRes.top1,
        testTop5: testRes.top5,
        evaluatedWith: ema ? 'ema' : 'weights',
        epochSeconds: acc.timeMs / 1000,
        dataWaitFraction: acc.timeMs > 0 ? acc.waitMs / acc.timeMs : 0,
        skippedSteps: acc.skipped,
        wallSeconds: wallMs() / 1000,
      };
      appendJsonl(metricsFile, record);
      confusion = testRes.confusion;
      writeFileAtomic(
        join(runDir, 'confusion.json'),
        JSON.stringify({ epoch: epoch + 1, classNames: trainSet.classNames, matrix: confusion }) + '\n',
      );
      if (!best || record.testTop1 > best.testTop1) best = { epoch: epoch + 1, testTop1: record.testTop1 };
      final = record;
      for (const cb of callbacks) cb.onEpochEnd?.(record);
      epoch++;
      batch = 0;
      acc = { loss: 0, correct: 0, count: 0, waitMs: 0, timeMs: 0, skipped: 0 };
      // early stopping on the validation set when there is one, else on the test set (stated in docs/recipes.md)
      const es = recipe.regularization.earlyStopping;
      let stopEarly = false;
      if (es) {
        const higher = es.metric === 'valAccuracy';
        const v = higher ? (valRes ?? testRes).top1 : (valRes ?? testRes).loss;
        const improved = early.best === null || (higher ? v > early.best + es.minDelta : v < early.best - es.minDelta);
        if (improved) {
          early.best = v;
          early.bestEpoch = epoch;
          early.wait = 0;
        } else if (++early.wait >= es.patience) stopEarly = true;
      }
      await saveCheckpoint();
      if (stopEarly) {
        status = 'early-stopped';
        log(
          `early stopping after epoch ${epoch}: no improvement of ${es!.metric} for ${es!.patience} epochs (best at epoch ${early.bestEpoch})`,
        );
        break;
      }
      if (opts.stopSignal?.stop || (opts.stopAtStep !== undefined && step >= opts.stopAtStep)) {
        if (epoch < recipe.training.epochs) status = 'interrupted';
        break;
      }
    }
    if (status !== 'interrupted') {
      if (ema) model.setWeights(ema);
      await saveModel(model, join(runDir, 'model'), preprocessing);
    }
  } finally {
    await loader.close();
  }
  const result: TrainResult = {
    runDir,
    status,
    step,
    epochs: epoch,
    final,
    best,
    wallSeconds: wallMs() / 1000,
    checkpoint: lastCheckpoint,
    confusion,
  };
  if (status !== 'interrupted') {
    writeFileAtomic(join(runDir, 'summary.json'), JSON.stringify({ ...result, recipe: recipe.name }, null, 2) + '\n');
  }
  for (const cb of callbacks) cb.onTrainEnd?.(result);
  model.dispose();
  teacher?.dispose();
  optimizer.dispose();
  if (ema) tf.dispose(ema);
  ema = undefined;
  return result;
}
