// Tiny learnable data and a small tfjs-layers CNN for the trainer tests (models.* are built by another area).
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dataset } from '../../src/data/index.js';
import { resolveRecipe, type Recipe } from '../../src/train/index.js';

/** Class k: a bright horizontal bar at row 2k (plus deterministic noise), 8×8 grey. */
export function barDataset(n: number, classes = 3, salt = 0): Dataset {
  const h = 8;
  const w = 8;
  const images = new Uint8Array(n * h * w);
  const labels = new Int32Array(n);
  let s = 12345 + salt;
  const rnd = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) / 16777216;
  };
  for (let i = 0; i < n; i++) {
    const k = i % classes;
    labels[i] = k;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) images[i * 64 + y * 8 + x] = Math.floor((y === 2 * k ? 180 : 30) + rnd() * 60);
  }
  return {
    images,
    labels,
    height: h,
    width: w,
    channels: 1,
    classNames: Array.from({ length: classes }, (_, k) => `bar${k}`),
  };
}

/** conv(4) → BN → ReLU → flatten → dense(K): small, with batch norm so moving statistics are exercised. */
export function tinyCnn({
  inputShape,
  numClasses,
  seed,
}: {
  inputShape: [number, number, number];
  numClasses: number;
  seed: number;
}): tf.LayersModel {
  const m = tf.sequential();
  m.add(
    tf.layers.conv2d({
      inputShape,
      filters: 4,
      kernelSize: 3,
      padding: 'same',
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
    }),
  );
  m.add(tf.layers.batchNormalization());
  m.add(tf.layers.activation({ activation: 'relu' }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: numClasses, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }));
  return m;
}

export function tempRunDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'trickbox-train-')), 'run');
}

export function tinyRecipe(extra: Record<string, any> = {}): Recipe {
  return resolveRecipe({
    name: 'tiny',
    data: { dataset: 'fashion-mnist', workers: 0, ...(extra.data ?? {}) },
    model: { name: 'tinyCnn' },
    training: { epochs: 3, batchSize: 16, seed: 7, logEvery: 2, ...(extra.training ?? {}) },
    optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4, ...(extra.optimizer ?? {}) },
    schedule: { name: 'cosine', warmupEpochs: 1, ...(extra.schedule ?? {}) },
    ...Object.fromEntries(
      Object.entries(extra).filter(([k]) => !['data', 'training', 'optimizer', 'schedule'].includes(k)),
    ),
  });
}
