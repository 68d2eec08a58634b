// Checkpoints: one binary file per save — magic, JSON header, then the raw tensor bytes — written atomically.
// Loading parses JSON and numbers only (never code) and checks every shape against the model being resumed.
import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic, removeQuietly, removeStaleTempFiles } from './io.js';

const MAGIC = 'TBXCKPT1';

export interface TensorEntry {
  group: string;
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  offset: number;
  length: number;
}

export interface CheckpointState {
  version: number;
  /** Iterations done. */
  step: number;
  /** Epoch in progress (0-based) and the next batch of it; batch 0 means the epoch has not started. */
  epoch: number;
  batch: number;
  /** Byte length of metrics.jsonl when the checkpoint was taken (later lines are dropped on resume). */
  metricsBytes: number;
  wallTimeMs: number;
  rng: unknown;
  /** Running sums of the epoch in progress. */
  epochAcc: { loss: number; correct: number; count: number; waitMs: number; timeMs: number; skipped: number };
  [key: string]: unknown;
}

export interface Checkpoint {
  state: CheckpointState;
  tensors: Map<string, { entry: TensorEntry; data: Float32Array | Int32Array }>;
}

/** A checkpoint would hold NaN/Inf: refused, so the last checkpoint on disk is always one to resume from. */
export class NonFiniteStateError extends Error {
  constructor(
    readonly group: string,
    readonly tensor: string,
  ) {
    super(`${group} tensor ${tensor} holds NaN or Infinity`);
    this.name = 'NonFiniteStateError';
  }
}

/** Serialises state + named tensors into one buffer; throws NonFiniteStateError for a NaN/Inf value. */
export async function encodeCheckpoint(
  state: CheckpointState,
  groups: Record<string, { name: string; tensor: tf.Tensor }[]>,
): Promise<Buffer> {
  const entries: TensorEntry[] = [];
  const datas: Uint8Array[] = [];
  let offset = 0;
  for (const [group, list] of Object.entries(groups)) {
    for (const { name, tensor } of list) {
      const dtype = tensor.dtype === 'int32' ? 'int32' : 'float32';
      const arr = dtype === 'int32' ? Int32Array.from(await tensor.data()) : Float32Array.from(await tensor.data());
      if (dtype === 'float32' && !arr.every(Number.isFinite)) throw new NonFiniteStateError(group, name);
      entries.push({ group, name, shape: tensor.shape, dtype, offset, length: arr.length });
      datas.push(new Uint8Array(arr.buffer));
      offset += arr.byteLength;
    }
  }
  const header = Buffer.from(JSON.stringify({ ...state, tensors: entries }));
  const pad = (8 - ((MAGIC.length + 4 + header.length) % 8)) % 8;
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length + pad);
  return Buffer.concat([Buffer.from(MAGIC), len, header, Buffer.alloc(pad, 0x20), ...datas]);
}

