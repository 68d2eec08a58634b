// One training step: plug-ins transform the batch, the loss is the cross-entropy (with label smoothing) as plug-ins
// amend or replace it, the gradients are applied, then the plug-ins' after-step hooks run.
import * as tf from '@tensorflow/tfjs';
import { crossEntropy } from '../losses/index.js';
import type { StepContext, TrainPlugin } from '../plugin/index.js';

export interface StepInput {
  x: Float32Array;
  y: Int32Array;
  shape: [number, number, number, number];
}

export interface StepParts {
  model: tf.LayersModel;
  trainable: tf.Variable[];
  optimizer: tf.Optimizer;
  plugins: TrainPlugin[];
  labelSmoothing: number;
  /** 'skip': a batch whose loss is not finite leaves no trace (its batch-norm statistics are restored too). */
  onNaN: 'stop' | 'skip';
}

export interface StepOutcome {
  loss: number;
  /** Predictions matching the (mixed) target's arg-max. */
  correct: number;
  /** False when the loss was not finite: nothing was applied. */
  applied: boolean;
}

export async function trainStep(parts: StepParts, input: StepInput, ctx: StepContext): Promise<StepOutcome> {
  const { model, plugins } = parts;
  // the forward pass updates batch-norm moving statistics; a skipped batch must not leave its NaNs there
  const savedStats = parts.onNaN === 'skip' ? model.nonTrainableWeights.map((w) => w.read().clone()) : [];
  const { stats, grads } = tf.tidy(() => {
    let batch = { x: tf.tensor4d(input.x, input.shape), y: tf.tensor1d(input.y, 'int32') as tf.Tensor };
    for (const p of plugins) if (p.transformBatch) batch = p.transformBatch(batch, ctx);
    const { x, y: target } = batch;
    let logitsKept: tf.Tensor2D | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const logits = model.apply(x, { training: true }) as tf.Tensor2D;
      logitsKept = tf.keep(logits.clone());
      let loss = (): tf.Scalar => crossEntropy(target, logits, { labelSmoothing: parts.labelSmoothing });
      for (const p of plugins) {
        if (!p.loss) continue;
        const previous = loss;
        loss = () => p.loss!({ x, target, logits, loss: previous }, ctx);
      }
      return loss();
    }, parts.trainable);
    const ref = target.rank === 1 ? target : tf.argMax(target, 1);
    const correct = tf.sum(tf.equal(tf.argMax(logitsKept!, 1), ref).toFloat());
    logitsKept!.dispose();
    return { stats: tf.stack([value, correct]), grads }; // one read (one sync) per step
  });
  const [loss, correct] = await stats.data();
  stats.dispose();
  if (!Number.isFinite(loss)) {
    tf.dispose(grads);
    if (parts.onNaN === 'skip') model.nonTrainableWeights.forEach((w, i) => w.write(savedStats[i]));
    tf.dispose(savedStats);
    return { loss, correct, applied: false };
  }
  tf.dispose(savedStats);
  parts.optimizer.applyGradients(grads);
  tf.dispose(grads);
  for (const p of plugins) p.afterStep?.(ctx);
  return { loss, correct, applied: true };
}
