// The trainer's plug-in interface (docs/architecture.md, "Plug-ins"). `train()` is a loop that calls these hooks, in
// the order the plug-ins are listed; every recipe trick that acts during training is a plug-in, kept in the area that
// owns the trick. This module is types only (tfjs, no Node): any area may implement a plug-in.
import type * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng/index.js';

/** What a plug-in learns when training starts (after a resume too). */
export interface FitInfo {
  model: tf.LayersModel;
  numClasses: number;
  stepsPerEpoch: number;
  totalSteps: number;
  /** The step training starts from: 0, or the checkpoint's step after a resume. */
  startStep: number;
  runDir: string;
  seed: number;
  /**
   * The training split (validation images excluded), before augmentation: for initialisations from data. The trainer
   * always passes it; optional so that a plug-in can be driven by hand without data.
   */
  trainingImages?: TrainingImages;
}

/** Uint8 images N·H·W·C and the per-channel normalisation the loader gives the model's inputs ((v/255 − mean)/std). */
export interface TrainingImages {
  pixels: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
  mean: readonly number[];
  std: readonly number[];
}

/** The step being trained. */
export interface StepContext {
  /** Iterations done before this one (0 for the first batch). */
  step: number;
  /** 0-based epoch in progress. */
  epoch: number;
  /** The trainer's seeded stream for batch-level draws (mixing); checkpointed, so a resume draws the same values. */
  rng: Rng;
}

/** A training batch as tensors: images [B, H, W, C] (normalised) and targets, int32 labels [B] or probabilities [B, K]. */
export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor;
}

/** Inputs of the loss hook; `loss` computes the loss so far (lazily: a plug-in that replaces it need not call it). */
export interface LossInput {
  x: tf.Tensor4D;
  target: tf.Tensor;
  logits: tf.Tensor2D;
  loss: () => tf.Scalar;
}

/** One epoch's metrics, as the trainer records them (fractions; val* only with a validation split). */
export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss?: number;
  valTop1?: number;
  valTop5?: number;
  testLoss: number;
  testTop1: number;
  testTop5: number;
  [key: string]: unknown;
}

/** What a plug-in may ask of the trainer at the end of an epoch. */
export interface EpochControl {
  /** The weights that were just evaluated (the model's, or the EMA's): copy them to keep them. */
  evaluatedWeights(): tf.Tensor[];
  /** Stop after this epoch (the checkpoint is written first); `reason` is logged. */
  stop(reason: string): void;
}

/** Predicts class probabilities of a normalised batch; test-time plug-ins wrap it. */
export type Predict = (x: tf.Tensor4D) => tf.Tensor2D;

/** The weights the trainer saves as the run's model, and the epoch (1-based) they come from. */
export interface SelectedWeights {
  weights: tf.Tensor[];
  epoch: number;
  reason: string;
}

/** Serialisable state of a plug-in, checkpointed so that `--resume` continues it exactly. */
export interface PluginState {
  json?: unknown;
  tensors?: Array<{ name: string; tensor: tf.Tensor }>;
}

/**
 * A trainer plug-in. Every hook is optional; tensors returned by `transformBatch`, `loss` and `inference` are made
 * inside the trainer's `tf.tidy`, so a plug-in need not dispose them.
 */
export interface TrainPlugin {
  /** Unique within a run: it keys the plug-in's state in checkpoints. */
  readonly name: string;
  beforeFit?(info: FitInfo): void | Promise<void>;
  /** Replaces a batch's images and targets (mixing). */
  transformBatch?(batch: Batch, ctx: StepContext): Batch;
  /** Returns the loss of the step, from `input.loss()` (the loss so far) or in its place (distillation). */
  loss?(input: LossInput, ctx: StepContext): tf.Scalar;
  /** After the optimizer applied the step's gradients (EMA). */
  afterStep?(ctx: StepContext): void;
  /** The weights evaluation and the saved model use instead of the model's own (EMA), in `model.weights` order. */
  evaluationWeights?(): tf.Tensor[] | undefined;
  /** Wraps prediction at evaluation (test-time augmentation): call `next` on each view and combine. */
  inference?(x: tf.Tensor4D, next: Predict): tf.Tensor2D;
  /** After each epoch's evaluation (early stopping). */
  afterEpoch?(metrics: EpochMetrics, control: EpochControl): void;
  /** The weights to save instead of the final ones (early stopping's best epoch), if any. */
  selectedWeights?(): SelectedWeights | undefined;
  getState?(): PluginState;
  setState?(state: PluginState): void;
  dispose?(): void;
}
