// Checkpoint contents: the loop's position and running sums, the model, the optimizer's slots and every plug-in's
// state, so that `--resume` continues a run exactly (docs/reliability.md).
import * as tf from '@tensorflow/tfjs';
import type { TrainPlugin } from '../plugin/index.js';
import type { Rng } from '../rng/index.js';
import {
  NonFiniteStateError,
  encodeCheckpoint,
  groupValues,
  writeCheckpoint,
  type Checkpoint,
  type CheckpointState,
} from './checkpoint.js';

export const CHECKPOINT_VERSION = 2;

/** Running sums of the epoch in progress. */
export interface EpochAcc {
  loss: number;
  correct: number;
  count: number;
  waitMs: number;
  timeMs: number;
  skipped: number;
}

export const emptyAcc = (): EpochAcc => ({ loss: 0, correct: 0, count: 0, waitMs: 0, timeMs: 0, skipped: 0 });

/** Where the loop is: iterations done, the epoch in progress and its next batch, and why it stopped, if it did. */
export interface LoopPosition {
  step: number;
  epoch: number;
  batch: number;
  wallBeforeMs: number;
  acc: EpochAcc;
  /** Set when a plug-in stopped training (early stopping): a resume does not train on. */
  stoppedBy: string | null;
}

/** What a checkpoint captures besides the position. */
export interface RunParts {
  runDir: string;
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  /** Names of the trainable variables, in the order the optimizer's slots refer to them. */
  trainableNames: string[];
  plugins: TrainPlugin[];
  rng: Rng;
}

/** Maps optimizer slot names between variable names and positions (`#i`), so state survives renamed variables. */
function renameSlots(
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

const pluginGroup = (p: TrainPlugin): string => `plugin:${p.name}`;

/** Encodes and writes a checkpoint; throws NonFiniteStateError (nothing written) when a weight is NaN/Inf. */
export async function saveCheckpoint(parts: RunParts, pos: LoopPosition, metricsBytes: number): Promise<string> {
  const pluginJson: Record<string, unknown> = {};
  const groups: Record<string, { name: string; tensor: tf.Tensor }[]> = {
    model: parts.model.weights.map((w) => ({ name: w.name, tensor: w.read() })),
  };
  const optWeights = await parts.optimizer.getWeights();
  groups.optimizer = renameSlots(optWeights, parts.trainableNames, (i) => `#${i}`);
  const made: tf.Tensor[] = optWeights.map((w) => w.tensor).filter((t) => !(t instanceof tf.Variable));
  for (const p of parts.plugins) {
    const s = p.getState?.();
    if (!s) continue;
    pluginJson[p.name] = s.json ?? null;
    if (s.tensors?.length) groups[pluginGroup(p)] = s.tensors;
  }
  const state: CheckpointState = {
    version: CHECKPOINT_VERSION,
    step: pos.step,
    epoch: pos.epoch,
    batch: pos.batch,
    metricsBytes,
    wallTimeMs: pos.wallBeforeMs,
    rng: parts.rng.getState(),
    epochAcc: pos.acc,
    plugins: pluginJson,
    stoppedBy: pos.stoppedBy,
  };
  try {
    return writeCheckpoint(parts.runDir, pos.step, await encodeCheckpoint(state, groups));
  } finally {
    tf.dispose(made); // getWeights makes new scalars for the iteration counters
  }
}

/** Restores a checkpoint into the run's parts; returns the loop position it holds. */
export async function restoreCheckpoint(parts: RunParts, file: string, ck: Checkpoint): Promise<LoopPosition> {
  const s = ck.state;
  if (s.version !== CHECKPOINT_VERSION)
    throw new Error(`${file}: a checkpoint of format ${String(s.version)} (this trickbox reads ${CHECKPOINT_VERSION})`);
  const weights = parts.model.weights.map((w) => ({ name: w.name, shape: w.shape as number[] }));
  const mv = groupValues(ck, 'model', weights, file);
  parts.model.setWeights(mv);
  tf.dispose(mv);
  const named = [...ck.tensors.values()]
    .filter((t) => t.entry.group === 'optimizer')
    .map((t) => ({ name: t.entry.name, tensor: tf.tensor(t.data, t.entry.shape, t.entry.dtype) }));
  await parts.optimizer.setWeights(
    renameSlots(
      named,
      parts.trainableNames.map((_, i) => `#${i}`),
      (i) => parts.trainableNames[i],
    ),
  );
  tf.dispose(named.map((n) => n.tensor));
  const pluginJson = (s.plugins ?? {}) as Record<string, unknown>;
  for (const p of parts.plugins) {
    if (!p.setState || !(p.name in pluginJson)) continue;
    const tensors = [...ck.tensors.values()]
      .filter((t) => t.entry.group === pluginGroup(p))
      .map((t) => ({ name: t.entry.name, tensor: tf.tensor(t.data, t.entry.shape, t.entry.dtype) }));
    p.setState({ json: pluginJson[p.name], tensors });
    tf.dispose(tensors.map((t) => t.tensor));
  }
  parts.rng.setState(s.rng as ReturnType<Rng['getState']>);
  return {
    step: s.step,
    epoch: s.epoch,
    batch: s.batch,
    wallBeforeMs: s.wallTimeMs,
    acc: { ...s.epochAcc },
    stoppedBy: (s.stoppedBy as string | null | undefined) ?? null,
  };
}

export { NonFiniteStateError };