export function decodeCheckpoint(file: string, buf: Buffer): Checkpoint {
  if (buf.length < 12 || buf.subarray(0, 8).toString('latin1') !== MAGIC)
    throw new Error(`${file}: not a trickbox checkpoint (bad magic)`);
  const hlen = buf.readUInt32LE(8);
  if (12 + hlen > buf.length) throw new Error(`${file}: truncated checkpoint header`);
  let header: CheckpointState & { tensors: TensorEntry[] };
  try {
    // plain data only: keys that could reach an object's prototype when the state is merged are refused
    header = JSON.parse(buf.subarray(12, 12 + hlen).toString('utf8'), (key, value) => {
      if (key === '__proto__' || key === 'constructor' || key === 'prototype')
        throw new Error(`forbidden key '${key}'`);
      return value;
    });
  } catch (e) {
    throw new Error(`${file}: corrupt checkpoint header (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || !Array.isArray(header.tensors))
    throw new Error(`${file}: corrupt checkpoint header (no tensor list)`);
  const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
  if (![header.step, header.epoch, header.batch, header.metricsBytes].every(isCount))
    throw new Error(`${file}: corrupt checkpoint header (step/epoch/batch/metricsBytes must be integers >= 0)`);
  const base = 12 + hlen;
  const tensors = new Map<string, { entry: TensorEntry; data: Float32Array | Int32Array }>();
  for (const entry of header.tensors) {
    if (
      typeof entry?.group !== 'string' ||
      typeof entry.name !== 'string' ||
      (entry.dtype !== 'float32' && entry.dtype !== 'int32') ||
      !isCount(entry.offset) ||
      !isCount(entry.length) ||
      !Array.isArray(entry.shape) ||
      !entry.shape.every(isCount) ||
      entry.shape.reduce((a, b) => a * b, 1) !== entry.length
    )
      throw new Error(`${file}: corrupt checkpoint header (bad tensor entry ${JSON.stringify(entry).slice(0, 80)})`);
    const bytes = entry.length * 4;
    if (base + entry.offset + bytes > buf.length)
      throw new Error(`${file}: truncated checkpoint data (${entry.group}/${entry.name})`);
    const slice = buf.buffer.slice(buf.byteOffset + base + entry.offset, buf.byteOffset + base + entry.offset + bytes);
    tensors.set(`${entry.group}/${entry.name}`, {
      entry,
      data: entry.dtype === 'int32' ? new Int32Array(slice) : new Float32Array(slice),
    });
  }
  const { tensors: _t, ...state } = header;
  return { state: state as CheckpointState, tensors };
}

export function checkpointDir(runDir: string): string {
  return join(runDir, 'checkpoints');
}

function listCheckpoints(runDir: string): string[] {
  const dir = checkpointDir(runDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^ckpt-\d+\.tbx$/.test(f))
    .sort()
    .reverse()
    .map((f) => join(dir, f));
}

/** Writes `ckpt-<step>.tbx` atomically and keeps only the newest `keep` checkpoints. Returns the path. */
export function writeCheckpoint(runDir: string, step: number, data: Buffer, keep = 2): string {
  const file = join(checkpointDir(runDir), `ckpt-${String(step).padStart(9, '0')}.tbx`);
  writeFileAtomic(file, data);
  for (const old of listCheckpoints(runDir).slice(keep)) removeQuietly(old);
  removeStaleTempFiles(checkpointDir(runDir)); // writes cut by a crash of an earlier process
  return file;
}

/**
 * The newest readable checkpoint of a run, or undefined when there is none. When checkpoint files exist but none
 * is readable, throws naming them (resuming must not silently start over and drop the run's metrics).
 */
export function readLatestCheckpoint(runDir: string): { file: string; checkpoint: Checkpoint } | undefined {
  const errors: string[] = [];
  for (const file of listCheckpoints(runDir)) {
    try {
      return { file, checkpoint: decodeCheckpoint(file, readFileSync(file)) };
    } catch (e) {
      /* an unreadable file cannot come from writeCheckpoint's atomic rename; try the previous one */
      errors.push((e as Error).message);
    }
  }
  if (errors.length > 0) throw new Error(`no readable checkpoint in ${checkpointDir(runDir)}: ${errors.join('; ')}`);
  return undefined;
}

/** The values of `group`, in order of the checkpoint, checked against the expected names and shapes. */
export function groupValues(
  ck: Checkpoint,
  group: string,
  expected: { name: string; shape: number[] }[],
  file: string,
): tf.Tensor[] {
  const entries = [...ck.tensors.values()].filter((t) => t.entry.group === group);
  if (entries.length !== expected.length)
    throw new Error(
      `${file}: the checkpoint holds ${entries.length} ${group} tensors, the model has ${expected.length}; it comes from a different architecture`,
    );
  return expected.map((e, i) => {
    const t = entries[i];
    if (t.entry.shape.join(',') !== e.shape.join(','))
      throw new Error(
        `${file}: ${group} tensor ${i} (${t.entry.name}) has shape [${t.entry.shape}], the model expects [${e.shape}] for ${e.name}; a different architecture or class count`,
      );
    return tf.tensor(t.data, t.entry.shape, t.entry.dtype);
  });
}
