// The per-epoch line of metrics.jsonl and the evaluation behind it.
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/index.js';
import { fastInference } from '../models/index.js';
import type { EpochMetrics, Predict, TrainPlugin } from '../plugin/index.js';
import { evaluate, predictBatch, type EvalResult } from './evaluate.js';

export interface EpochRecord extends EpochMetrics {
  type: 'epoch';
  /** 1-based: epochs completed. */
  epoch: number;
  step: number;
  lr: number;
  evaluatedWith: 'weights' | 'ema';
  epochSeconds: number;
  dataWaitFraction: number;
  skippedSteps: number;
  wallSeconds: number;
}

/** The weights evaluation uses: the first plug-in's that offers some (EMA), else undefined (the model's own). */
export function evaluationWeights(plugins: TrainPlugin[]): tf.Tensor[] | undefined {
  for (const p of plugins) {
    const w = p.evaluationWeights?.();
    if (w) return w;
  }
  return undefined;
}

/** Softmax of the model, wrapped by the plug-ins' inference hooks (test-time augmentation), first plug-in outermost. */
export function composedPredict(model: tf.LayersModel, plugins: TrainPlugin[]): Predict {
  const base: Predict = (x) => tf.softmax(predictBatch(model, x));
  return plugins.reduceRight<Predict>((next, p) => (p.inference ? (x) => p.inference!(x, next) : next), base);
}

/**
 * Evaluates `ds` with the evaluation weights swapped in (when a plug-in offers them), on the model's fastest inference
 * form (batch norm folded, residual add and ReLU fused: the same function as eval mode, in fewer kernels).
 */
export async function evaluateRun(
  model: tf.LayersModel,
  plugins: TrainPlugin[],
  ds: Dataset,
  o: { mean: number[]; std: number[]; batchSize: number },
): Promise<EvalResult> {
  const onInferenceForm = async (): Promise<EvalResult> => {
    const inference = fastInference(model);
    try {
      return await evaluate(inference, ds, { ...o, predict: composedPredict(inference, plugins) });
    } finally {
      inference.dispose();
    }
  };
  const weights = evaluationWeights(plugins);
  if (!weights) return onInferenceForm();
  const saved = model.weights.map((w) => w.read().clone());
  model.setWeights(weights);
  try {
    return await onInferenceForm();
  } finally {
    model.setWeights(saved);
    tf.dispose(saved);
  }
}
